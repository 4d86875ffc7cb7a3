/* sched.c — tasks, coroutines, parking and deadlines; see sched.h.
 *
 * Life of a call: task_call() arms a zero-delay start timer (so completion
 * callbacks never nest inside the caller), the start creates a fresh
 * coroutine pinned by a registry reference so the GC cannot collect it while
 * it is parked, and arms the deadline timer.  The coroutine then runs until
 * it returns, raises, or parks on an operation.  Whichever comes first of
 * completion, failure and the deadline ends the call exactly once, in
 * finish(). */
#include "sched.h"

#include <lauxlib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_lua.h"
#include "engine.h"
#include "loop.h"
#include "xalloc.h"

/* How many VM instructions run between two deadline checks: frequent enough
 * that an endless loop is stopped within a few ms of its deadline, rare
 * enough that the clock read costs nothing measurable. */
#define HOOK_INSTRUCTIONS 10000

struct task {
    struct engine *engine;
    lua_State *L;    /* owned: the scenario's own state */
    char *file;      /* the scenario file, for file:line in failures */
    char *chunkname; /* "@file": how Lua names the scenario's frames */
    lua_State *co;   /* the running call's coroutine, or NULL */
    int co_ref;      /* registry reference pinning co */
    int fn_ref, arg_ref;
    uint64_t deadline_ms;
    struct loop_timer start_timer;
    struct loop_timer deadline_timer;
    struct task_wait wait; /* valid while parked */
    bool parked;
    bool cpu_expired;     /* the count hook found Lua code running past the deadline */
    bool cpu_interrupted; /* ... or running while SIGINT/SIGTERM waits to be handled */
    char expired_where[256];
    struct failure sync_failure; /* captured by the message handler of task_pcall */
    struct strlist *logs;
    struct step_result *requests; /* sink of HTTP request records, or NULL */
    uint64_t requests_base_ms;    /* offsets count from here */
    char trace_id[33];
    char *scenario, *step; /* labels for traces and artifacts */
    task_done_fn *done;
    void *done_data;
};

void task_set_label(struct task *t, const char *scenario, const char *step) {
    free(t->scenario);
    free(t->step);
    t->scenario = xstrdup(scenario ? scenario : "");
    t->step = xstrdup(step ? step : "");
}

const char *task_scenario(const struct task *t) { return t->scenario ? t->scenario : ""; }
const char *task_step(const struct task *t) { return t->step ? t->step : ""; }

void task_set_log_sink(struct task *t, struct strlist *logs) { t->logs = logs; }

void task_log(struct task *t, const char *line) {
    if (t->logs) strlist_push(t->logs, line);
}

void task_set_request_sink(struct task *t, struct step_result *sr, uint64_t base_ms) {
    t->requests = sr;
    t->requests_base_ms = base_ms;
}

void task_record_request(struct task *t, struct request_record *rec, uint64_t started_ms) {
    if (!t->requests) return;
    rec->offset_ms = started_ms > t->requests_base_ms ? (int64_t)(started_ms - t->requests_base_ms) : 0;
    result_step_add_request(t->requests, rec);
}

void task_set_trace_id(struct task *t, const char *trace_id) {
    snprintf(t->trace_id, sizeof t->trace_id, "%s", trace_id ? trace_id : "");
}

const char *task_trace_id(const struct task *t) { return t->trace_id; }

struct task *task_from_lua(lua_State *L) {
    return *(struct task **)lua_getextraspace(L);
}
struct engine *task_engine(const struct task *t) {
    return t->engine;
}
lua_State *task_lua(const struct task *t) { return t->L; }
const char *task_file(const struct task *t) { return t->file; }
int task_running(const struct task *t) { return t->done != NULL; }

static void on_start(struct loop *loop, struct loop_timer *timer);
static void on_deadline(struct loop *loop, struct loop_timer *timer);

struct task *task_new(struct engine *engine, lua_State *L, const char *scenario_file) {
    struct task *t = xcalloc(1, sizeof *t);
    size_t n = strlen(scenario_file) + 2;
    t->engine = engine;
    t->L = L;
    t->file = xstrdup(scenario_file);
    t->chunkname = xmalloc(n);
    snprintf(t->chunkname, n, "@%s", scenario_file);
    t->co_ref = LUA_NOREF;
    loop_timer_init(&t->start_timer, on_start, t);
    loop_timer_init(&t->deadline_timer, on_deadline, t);
    /* Threads created later copy this area: every coroutine of the scenario
     * finds its task the same way. */
    *(struct task **)lua_getextraspace(L) = t;
    return t;
}

/* Drop the coroutine.  lua_resetthread closes its pending to-be-closed
 * variables, so `local h <close>` in a killed step still releases h. */
static void release_coroutine(struct task *t) {
    if (!t->co) return;
    lua_resetthread(t->co);
    luaL_unref(t->L, LUA_REGISTRYINDEX, t->co_ref);
    t->co = NULL;
    t->co_ref = LUA_NOREF;
}

static void cancel_wait(struct task *t) {
    if (!t->parked) return;
    t->parked = false;
    if (t->wait.cancel) t->wait.cancel(t->wait.data);
}

/* End the current call exactly once.  done may free the task: nothing here
 * touches t after calling it. */
static void finish(struct task *t, struct failure *f) {
    task_done_fn *done = t->done;
    void *data = t->done_data;
    /* No call is running from here on: a __close handler that lua_resetthread
     * runs below cannot start an operation that would wake us later. */
    t->done = NULL;
    t->done_data = NULL;
    loop_timer_stop(t->engine->loop, &t->start_timer);
    loop_timer_stop(t->engine->loop, &t->deadline_timer);
    cancel_wait(t);
    release_coroutine(t);
    t->cpu_expired = t->cpu_interrupted = false;
    /* Lua may have run for a while since the loop last read the clock:
     * durations measured by done must see the real time. */
    loop_update_time(t->engine->loop);
    if (done) done(t, f, data);
}

void task_free(struct task *t) {
    if (!t) return;
    t->done = NULL; /* cancel silently */
    finish(t, NULL);
    lua_close(t->L);
    failure_clear(&t->sync_failure);
    free(t->scenario);
    free(t->step);
    free(t->file);
    free(t->chunkname);
    free(t);
}

/* The scenario line that was executing: the innermost frame whose source is
 * the scenario file, so failures point at the user's code, not at lib/. */
static void find_where(struct task *t, lua_State *co, struct failure *f) {
    lua_Debug ar;
    if (f->where) return;
    for (int level = 0; lua_getstack(co, level, &ar); level++) {
        if (!lua_getinfo(co, "Sl", &ar)) break;
        if (strcmp(ar.source, t->chunkname) == 0 && ar.currentline > 0) {
            char where[512];
            snprintf(where, sizeof where, "%s:%d", t->file, ar.currentline);
            failure_set_where(f, where);
            return;
        }
    }
}

static void timeout_failure(struct failure *f, const char *phase) {
    failure_set(f, FAILURE_TIMEOUT, "deadline exceeded while %s", phase);
    failure_set_phase(f, phase);
}

/* Turn the error value on top of co into a failure: a structured failure
 * raised by the engine or lib/ keeps its kind; anything else (a Lua runtime
 * error, error("...")) is a script error with a traceback. */
static void error_to_failure(struct task *t, lua_State *co, struct failure *f) {
    if (t->cpu_expired) {
        char phase[300];
        snprintf(phase, sizeof phase, "running Lua code at %s", t->expired_where);
        if (t->cpu_interrupted) {
            failure_set(f, FAILURE_ABORTED, "interrupted while %s", phase);
            failure_set_phase(f, phase);
        } else {
            timeout_failure(f, phase);
        }
        return;
    }
    if (!core_to_failure(co, -1, f)) {
        const char *msg = lua_tostring(co, -1);
        if (!msg) msg = luaL_typename(co, -1);
        failure_set(f, FAILURE_SCRIPT, "%s", msg);
        luaL_traceback(t->L, co, NULL, 0); /* L: ..., traceback */
        failure_set_detail(f, lua_tostring(t->L, -1));
        lua_pop(t->L, 1); /* L: ... */
    }
    find_where(t, co, f);
}

static void resume(struct task *t, int nargs) {
    struct failure f = {0};
    int nres;
    int status = lua_resume(t->co, t->L, nargs, &nres);

    if (status == LUA_YIELD) {
        if (t->parked && !t->cpu_expired) return; /* waiting on an operation */
        if (t->cpu_expired) {
            error_to_failure(t, t->co, &f);
        } else {
            failure_set(&f, FAILURE_SCRIPT,
                        "coroutine.yield() called outside a coroutine the scenario created: steps cannot yield");
            find_where(t, t->co, &f);
        }
        finish(t, &f);
    } else if (status == LUA_OK && !t->cpu_expired) {
        finish(t, NULL);
    } else {
        error_to_failure(t, t->co, &f);
        finish(t, &f);
    }
    failure_clear(&f);
}

/* Signals are blocked and read by the loop (run.c's signalfd), so a loop
 * in Lua would keep them waiting until its deadline; look for them here. */
static bool stop_signal_pending(void) {
    sigset_t pending;
    if (sigpending(&pending) != 0) return false;
    return sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM);
}

static void count_hook(lua_State *L, lua_Debug *ar) {
    struct task *t = task_from_lua(L);
    if (loop_clock_ms() < t->deadline_ms) {
        if (!stop_signal_pending()) return;
        t->cpu_interrupted = true;
    }
    if (!t->cpu_expired) {
        t->cpu_expired = true;
        if (lua_getinfo(L, "Sl", ar))
            snprintf(t->expired_where, sizeof t->expired_where, "%s:%d", ar->short_src, ar->currentline);
    }
    /* Yielding leaves straight to resume(), through any pcall in user code:
     * a `pcall` cannot swallow the kill.  Where yielding is impossible
     * (inside a C call such as table.sort), raise instead; the hook keeps
     * firing, so it raises again until a yieldable point is reached. */
    /* Only the step's own coroutine yields to us: yielding a coroutine the
     * scenario made would hand control back to the scenario instead. */
    if (L == t->co && lua_isyieldable(L)) {
        lua_yield(L, 0); /* from a hook this returns; Lua yields once we do */
        return;
    }
    luaL_error(L, "deadline exceeded");
}

static void on_start(struct loop *loop, struct loop_timer *timer) {
    struct task *t = timer->data;
    int nargs = 0;
    (void)loop;
    t->co = lua_newthread(t->L);                      /* L: ..., co */
    t->co_ref = luaL_ref(t->L, LUA_REGISTRYINDEX);    /* L: ... */
    lua_rawgeti(t->co, LUA_REGISTRYINDEX, t->fn_ref); /* co: fn */
    if (t->arg_ref != LUA_NOREF) {
        lua_rawgeti(t->co, LUA_REGISTRYINDEX, t->arg_ref); /* co: fn, arg */
        nargs = 1;
    }
    lua_sethook(t->co, count_hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    loop_timer_start(t->engine->loop, &t->deadline_timer, t->deadline_ms);
    resume(t, nargs);
}

static void on_deadline(struct loop *loop, struct loop_timer *timer) {
    struct task *t = timer->data;
    struct failure f = {0};
    struct buf phase;
    (void)loop;
    buf_init(&phase, 0);
    if (t->parked && t->wait.describe)
        t->wait.describe(t->wait.data, &phase);
    else
        buf_puts(&phase, "running");
    timeout_failure(&f, buf_str(&phase));
    if (t->co) find_where(t, t->co, &f);
    buf_free(&phase);
    finish(t, &f);
    failure_clear(&f);
}

/* Runs at the point of the error, while the stack still shows where it
 * happened: capture the failure there, keep the error value as is. */
static int sync_msghandler(lua_State *L) {
    struct task *t = task_from_lua(L);
    error_to_failure(t, L, &t->sync_failure);
    return 1;
}

int task_pcall(struct task *t, int nargs, int nresults, uint64_t deadline_ms, struct failure *f) {
    lua_State *L = t->L;
    int base = lua_gettop(L) - nargs; /* index of the function */
    int status;
    t->deadline_ms = deadline_ms;
    t->cpu_expired = t->cpu_interrupted = false;
    lua_pushcfunction(L, sync_msghandler); /* L: ..., fn, args..., handler */
    lua_insert(L, base);                   /* L: ..., handler, fn, args... */
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    status = lua_pcall(L, nargs, nresults, base);
    lua_sethook(L, NULL, 0, 0);
    lua_remove(L, base); /* L: ..., results or error */
    if (status == LUA_OK) return 0;
    if (t->sync_failure.kind == FAILURE_NONE) /* error in the handler itself, e.g. out of memory */
        failure_set(&t->sync_failure, FAILURE_SCRIPT, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
    lua_pop(L, 1);
    failure_move(f, &t->sync_failure);
    t->cpu_expired = t->cpu_interrupted = false;
    return -1;
}

void task_call(struct task *t, int fn_ref, int arg_ref, uint64_t deadline_ms, task_done_fn *done, void *data) {
    t->fn_ref = fn_ref;
    t->arg_ref = arg_ref;
    t->deadline_ms = deadline_ms;
    t->done = done;
    t->done_data = data;
    t->cpu_expired = t->cpu_interrupted = false;
    loop_timer_start(t->engine->loop, &t->start_timer, loop_now(t->engine->loop));
}

void task_shorten_deadline(struct task *t, uint64_t deadline_ms) {
    if (!t->done || deadline_ms >= t->deadline_ms) return;
    t->deadline_ms = deadline_ms;
    if (loop_timer_armed(&t->deadline_timer)) loop_timer_start(t->engine->loop, &t->deadline_timer, deadline_ms);
}

void task_kill(struct task *t, const struct failure *f) {
    struct failure copy = {0};
    if (!t->done) return;
    failure_copy(&copy, f);
    if (t->co) find_where(t, t->co, &copy);
    finish(t, &copy);
    failure_clear(&copy);
}

static const char *why_not_parkable(lua_State *L) {
    struct task *t = task_from_lua(L);
    if (!t->co || !t->done || !lua_isyieldable(L))
        return "this operation waits, so it can only run inside a step or teardown (and not inside a __close or "
               "__gc handler or a C callback)";
    if (L != t->co)
        return "this operation waits, so it cannot run inside a coroutine the scenario created; "
               "call it from the step function itself";
    return NULL;
}

void task_check_parkable(lua_State *L) {
    const char *why = why_not_parkable(L);
    if (why) luaL_error(L, "%s", why);
}

int task_park(lua_State *L, const struct task_wait *w, lua_KContext ctx, lua_KFunction k) {
    struct task *t = task_from_lua(L);
    const char *why = why_not_parkable(L);
    if (why) {
        if (w->cancel) w->cancel(w->data);
        return luaL_error(L, "%s", why);
    }
    t->wait = *w;
    t->parked = true;
    return lua_yieldk(L, 0, ctx, k);
}

void task_wake(struct task *t) {
    if (!t->parked) return;
    t->parked = false;
    resume(t, 0);
}

uint64_t task_deadline_ms(lua_State *L) {
    struct task *t = task_from_lua(L);
    if (!t->done) luaL_error(L, "no step is running: deadlines exist only inside steps and teardowns");
    return t->deadline_ms;
}

int64_t task_remaining_ms(lua_State *L) {
    uint64_t deadline = task_deadline_ms(L);
    uint64_t now = loop_clock_ms();
    return deadline > now ? (int64_t)(deadline - now) : 0;
}
