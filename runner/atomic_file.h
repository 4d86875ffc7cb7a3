/* atomic_file.h — the one way telltale replaces a file: reports, metrics
 * textfiles and serve's state all go through atomic_file_write.
 *
 * The content goes into a temporary file with a unique name (mkstemp) in
 * the same directory, is fsync'd, gets the caller's mode, is renamed over
 * the target, and the directory is fsync'd: a reader (CI, node_exporter)
 * never sees half a file, a crash leaves the old file or the new one, and
 * two processes writing the same path never share a temporary file. */
#ifndef TELLTALE_ATOMIC_FILE_H
#define TELLTALE_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

struct failure;

/* Replace path with the len bytes at data, with permissions mode (exactly:
 * the umask does not apply).  what names the file in the message ("report",
 * "--prom-file", "state file").  Returns 0, or -1 with f filled (kind
 * `internal`, "cannot write WHAT PATH: REASON"); on failure the temporary
 * file is gone and path is untouched. */
int atomic_file_write(const char *path, const char *data, size_t len, mode_t mode, const char *what, struct failure *f);

/* Write all len bytes to fd, across short writes and EINTR.  Returns 0, or
 * -1 with errno (EAGAIN on a non-blocking fd included). */
int atomic_file_write_all(int fd, const void *data, size_t len);

#endif
