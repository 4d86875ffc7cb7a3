/* vars.h — where vars.NAME come from: `--var NAME=VALUE` and `--vars-file`
 * (NAME=VALUE lines as in the .env files people already have, or a JSON
 * object when the file name ends in .json).
 *
 * Each becomes a "NAME=VALUE" string in a list, in order (a later one wins
 * when script.c builds `vars`).  A value whose name says it is a
 * credential (redact_name_is_secret) is registered as a secret before
 * anything can print it.  Nothing is misread quietly: a bad name, a NUL
 * byte, a value that is not a string, number or boolean is an error
 * (kind `script`, the message naming the file and line). */
#ifndef TELLTALE_VARS_H
#define TELLTALE_VARS_H

#include "failure.h"
#include "result.h" /* struct strlist */

/* One NAME=VALUE.  Returns 0, or -1 with f filled. */
int vars_add(struct strlist *vars, const char *kv, struct failure *f);
/* Every NAME=VALUE of the file at path.  Returns 0, or -1 with f filled. */
int vars_add_file(struct strlist *vars, const char *path, struct failure *f);

#endif
