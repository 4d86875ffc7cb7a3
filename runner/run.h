/* run.h — `telltale run`: load scenario files, run them (up to --parallel
 * at once) step by step under their deadlines, run teardowns whatever
 * happened, handle SIGINT/SIGTERM, and collect a run_result. */
#ifndef TELLTALE_RUN_H
#define TELLTALE_RUN_H

#include "result.h"

struct engine;

/* Exit codes, documented in README.md and `telltale --help`. */
enum exit_code { EXIT_PASSED = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

/* Run the scenario files; fills out (caller frees with result_run_free) and
 * returns the process exit code (0, 1, 2, 3, or 128 + signal). */
int run_scenarios(struct engine *engine, const struct strlist *files, struct run_result *out);

#endif
