/* serve_run.h — one scheduled run of a scenario: a child process of this
 * same binary, `telltale run SCENARIO --json REPORT --timeout T --grace G
 * --vars-file F [--artifacts DIR]`, and reading its report back.
 *
 * A child, not a coroutine in the daemon: a scenario that crashes, leaks
 * or hangs takes its own process down; a stop is a SIGTERM that `run`
 * already turns into aborted steps and bounded teardowns. */
#ifndef TELLTALE_SERVE_RUN_H
#define TELLTALE_SERVE_RUN_H

#include <lua.h>
#include <stdbool.h>

struct serve;
struct serve_scenario;

/* What one run or heartbeat ping said; strings are borrowed. */
struct serve_outcome {
    bool ok;
    const char *file, *step, *kind, *message, *run_id, *artifacts_url, *trace_id;
};

/* Start the run of sc (spawn.h: its own process group, nothing blocked); on success sc->pid, started_mono,
 * report_path and run_dir are set.  A failure to start is logged and
 * leaves sc->pid 0 (the next due time tries again). */
void serve_run_start(struct serve *s, struct serve_scenario *sc);

/* Read sc's finished report: last duration and steps into sc, the
 * failure into o (strings live on L until it is closed), the scenario
 * status ("passed", "failed", "error", "skipped") into *result.  Returns
 * 0, or -1 when there is no usable report. */
int serve_run_read_report(lua_State *L, struct serve_scenario *sc, struct serve_outcome *o, const char **result);

void serve_run_free_steps(struct serve_scenario *sc);

#endif
