/* run.h — `telltale run`: load scenario files, run them (up to --parallel
 * at once) step by step under their deadlines, run teardowns whatever
 * happened, handle SIGINT/SIGTERM, and collect a run_result. */
#ifndef TELLTALE_RUN_H
#define TELLTALE_RUN_H

#include "result.h"

struct engine;

/* Exit codes, documented in README.md and `telltale --help`. */
enum exit_code { EXIT_PASSED = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

/* Writes every report of a run (console summary, files); returns 0, or -1
 * when one could not be written. */
struct options;
typedef int run_report_fn(const struct options *opt, const struct run_result *r);

/* Run the scenario files; fills out (caller frees with result_run_free) and
 * returns the process exit code (0, 1, 2, 3, or 128 + signal).  SIGINT and
 * SIGTERM must be blocked in every thread before the first one starts.
 * report is used only when the run must end from another thread (a
 * scenario whose Lua would not stop, or a second signal while it ran): it
 * is then called with what is known, and the process exits. */
int run_scenarios(struct engine *engine, const struct strlist *files, run_report_fn *report, struct run_result *out);

#endif
