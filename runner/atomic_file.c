/* atomic_file.c — replacing a file atomically; see atomic_file.h. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "failure.h"

int atomic_file_write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        p += n, len -= (size_t)n;
    }
    return 0;
}

/* The directory part of path ("." for a bare name), into dir. */
static void dir_of(const char *path, struct buf *dir) {
    const char *slash = strrchr(path, '/');
    if (!slash)
        buf_puts(dir, ".");
    else if (slash == path)
        buf_puts(dir, "/");
    else
        buf_append(dir, path, (size_t)(slash - path));
}

/* fsync the directory, so the rename itself survives a crash.  A directory
 * that cannot be opened or synced (some filesystems refuse) is no reason to
 * call the write failed: the file is in place. */
static void sync_dir(const char *path) {
    struct buf dir;
    buf_init(&dir, 0);
    dir_of(path, &dir);
    int fd = open(buf_str(&dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    buf_free(&dir);
}

int atomic_file_write(const char *path, const char *data, size_t len, mode_t mode, const char *what,
                      struct failure *f) {
    struct buf tmp;
    int fd, rc = -1;

    buf_init(&tmp, 0);
    /* A dot name in the same directory: rename stays atomic, and
     * node_exporter (which reads *.prom only) ignores it. */
    buf_printf(&tmp, "%s.tmp.XXXXXX", path);
    fd = mkostemp(tmp.data, O_CLOEXEC);
    if (fd < 0) {
        failure_set(f, FAILURE_INTERNAL, "cannot write %s %s: %s", what, path, strerror(errno));
        goto cleanup;
    }
    /* fsync before rename: after a crash the file is the old one or the
     * new one, never an empty one. */
    if (atomic_file_write_all(fd, data, len) != 0 || fchmod(fd, mode) != 0 || fsync(fd) != 0) {
        failure_set(f, FAILURE_INTERNAL, "cannot write %s %s: %s", what, path, strerror(errno));
        close(fd);
        unlink(buf_str(&tmp));
        goto cleanup;
    }
    if (close(fd) != 0 || rename(buf_str(&tmp), path) != 0) {
        failure_set(f, FAILURE_INTERNAL, "cannot write %s %s: %s", what, path, strerror(errno));
        unlink(buf_str(&tmp));
        goto cleanup;
    }
    sync_dir(path);
    rc = 0;
cleanup:
    buf_free(&tmp);
    return rc;
}
