/* report_file.h — write a report (JSON, JUnit) atomically through
 * atomic_file.h, mode 0644: a reader (CI) never sees half a file, even when
 * the run is killed while writing, and two runs writing the same report do
 * not collide. */
#ifndef TELLTALE_REPORT_FILE_H
#define TELLTALE_REPORT_FILE_H

#include "buf.h"

struct failure;

/* Returns 0, or -1 with f filled (kind `internal`, naming the path). */
int report_file_write(const char *path, const struct buf *content, struct failure *f);

#endif
