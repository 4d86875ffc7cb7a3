/* artifacts.h — --artifacts DIR: what a run saw, saved for debugging.
 * Files go to DIR/<scenario>/<NNN>-<step>-<what>, names made safe for any
 * filesystem; the content is redacted before it is written. */
#ifndef TELLTALE_ARTIFACTS_H
#define TELLTALE_ARTIFACTS_H

#include <stddef.h>

struct failure;

/* Save data; returns 0, or -1 with f filled (kind `internal`). The path
 * written is copied to path_out when it is not NULL. */
/* The file-name form of a scenario or step name, as artifacts_save uses
 * it: the HTML report finds a scenario's directory with it. */
void artifacts_safe_name(const char *in, char *out, size_t outlen);

int artifacts_save(const char *dir, const char *scenario, const char *step, const char *what, const char *data,
                   size_t len, char *path_out, size_t path_len, struct failure *f);

#endif
