/* report_json.h — --json FILE: the machine-readable report.  Its schema is
 * documented in README.md ("JSON report") and is stable: fields may be
 * added, never renamed or removed. */
#ifndef TELLTALE_REPORT_JSON_H
#define TELLTALE_REPORT_JSON_H

#include "result.h"

struct failure;

#define REPORT_JSON_VERSION 1

int report_json_write(const char *path, const struct run_result *r, struct failure *f);

#endif
