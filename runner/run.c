/* run.c — the run: scenarios, steps, retries, teardowns, signals; see run.h.
 *
 * Everything here runs on the loop thread and is driven by completion
 * callbacks from sched: a step finishes (on_step_done) → the next step or
 * the teardowns start → the scenario finishes (finish_scenario) → the next
 * scenario starts.  A signal or the run deadline sets `stopping`: running
 * steps are killed with `aborted`, their teardowns still run under a short
 * grace deadline, and nothing new starts.
 *
 * Signals reach us through sched's watchdog thread (a pipe the loop reads).
 * When Lua holds the loop thread and will not let go (sched explains when),
 * the watchdog calls abandon_run on its own thread: the reports are written
 * from what is known, the stuck step failed, and the process exits. */
#include "run.h"

#include <errno.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "duration.h"
#include "engine.h"
#include "loop.h"
#include "random.h"
#include "report_console.h"
#include "sched.h"
#include "script.h"
#include "xalloc.h"

struct scen;

struct run {
    struct engine *engine;
    const struct strlist *files;
    size_t njobs;   /* files × --repeat: job i runs file i % files->len, round i / files->len */
    size_t next;    /* next job to start */
    size_t active;  /* scenarios running now */
    bool stopping;  /* no new scenarios, kill running steps */
    bool hard_stop; /* second signal: skip remaining teardowns too */
    bool any_failed;
    int signal; /* first signal received */
    run_report_fn *report;
    uint64_t deadline_ms;  /* --timeout, or UINT64_MAX */
    int64_t started_at_ms; /* wall clock, for the report */
    uint64_t started_ms;   /* monotonic */
    struct loop_io sigio;
    struct loop_timer run_timer;
    struct loop_timer progress_timer; /* redraws the status line */
    bool side_by_side;                /* scenarios may interleave: -v step lines name theirs */
    struct scenario_result *results;  /* one per job, in job order */
    bool *included;                   /* false: filtered out by --tag */
    struct scen **running;            /* indexed like results; NULL when not running */
    size_t finished;                  /* jobs done (run, errored or filtered out): the progress count */
};

struct scen {
    struct run *run;
    size_t index;
    struct task *task;
    struct scenario_def def;
    struct scenario_result *result;
    int ctx_ref;
    uint64_t started_ms;  /* monotonic */
    uint64_t deadline_ms; /* scenario timeout, bounded by the run */
    size_t step;          /* current step, or teardown counter */
    bool in_teardown;
    uint64_t item_started_ms;
    const char *deadline_reason;   /* what bounded the current item's deadline */
    int64_t deadline_budget_ms;    /* and its size, for the message */
    struct loop_timer retry_timer; /* the pause before a step's next attempt */
    bool retry_pending;            /* retry_timer is armed */
};

static void start_next(struct run *run);
static void run_step(struct scen *sc);
static void run_teardown(struct scen *sc);

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Rewrite sched's "deadline exceeded while X" into a message that says
 * which deadline it was: the step's, the scenario's or the run's. */
static void explain_timeout(struct scen *sc, const char *what, struct failure *f) {
    char d[32], *phase;
    if (f->kind != FAILURE_TIMEOUT || strncmp(f->message, "deadline exceeded", 17) != 0) return;
    phase = xstrdup(f->phase ? f->phase : "running");
    duration_format(sc->deadline_budget_ms, d, sizeof d);
    char *detail = f->detail ? xstrdup(f->detail) : NULL;
    char *where = f->where ? xstrdup(f->where) : NULL;
    failure_set(f, FAILURE_TIMEOUT, "%s did not finish within %s (%s) while %s", what, d, sc->deadline_reason, phase);
    failure_set_phase(f, phase);
    failure_set_detail(f, detail);
    failure_set_where(f, where);
    free(phase);
    free(detail);
    free(where);
}

/* The deadline of the next step or teardown: its own timeout, bounded (for
 * steps) by the scenario's and the run's; remembers which one binds so a
 * timeout message can name it. */
static uint64_t item_deadline(struct scen *sc, int64_t own_ms, const char *reason, bool bounded) {
    uint64_t now = loop_now(sc->run->engine->loop);
    uint64_t deadline = now + (uint64_t)own_ms;
    sc->item_started_ms = now;
    sc->deadline_reason = reason;
    sc->deadline_budget_ms = own_ms;
    if (bounded && sc->deadline_ms < deadline) {
        deadline = sc->deadline_ms;
        sc->deadline_reason = "the scenario timeout";
        sc->deadline_budget_ms = (int64_t)(sc->deadline_ms - sc->started_ms);
    }
    if (bounded && sc->run->deadline_ms < deadline) {
        deadline = sc->run->deadline_ms;
        sc->deadline_reason = "the run's --timeout";
        sc->deadline_budget_ms = sc->run->engine->opt->run_timeout_ms;
    }
    return deadline;
}

/* ---- finishing ---- */

static int64_t wall_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void finish_scenario(struct scen *sc) {
    struct run *run = sc->run;
    struct scenario_result *r = sc->result;
    r->duration_ms = (int64_t)(loop_now(run->engine->loop) - sc->started_ms);
    r->status = SCENARIO_PASSED;
    for (size_t i = 0; i < r->nsteps; i++)
        if (r->steps[i].status == STEP_FAILED) r->status = SCENARIO_FAILED;
    for (size_t i = 0; i < r->nteardown; i++)
        if (r->teardown[i].status == STEP_FAILED) r->status = SCENARIO_FAILED;
    if (r->status != SCENARIO_PASSED) run->any_failed = true;
    report_console_scenario(run->engine->opt, r);
    run->finished++;

    run->running[sc->index] = NULL;
    task_free(sc->task);
    script_def_free(&sc->def);
    free(sc);
    run->active--;
    start_next(run);
}

/* ---- teardowns ---- */

static void on_teardown_done(struct task *t, struct failure *f, void *data) {
    struct scen *sc = data;
    struct step_result *sr = &sc->result->teardown[sc->step];
    task_run_checks(t, NULL); /* a teardown logs what the pages did, and fails only by itself */
    sr->duration_ms = (int64_t)(loop_now(sc->run->engine->loop) - sc->item_started_ms);
    if (f) {
        explain_timeout(sc, "teardown", f);
        sr->status = STEP_FAILED;
        failure_move(&sr->failure, f);
        /* A teardown failure never masks the step failure that came first. */
        if (sc->result->failure.kind == FAILURE_NONE) failure_copy(&sc->result->failure, &sr->failure);
    } else {
        sr->status = STEP_PASSED;
    }
    report_console_step(sc->run->engine->opt, sc->result, sr, true, sc->run->side_by_side);
    sc->step++;
    run_teardown(sc);
}

static void run_teardown(struct scen *sc) {
    const struct options *opt = sc->run->engine->opt;
    if (sc->step >= sc->def.nteardowns || sc->run->hard_stop) {
        finish_scenario(sc);
        return;
    }
    /* Declared order is reversed: the last thing set up is torn down first. */
    const struct step_def *td = &sc->def.teardowns[sc->def.nteardowns - 1 - sc->step];
    struct step_result *sr = &sc->result->teardown[sc->step];
    int64_t budget = td->timeout_ms;
    const char *reason = "its timeout";
    uint64_t now = loop_now(sc->run->engine->loop);
    if (sc->run->stopping && opt->teardown_grace_ms < budget) {
        budget = opt->teardown_grace_ms;
        reason = "the shutdown grace period";
    }
    /* Past the run's --timeout, teardowns still run, within the grace period. */
    if (sc->run->deadline_ms != UINT64_MAX) {
        uint64_t limit = sc->run->deadline_ms + (uint64_t)opt->teardown_grace_ms;
        int64_t left = limit > now ? (int64_t)(limit - now) : 0;
        if (left < budget) {
            budget = left;
            reason = "the run's --timeout plus the grace period";
        }
    }
    sr->attempts = 1;
    sr->offset_ms = (int64_t)(now - sc->started_ms);
    task_set_label(sc->task, sc->def.name, td->name);
    task_set_log_sink(sc->task, &sr->logs);
    task_set_request_sink(sc->task, sr, sc->started_ms);
    task_call(sc->task, td->fn_ref, sc->ctx_ref, item_deadline(sc, budget, reason, false), on_teardown_done, sc);
}

static void start_teardowns(struct scen *sc) {
    sc->in_teardown = true;
    sc->step = 0;
    run_teardown(sc);
}

/* ---- steps ---- */

static void on_step_done(struct task *t, struct failure *f, void *data) {
    struct scen *sc = data;
    const struct step_def *sd = &sc->def.steps[sc->step];
    struct step_result *sr = &sc->result->steps[sc->step];
    uint64_t now = loop_now(sc->run->engine->loop);
    struct failure late = {0};
    if (task_run_checks(t, f ? NULL : &late) != 0) f = &late;
    sr->duration_ms += (int64_t)(now - sc->item_started_ms);
    if (!f) {
        sr->status = STEP_PASSED;
        failure_clear(&sr->failure);
        report_console_step(sc->run->engine->opt, sc->result, sr, false, sc->run->side_by_side);
        sc->step++;
        run_step(sc);
        return;
    }
    explain_timeout(sc, "step", f);
    /* A retry waits first (retry_delay, doubling), so that it can outlive
     * the transient blip that failed the attempt; one that could not start
     * before the deadline is not made. */
    int64_t delay = sd->retry_delay_ms;
    for (int i = 1; i < sr->attempts && delay < INT64_MAX / 2; i++) delay *= 2;
    if (sr->attempts <= sd->retries && f->kind != FAILURE_ABORTED && !sc->run->stopping &&
        now + (uint64_t)delay < min_u64(sc->deadline_ms, sc->run->deadline_ms)) {
        char line[600], d[32];
        duration_format(delay, d, sizeof d);
        snprintf(line, sizeof line, "attempt %d failed: [%s] %s (next attempt in %s)", sr->attempts,
                 failure_kind_name(f->kind), f->message, d);
        strlist_push(&sr->logs, line);
        failure_move(&sr->failure, f); /* the step's failure if no attempt follows (a signal) */
        sc->retry_pending = true;
        loop_timer_start(sc->run->engine->loop, &sc->retry_timer, now + (uint64_t)delay);
        return;
    }
    sr->status = STEP_FAILED;
    failure_move(&sr->failure, f);
    failure_copy(&sc->result->failure, &sr->failure);
    report_console_step(sc->run->engine->opt, sc->result, sr, false, sc->run->side_by_side);
    start_teardowns(sc); /* the remaining steps stay "skipped" */
}

static void on_retry(struct loop *loop, struct loop_timer *timer) {
    struct scen *sc = timer->data;
    (void)loop;
    sc->retry_pending = false;
    run_step(sc);
}

static void run_step(struct scen *sc) {
    if (sc->step >= sc->def.nsteps || sc->run->stopping) {
        start_teardowns(sc);
        return;
    }
    const struct step_def *sd = &sc->def.steps[sc->step];
    struct step_result *sr = &sc->result->steps[sc->step];
    if (sr->attempts++ == 0) sr->offset_ms = (int64_t)(loop_now(sc->run->engine->loop) - sc->started_ms);
    task_set_label(sc->task, sc->def.name, sd->name);
    task_set_log_sink(sc->task, &sr->logs);
    task_set_request_sink(sc->task, sr, sc->started_ms);
    task_call(sc->task, sd->fn_ref, sc->ctx_ref, item_deadline(sc, sd->timeout_ms, "its timeout", true), on_step_done,
              sc);
}

/* ---- scenarios ---- */

static void init_steps(struct step_result **out, size_t *n, const struct step_def *defs, size_t count) {
    *out = xcalloc(count ? count : 1, sizeof **out);
    *n = count;
    for (size_t i = 0; i < count; i++) {
        (*out)[i].name = xstrdup(defs[i].name);
        (*out)[i].status = STEP_SKIPPED;
    }
}

static void start_scenario(struct run *run, size_t index) {
    const char *file = run->files->items[index % run->files->len];
    struct scenario_result *r = &run->results[index];
    struct scen *sc = xcalloc(1, sizeof *sc);
    struct failure f = {0};
    lua_State *L;

    sc->run = run;
    sc->index = index;
    sc->result = r;
    loop_timer_init(&sc->retry_timer, on_retry, sc);
    r->started_at_ms = wall_ms();
    if (script_load(run->engine, file, &sc->task, &sc->def, &f) != 0) {
        r->status = SCENARIO_ERROR;
        failure_move(&r->failure, &f);
        script_def_free(&sc->def);
        run->any_failed = true;
        report_console_scenario(run->engine->opt, r);
        run->finished++;
        free(sc);
        return;
    }
    if (!script_def_has_tag(&sc->def, &run->engine->opt->tags)) {
        run->included[index] = false;
        run->finished++;
        task_free(sc->task);
        script_def_free(&sc->def);
        free(sc);
        return;
    }
    free(r->name);
    r->name = xstrdup(sc->def.name);
    for (size_t i = 0; i < sc->def.tags.len; i++) strlist_push(&r->tags, sc->def.tags.items[i]);
    init_steps(&r->steps, &r->nsteps, sc->def.steps, sc->def.nsteps);
    init_steps(&r->teardown, &r->nteardown, sc->def.teardowns, sc->def.nteardowns);
    /* Teardowns are listed in the order they run. */
    for (size_t i = 0; i < r->nteardown; i++) {
        free(r->teardown[i].name);
        r->teardown[i].name = xstrdup(sc->def.teardowns[sc->def.nteardowns - 1 - i].name);
    }

    random_hex_id(r->trace_id, 16);
    task_set_trace_id(sc->task, r->trace_id);
    L = task_lua(sc->task);
    lua_getglobal(L, "run");                                  /* run */
    lua_pushnumber(L, (lua_Number)r->started_at_ms / 1000.0); /* run, t */
    lua_setfield(L, -2, "started_at");                        /* run */
    lua_pushstring(L, r->trace_id);                           /* run, id */
    lua_setfield(L, -2, "trace_id");                          /* run */
    lua_pushinteger(L, r->repeat);                            /* run, k */
    lua_setfield(L, -2, "repeat_index");                      /* run */
    lua_pop(L, 1);                                            /* */
    lua_newtable(L);                                          /* ctx: shared by the steps and teardowns of this run */
    sc->ctx_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    sc->started_ms = loop_now(run->engine->loop);
    sc->deadline_ms = sc->started_ms + (uint64_t)sc->def.timeout_ms;
    run->running[index] = sc;
    run->active++;
    run_step(sc);
}

/* Rounds of --repeat run one after another: the next round starts when
 * the last scenario of this one has ended, so that no scenario ever runs
 * alongside another run of itself (they would share a mailbox, rows), and
 * each round is the whole selection as a separate `telltale run` would
 * run it. */
static void start_next(struct run *run) {
    const struct options *opt = run->engine->opt;
    while (!run->stopping && run->active < (size_t)opt->parallel && run->next < run->njobs) {
        if (opt->fail_fast && run->any_failed) return;
        if (run->next % run->files->len == 0 && run->active > 0) return;
        start_scenario(run, run->next++);
    }
}

/* ---- stopping ---- */

static void stop_all(struct run *run, enum failure_kind kind, const char *why) {
    struct failure f = {0};
    failure_set(&f, kind, "%s", why);
    run->stopping = true;
    for (size_t i = 0; i < run->njobs; i++) {
        struct scen *sc = run->running[i];
        if (sc && sc->retry_pending) {
            /* Waiting to retry: the last attempt's failure is the step's. */
            loop_timer_stop(run->engine->loop, &sc->retry_timer);
            sc->retry_pending = false;
            sc->result->steps[sc->step].status = STEP_FAILED;
            failure_copy(&sc->result->failure, &sc->result->steps[sc->step].failure);
            report_console_step(run->engine->opt, sc->result, &sc->result->steps[sc->step], false, run->side_by_side);
            start_teardowns(sc);
        } else if (sc && (!sc->in_teardown || run->hard_stop)) {
            task_kill(sc->task, &f);
        } else if (sc) {
            /* A teardown already running gets the grace period too, so the
             * process ends before a supervisor's SIGKILL. */
            uint64_t grace = loop_now(run->engine->loop) + (uint64_t)run->engine->opt->teardown_grace_ms;
            if (grace < sc->item_started_ms + (uint64_t)sc->deadline_budget_ms) {
                sc->deadline_reason = "the shutdown grace period";
                sc->deadline_budget_ms = (int64_t)(grace - sc->item_started_ms);
                task_shorten_deadline(sc->task, grace);
            }
        }
    }
    failure_clear(&f);
}

static void on_signal(struct loop *loop, struct loop_io *io, unsigned events) {
    struct run *run = io->data;
    unsigned char signo;
    char why[64];
    (void)loop;
    (void)events;
    report_console_progress_clear(); /* the messages below start a line of their own */
    while (read(io->fd, &signo, 1) == 1) {
        if (run->signal) {
            run->hard_stop = true;
            fprintf(stderr, "telltale: second signal: abandoning teardowns\n");
        } else {
            run->signal = signo;
            fprintf(stderr, "telltale: %s received: stopping, running teardowns (press again to abandon them)\n",
                    signo == SIGINT ? "SIGINT" : "SIGTERM");
        }
        snprintf(why, sizeof why, "interrupted by %s", signo == SIGINT ? "SIGINT" : "SIGTERM");
        stop_all(run, FAILURE_ABORTED, why);
    }
    sched_signals_handled();
}

static void on_run_timeout(struct loop *loop, struct loop_timer *timer) {
    struct run *run = timer->data;
    (void)loop;
    /* Running steps are already bounded by the run deadline and end on
     * their own; this only stops new scenarios from starting. */
    run->stopping = true;
}

/* ---- the status line ---- */

#define PROGRESS_INTERVAL_MS 100 /* ten redraws a second at most */

/* What runs now, for the status line: of the scenarios running (all in
 * the current round of --repeat, so only that round is looked at), the
 * one longest in its current step — the one a person waits on. */
static void on_progress(struct loop *loop, struct loop_timer *timer) {
    struct run *run = timer->data;
    struct console_progress p = {.position = run->finished, .total = run->njobs};
    size_t nfiles = run->files->len, from = run->next ? (run->next - 1) / nfiles * nfiles : 0;
    const struct scen *oldest = NULL;
    uint64_t now = loop_now(loop);
    for (size_t i = from; i < run->next; i++) {
        const struct scen *sc = run->running[i];
        if (!sc) continue;
        p.more++;
        if (!oldest || sc->item_started_ms < oldest->item_started_ms) oldest = sc;
    }
    if (oldest) {
        size_t item = oldest->in_teardown ? oldest->def.nteardowns - 1 - oldest->step : oldest->step;
        bool valid = oldest->in_teardown ? oldest->step < oldest->def.nteardowns : oldest->step < oldest->def.nsteps;
        p.more--;
        p.position = oldest->index + 1;
        p.scenario = oldest->def.name;
        p.teardown = oldest->in_teardown;
        p.step = !valid ? NULL : oldest->in_teardown ? oldest->def.teardowns[item].name : oldest->def.steps[item].name;
        p.repeat = run->engine->opt->repeat > 1 ? oldest->result->repeat : 0;
        p.elapsed_ms = (int64_t)(now - oldest->item_started_ms);
    }
    report_console_progress(run->engine->opt, &p);
    loop_timer_start(loop, timer, now + PROGRESS_INTERVAL_MS);
}

static void abandon_run(struct task *t, const char *why, int signo, void *data);

/* SIGINT and SIGTERM stay blocked (main blocked them before anything else,
 * so one sent in the first milliseconds waits for us); the watchdog thread
 * takes them. */
static int watch_signals(struct run *run, sigset_t *old) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &set, old) != 0) return -1;
    run->sigio.fd = sched_watchdog_start(abandon_run, run);
    if (run->sigio.fd < 0) return -1;
    run->sigio.fn = on_signal;
    run->sigio.data = run;
    return loop_io_set(run->engine->loop, &run->sigio, LOOP_READ);
}

static int exit_code(const struct run *run) {
    bool failed = false, error = false;
    if (run->signal) return 128 + run->signal;
    for (size_t i = 0; i < run->njobs; i++) {
        if (!run->included[i]) continue;
        if (run->results[i].status == SCENARIO_ERROR) error = true;
        /* A scenario that never ran did not pass: a CI gate must not go
         * green because --timeout cut the run short. */
        if (run->results[i].status == SCENARIO_FAILED || run->results[i].status == SCENARIO_SKIPPED) failed = true;
    }
    return error ? EXIT_USAGE : failed ? EXIT_FAILED : EXIT_PASSED;
}

/* The run_result of what is known now; results move into out. */
static void collect_results(struct run *run, uint64_t started, struct run_result *out) {
    out->duration_ms = (int64_t)(loop_clock_ms() - started);
    out->interrupted_by = run->signal;
    out->repeat = run->engine->opt->repeat > 1 ? run->engine->opt->repeat : 1;
    out->scenarios = xcalloc(run->njobs ? run->njobs : 1, sizeof *out->scenarios);
    for (size_t i = 0; i < run->njobs; i++) {
        if (run->included[i])
            out->scenarios[out->nscenarios++] = run->results[i];
        else
            result_scenario_free(&run->results[i]);
    }
}

/* The watchdog's way out, on its thread, with the loop thread held inside
 * t's Lua (or at its exit): the step that would not stop fails, the other
 * running scenarios' current steps are aborted, the reports are written
 * and the process exits.  Nothing is freed: the process ends. */
static void abandon_run(struct task *t, const char *why, int signo, void *data) {
    struct run *run = data;
    struct run_result out = {0};
    struct failure f = {0};
    const char *stuck = NULL;
    int code;
    for (size_t i = 0; i < run->njobs; i++)
        if (run->running[i] && run->running[i]->task == t) stuck = run->running[i]->def.name;
    if (!stuck && t) stuck = task_scenario(t); /* closing its state, after its report */
    for (size_t i = 0; i < run->njobs; i++) {
        struct scen *sc = run->running[i];
        struct scenario_result *r;
        struct step_result *sr;
        if (!sc) continue;
        r = sc->result;
        sr = !sc->in_teardown ? (sc->step < r->nsteps ? &r->steps[sc->step] : NULL)
                              : (sc->step < r->nteardown ? &r->teardown[sc->step] : NULL);
        if (sc->task == t) {
            failure_set(&f, signo ? FAILURE_ABORTED : FAILURE_TIMEOUT, "%s %s", sc->in_teardown ? "teardown" : "step",
                        why);
            failure_set_phase(&f, "running Lua code");
        } else {
            failure_set(&f, FAILURE_ABORTED, "the run was ended: scenario %s would not stop", stuck ? stuck : "?");
        }
        if (sr) {
            sr->status = STEP_FAILED;
            sr->duration_ms = (int64_t)(loop_clock_ms() - sc->item_started_ms);
            failure_copy(&sr->failure, &f);
        }
        if (r->failure.kind == FAILURE_NONE) failure_copy(&r->failure, &f);
        failure_clear(&f);
        r->duration_ms = (int64_t)(loop_clock_ms() - sc->started_ms);
        r->status = SCENARIO_FAILED;
        run->any_failed = true;
        report_console_scenario(run->engine->opt, r);
    }
    if (signo && !run->signal) run->signal = signo;
    code = exit_code(run);
    if (signo)
        fprintf(stderr,
                "telltale: %s received twice while scenario %s ran Lua code that cannot be interrupted: ending "
                "the run\n",
                signo == SIGINT ? "SIGINT" : "SIGTERM", stuck ? stuck : "?");
    else
        fprintf(stderr, "telltale: scenario %s would not stop: ending the run\n", stuck ? stuck : "?");
    snprintf(out.run_id, sizeof out.run_id, "%s", run->engine->run_id);
    out.started_at_ms = run->started_at_ms;
    collect_results(run, run->started_ms, &out);
    if (run->report && run->report(run->engine->opt, &out) != 0 && code == EXIT_PASSED) code = EXIT_INTERNAL;
    fflush(NULL);
    _exit(code);
}

int run_scenarios(struct engine *engine, const struct strlist *files, run_report_fn *report, struct run_result *out) {
    struct run run = {0};
    sigset_t old;
    int code;
    uint64_t started;

    run.engine = engine;
    run.files = files;
    run.report = report;
    run.njobs = files->len * (size_t)(engine->opt->repeat > 1 ? engine->opt->repeat : 1);
    run.results = xcalloc(run.njobs ? run.njobs : 1, sizeof *run.results);
    run.included = xcalloc(run.njobs ? run.njobs : 1, sizeof *run.included);
    run.running = xcalloc(run.njobs ? run.njobs : 1, sizeof *run.running);
    for (size_t i = 0; i < run.njobs; i++) {
        const char *file = files->items[i % files->len], *base = strrchr(file, '/');
        run.included[i] = true;
        run.results[i].file = xstrdup(file);
        run.results[i].name = xstrdup(base ? base + 1 : file);
        run.results[i].status = SCENARIO_SKIPPED;
        run.results[i].repeat = (int)(i / files->len) + 1;
        run.results[i].selection_index = i % files->len;
    }
    memset(out, 0, sizeof *out);
    out->repeat = engine->opt->repeat > 1 ? engine->opt->repeat : 1;
    snprintf(out->run_id, sizeof out->run_id, "%s", engine->run_id);
    if (engine->opt->location) snprintf(out->location, sizeof out->location, "%s", engine->opt->location);
    out->started_at_ms = wall_ms();
    loop_update_time(engine->loop);
    started = loop_now(engine->loop);
    run.started_at_ms = out->started_at_ms;
    run.started_ms = started;
    run.deadline_ms = UINT64_MAX;
    loop_timer_init(&run.run_timer, on_run_timeout, &run);
    if (engine->opt->run_timeout_ms > 0) {
        run.deadline_ms = started + (uint64_t)engine->opt->run_timeout_ms;
        loop_timer_start(engine->loop, &run.run_timer, run.deadline_ms);
    }
    run.side_by_side = engine->opt->parallel > 1 && files->len > 1;
    loop_timer_init(&run.progress_timer, on_progress, &run);
    if (engine->opt->progress) loop_timer_start(engine->loop, &run.progress_timer, started);
    run.sigio.fd = -1;
    if (watch_signals(&run, &old) != 0) fprintf(stderr, "telltale: cannot watch signals: %s\n", strerror(errno));

    start_next(&run);
    while (run.active > 0 || (!run.stopping && run.next < run.njobs && !(engine->opt->fail_fast && run.any_failed))) {
        if (loop_run_once(engine->loop) != 0) {
            fprintf(stderr, "telltale: event loop failed: %s\n", strerror(errno));
            break;
        }
        start_next(&run);
    }

    loop_timer_stop(engine->loop, &run.run_timer);
    loop_timer_stop(engine->loop, &run.progress_timer);
    report_console_progress_clear();
    if (run.sigio.fd >= 0) loop_io_set(engine->loop, &run.sigio, 0);
    /* Signals that come from here on wait, blocked, until the process
     * exits: the reports are being written. */
    sched_watchdog_stop();
    sigprocmask(SIG_SETMASK, &old, NULL);

    code = exit_code(&run);
    collect_results(&run, started, out);
    free(run.results);
    free(run.included);
    free(run.running);
    return code;
}
