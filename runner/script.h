/* script.h — a scenario file: a fresh Lua state with the whole scenario API,
 * the file's top level run once to declare its steps, and what it declared.
 *
 * The declaration API lives here: scenario{...}, step(name, [opts,] fn),
 * teardown([opts,] fn), plus the vars and run tables.  Steps are not run
 * here; run.c does that through sched. */
#ifndef TELLTALE_SCRIPT_H
#define TELLTALE_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>

#include "failure.h"
#include "result.h"

struct engine;
struct task;

#define SCRIPT_DEFAULT_SCENARIO_TIMEOUT_MS (5 * 60 * 1000)
#define SCRIPT_DEFAULT_STEP_TIMEOUT_MS (30 * 1000)
#define SCRIPT_DEFAULT_RETRY_DELAY_MS 1000

struct step_def {
    char *name;
    int fn_ref; /* registry reference to the step function */
    int64_t timeout_ms;
    int retries;
    int64_t retry_delay_ms; /* pause before the first retry; doubles for each next one */
    int line;               /* where it was declared */
};

struct scenario_def {
    char *file;
    char *name;
    int64_t timeout_ms;
    struct strlist tags;
    struct step_def *steps;
    size_t nsteps;
    struct step_def *teardowns; /* in declaration order; run in reverse */
    size_t nteardowns;
    struct strlist needed_vars; /* check/list: vars the top level read that were not given */
};

/* Load file into a new task (its own Lua state).  Returns 0 with *task and
 * *def filled (caller owns both), or -1 with f describing what is wrong
 * (unreadable file, syntax error, bad option, duplicate step: kind
 * `script`, with file:line); then def holds only needed_vars (free it with
 * script_def_free all the same). */
int script_load(struct engine *engine, const char *file, struct task **task, struct scenario_def *def,
                struct failure *f);
void script_def_free(struct scenario_def *def);
/* Free the compiled library script_load keeps in engine->lib. */
void script_lib_free(struct engine *engine);
/* Does def carry one of tags?  An empty list selects everything. */
bool script_def_has_tag(const struct scenario_def *def, const struct strlist *tags);

#endif
