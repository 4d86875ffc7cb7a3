/* report_file.c — atomic report files; see report_file.h. */
#include "report_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "failure.h"

int report_file_write(const char *path, const struct buf *content, struct failure *f) {
    char tmp[4200];
    FILE *fp;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fp = fopen(tmp, "wb");
    if (!fp) return failure_set(f, FAILURE_INTERNAL, "cannot write report %s: %s", path, strerror(errno));
    if (fwrite(buf_str(content), 1, content->len, fp) != content->len || fflush(fp) != 0) {
        int err = errno;
        fclose(fp);
        remove(tmp);
        return failure_set(f, FAILURE_INTERNAL, "cannot write report %s: %s", path, strerror(err));
    }
    if (fclose(fp) != 0 || rename(tmp, path) != 0) {
        int err = errno;
        remove(tmp);
        return failure_set(f, FAILURE_INTERNAL, "cannot write report %s: %s", path, strerror(err));
    }
    return 0;
}
