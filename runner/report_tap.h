/* report_tap.h — --tap FILE: TAP version 14 for TAP consumers (prove,
 * tap-parser, CI plugins).  A test point per scenario, its steps and
 * teardowns as a subtest (indented 4 spaces, with its own plan), a failure
 * as YAML diagnostics (message, kind, phase, where, trace_id, detail as a
 * block scalar).  Text is redacted like every report's. */
#ifndef TELLTALE_REPORT_TAP_H
#define TELLTALE_REPORT_TAP_H

#include "result.h"

struct failure;

int report_tap_write(const char *path, const struct run_result *r, struct failure *f);

#endif
