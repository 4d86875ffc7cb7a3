/* report_file.c — report files, written atomically; see report_file.h. */
#include "report_file.h"

#include "atomic_file.h"

int report_file_write(const char *path, const struct buf *content, struct failure *f) {
    return atomic_file_write(path, buf_str(content), content->len, 0644, "report", f);
}
