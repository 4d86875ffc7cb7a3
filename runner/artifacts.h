/* artifacts.h — --artifacts DIR: what a run saw, saved for debugging.
 * Files go to DIR/<scenario>/<NNN>-<step>-<what>, names made safe for any
 * filesystem.
 *
 * A step may learn a secret after it saved what holds it (a temporary
 * password read from a message, then passed to secret()), so saving only
 * queues a copy: the file is written, redacted with every secret known by
 * then, when the step (or teardown) ends — sched.c calls artifacts_flush
 * for the task.  Scheduler thread only. */
#ifndef TELLTALE_ARTIFACTS_H
#define TELLTALE_ARTIFACTS_H

#include <stddef.h>

struct failure;

/* Queue a copy of data for owner (the task).  Returns 0, or -1 with f
 * filled (kind `internal`: the directory cannot be made).  The path the
 * file will have is copied to path_out when it is not NULL. */
int artifacts_save(const void *owner, const char *dir, const char *scenario, const char *step, const char *what,
                   const char *data, size_t len, char *path_out, size_t path_len, struct failure *f);
/* Write owner's queued artifacts, redacted, and forget them (NULL: every
 * owner's).  A file that cannot be written is reported on stderr: an
 * artifact must not fail the check itself. */
void artifacts_flush(const void *owner);
/* The file-name form of a scenario or step name, as artifacts_save uses
 * it: the HTML report finds a scenario's directory with it. */
void artifacts_safe_name(const char *in, char *out, size_t outlen);

#endif
