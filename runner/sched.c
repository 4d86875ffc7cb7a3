/* sched.c — tasks, coroutines, parking and deadlines; see sched.h.
 *
 * Life of a call: task_call() arms a zero-delay start timer (so completion
 * callbacks never nest inside the caller), the start creates a fresh
 * coroutine pinned by a registry reference so the GC cannot collect it while
 * it is parked, and arms the deadline timer.  The coroutine then runs until
 * it returns, raises, or parks on an operation.  Whichever comes first of
 * completion, failure and the deadline ends the call exactly once, in
 * finish().
 *
 * CPU deadlines have two layers.  A count hook checks the clock every
 * HOOK_INSTRUCTIONS; past the deadline it yields the step (or raises where
 * it cannot yield) on every instruction, and the guarded pcall, xpcall and
 * coroutine.resume re-raise what they caught, so no handler can swallow
 * the kill.  The hook alone is not enough: it does not run inside a long C
 * call (gsub over megabytes) or a __gc metamethod, and --unsafe-lua lets a
 * scenario remove it.  So a watchdog thread watches the Lua running on the
 * loop thread: at the deadline it sets the hook again (lua_sethook is the
 * one Lua call meant to be made asynchronously), and STUCK_MS later it ends
 * the run through the abandon callback, which writes the reports and exits.
 * The same thread receives SIGINT and SIGTERM (blocked in every thread) and
 * passes them to the loop through a pipe, so a second signal ends the run
 * even while Lua does not let go of the loop thread. */
#include "sched.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "artifacts.h"
#include "core_lua.h"
#include "engine.h"
#include "loop.h"
#include "sandbox.h"
#include "spawn.h"
#include "xalloc.h"

/* How many VM instructions run between two deadline checks: frequent enough
 * that a loop around C calls (a gsub a few ms long each) is stopped soon
 * after its deadline, rare enough that the clock read costs nothing
 * measurable (about 1 in 1,000 instructions). */
#define HOOK_INSTRUCTIONS 1000
#define CLOSE_MS 1000        /* for __close handlers of a finished call, and __gc at lua_close */
#define STUCK_MS 2000        /* past a deadline, Lua the hook cannot reach has this long before the run ends */
#define HARD_STOP_MS 200     /* after a second signal, Lua has this long to let go of the loop thread */
#define WATCH_TICK_MS 20     /* how often the watchdog looks */
#define GC_MINOR_PERCENT 100 /* a young collection once the heap has grown by this much */

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
    bool mem_exceeded;    /* an allocation was refused for --max-memory during this call */
    int gc_mark_kb;       /* the heap when the collector last started from zero debt (collector_start) */
    char expired_where[256];
    struct failure sync_failure; /* captured by the message handler of task_pcall */
    struct strlist *logs;
    struct step_result *requests; /* sink of HTTP request records, or NULL */
    uint64_t requests_base_ms;    /* offsets count from here */
    char trace_id[33];
    char *scenario, *step; /* labels for traces and artifacts */
    task_done_fn *done;
    void *done_data;
    struct task_check *checks; /* not owned */
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

void task_add_check(struct task *t, struct task_check *c) {
    c->prev = NULL;
    c->next = t->checks;
    if (t->checks) t->checks->prev = c;
    t->checks = c;
}

void task_remove_check(struct task *t, struct task_check *c) {
    if (c->prev)
        c->prev->next = c->next;
    else if (t->checks == c)
        t->checks = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

int task_run_checks(struct task *t, struct failure *f) {
    for (struct task_check *c = t->checks; c; c = c->next) {
        struct failure ignored = {0};
        c->fn(t, f ? f : &ignored, c->data);
        failure_clear(&ignored);
        if (f && f->kind != FAILURE_NONE) return -1;
    }
    return 0;
}

/* The watchdog: see the top of this file.  lock guards the fields below,
 * and the step results log() writes into, so that the watchdog can write
 * reports while the loop thread is stuck in Lua. */
static struct {
    pthread_mutex_t lock;
    pthread_t thread;
    bool running;
    atomic_bool stop;
    atomic_bool interrupt; /* a stop signal the loop has not handled yet */
    int notify[2];         /* pipe: one byte per signal, its number */
    int sigfd;             /* SIGINT and SIGTERM (spawn_signalfd), read here only */
    int signals;           /* received so far */
    int last_signal;
    uint64_t hard_stop_ms; /* when the second signal came, or 0 */
    struct task *task;     /* whose Lua runs on the loop thread now, or NULL */
    lua_State *L;          /* the thread resumed */
    uint64_t deadline_ms;
    sched_abandon_fn *abandon;
    void *abandon_data;
} wd = {.lock = PTHREAD_MUTEX_INITIALIZER, .notify = {-1, -1}, .sigfd = -1};

struct watch {
    struct task *task;
    lua_State *L;
    uint64_t deadline_ms;
};

void task_log(struct task *t, const char *line) {
    pthread_mutex_lock(&wd.lock);
    if (t->logs) strlist_push(t->logs, line);
    pthread_mutex_unlock(&wd.lock);
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
static void count_hook(lua_State *L, lua_Debug *ar);
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
    /* The collector runs only while the watchdog watches (watch_enter):
     * a __gc metamethod that never returns must not hang the loop from a
     * lua_newtable in run.c.  Generational: a young collection traverses
     * only what was allocated since the last one. */
    lua_gc(L, LUA_GCGEN, GC_MINOR_PERCENT, 0);
    lua_gc(L, LUA_GCSTOP);
    return t;
}

/* Restart the stopped collector where it was.  LUA_GCRESTART sets the
 * collector's debt to zero, so the first allocation of every resume would
 * run a young collection, though one is due only once the heap has grown
 * by GC_MINOR_PERCENT since the last.  So the debt is set back to what is
 * left of that growth, counted from the heap at the last restart that
 * collected (or the smaller heap since).  LUA_GCSTEP adds its argument, in
 * KB and negative here, to the debt, and collects nothing while the debt
 * stays below zero (lapi.c, 5.4). */
static void collector_start(struct task *t) {
    int used_kb = lua_gc(t->L, LUA_GCCOUNT);
    long long left_kb;
    if (used_kb < t->gc_mark_kb) t->gc_mark_kb = used_kb; /* collected since: count from here */
    left_kb = (long long)used_kb * GC_MINOR_PERCENT / 100 - (used_kb - t->gc_mark_kb);
    lua_gc(t->L, LUA_GCRESTART);
    if (left_kb > 0)
        lua_gc(t->L, LUA_GCSTEP, (int)-(left_kb < INT_MAX ? left_kb : INT_MAX));
    else
        t->gc_mark_kb = used_kb;
}

/* The loop thread runs t's Lua, on thread L (NULL: none the hook may be set
 * on), from now until watch_leave. */
static struct watch watch_enter(struct task *t, lua_State *L) {
    struct watch saved;
    pthread_mutex_lock(&wd.lock);
    saved = (struct watch){wd.task, wd.L, wd.deadline_ms};
    wd.task = t;
    wd.L = L;
    wd.deadline_ms = t->deadline_ms;
    pthread_mutex_unlock(&wd.lock);
    if (!saved.task) collector_start(t);
    return saved;
}

/* Blocks, for good, while the watchdog is ending the run. */
static void watch_leave(struct task *t, struct watch saved, bool closed) {
    if (!saved.task && !closed) lua_gc(t->L, LUA_GCSTOP);
    pthread_mutex_lock(&wd.lock);
    wd.task = saved.task;
    wd.L = saved.L;
    wd.deadline_ms = saved.deadline_ms;
    pthread_mutex_unlock(&wd.lock);
}

/* Drop the coroutine.  lua_resetthread closes its pending to-be-closed
 * variables, so `local h <close>` in a killed step still releases h; they
 * get CLOSE_MS of their own. */
static void release_coroutine(struct task *t) {
    struct watch saved;
    if (!t->co) return;
    t->deadline_ms = loop_clock_ms() + CLOSE_MS;
    t->cpu_expired = t->cpu_interrupted = false;
    lua_sethook(t->co, count_hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    saved = watch_enter(t, t->co);
    lua_resetthread(t->co);
    watch_leave(t, saved, false);
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
    artifacts_flush(t); /* redacted with the secrets the call learnt */
    if (done) done(t, f, data);
}

void task_free(struct task *t) {
    struct watch saved;
    if (!t) return;
    t->done = NULL; /* cancel silently */
    finish(t, NULL);
    /* lua_close runs the pending __gc metamethods, hooks off: no thread
     * to set a hook on (and L is freed before watch_leave). */
    t->deadline_ms = loop_clock_ms() + CLOSE_MS;
    saved = watch_enter(t, NULL);
    sandbox_close(t->L);
    watch_leave(t, saved, true);
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
    size_t cap = 0;
    if (t->mem_exceeded || (sandbox_is_memory_error(co, -1) && sandbox_take_memory_exceeded(t->L, &cap))) {
        if (!cap) sandbox_take_memory_exceeded(t->L, &cap);
        t->mem_exceeded = false;
        if (cap % (1024 * 1024) == 0)
            failure_set(f, FAILURE_SCRIPT, "scenario used more than %zu MB of memory (--max-memory)", cap >> 20);
        else
            failure_set(f, FAILURE_SCRIPT, "scenario used more than %zu bytes of memory (--max-memory)", cap);
        find_where(t, co, f);
        return;
    }
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
    int nres, status;
    struct watch saved = watch_enter(t, t->co);
    status = lua_resume(t->co, t->L, nargs, &nres);
    watch_leave(t, saved, false);

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
        /* Returning is not finishing in time: a long C call may have run
         * past the deadline before the deadline timer had a chance. */
        uint64_t now = loop_clock_ms();
        if (now > t->deadline_ms) {
            char phase[96];
            snprintf(phase, sizeof phase, "running (it returned %llums after its deadline)",
                     (unsigned long long)(now - t->deadline_ms));
            timeout_failure(&f, phase);
            finish(t, &f);
        } else {
            finish(t, NULL);
        }
    } else {
        error_to_failure(t, t->co, &f);
        finish(t, &f);
    }
    failure_clear(&f);
}

/* Mark the running call as past its deadline (or interrupted), at the
 * position of ar. */
static void expire(struct task *t, lua_State *L, lua_Debug *ar) {
    if (t->cpu_expired) return;
    t->cpu_expired = true;
    t->cpu_interrupted = loop_clock_ms() < t->deadline_ms;
    if (ar && lua_getinfo(L, "Sl", ar))
        snprintf(t->expired_where, sizeof t->expired_where, "%s:%d", ar->short_src, ar->currentline);
    else
        snprintf(t->expired_where, sizeof t->expired_where, "%s", "?");
}

static void count_hook(lua_State *L, lua_Debug *ar) {
    struct task *t = task_from_lua(L);
    if (!t->cpu_expired) {
        if (!atomic_load(&wd.interrupt) && loop_clock_ms() < t->deadline_ms) {
            /* The watchdog may have asked for a look at every instruction:
             * back to the usual pace. */
            if (lua_gethookcount(L) != HOOK_INSTRUCTIONS) lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
            return;
        }
        expire(t, L, ar);
    }
    /* From here on the hook fires on every instruction: a message handler
     * or a __close handler that loops is stopped at its first steps. */
    if (lua_gethookcount(L) != 1) lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
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
    struct watch saved;
    t->deadline_ms = deadline_ms;
    t->cpu_expired = t->cpu_interrupted = t->mem_exceeded = false;
    sandbox_take_memory_exceeded(L, NULL);
    lua_pushcfunction(L, sync_msghandler); /* L: ..., fn, args..., handler */
    lua_insert(L, base);                   /* L: ..., handler, fn, args... */
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    saved = watch_enter(t, L);
    status = lua_pcall(L, nargs, nresults, base);
    watch_leave(t, saved, false);
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
    t->cpu_expired = t->cpu_interrupted = t->mem_exceeded = false;
    sandbox_take_memory_exceeded(t->L, NULL);
    loop_timer_start(t->engine->loop, &t->start_timer, loop_now(t->engine->loop));
}

void task_shorten_deadline(struct task *t, uint64_t deadline_ms) {
    if (!t->done || deadline_ms >= t->deadline_ms) return;
    t->deadline_ms = deadline_ms;
    pthread_mutex_lock(&wd.lock);
    if (wd.task == t) wd.deadline_ms = deadline_ms;
    pthread_mutex_unlock(&wd.lock);
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

/* ---- protected calls that cannot swallow the kill ---- */

/* After a protected call caught err_idx: must it go on up?  Yes once the
 * call is past its deadline, interrupted, or out of its memory: those end
 * the step, whatever the scenario's handlers think. */
static bool must_reraise(lua_State *L, int err_idx) {
    struct task *t = task_from_lua(L);
    if (t->cpu_expired || t->mem_exceeded) return true;
    if (sandbox_is_memory_error(L, err_idx) && sandbox_take_memory_exceeded(t->L, NULL)) {
        t->mem_exceeded = true;
        return true;
    }
    if (atomic_load(&wd.interrupt) || loop_clock_ms() >= t->deadline_ms) {
        lua_Debug ar;
        expire(t, L, lua_getstack(L, 1, &ar) ? &ar : NULL);
        return true;
    }
    return false;
}

static int guard_finish(lua_State *L, int status, lua_KContext ctx) {
    (void)status;
    (void)ctx;
    if (lua_gettop(L) >= 2 && !lua_toboolean(L, 1) && must_reraise(L, 2)) {
        lua_settop(L, 2); /* false, err */
        return lua_error(L);
    }
    return lua_gettop(L);
}

/* The original (upvalue 1) called with our arguments; it may yield, as
 * pcall around an HTTP request does (lua_callk). */
static int guard_call(lua_State *L) {
    lua_pushvalue(L, lua_upvalueindex(1));                         /* args..., original */
    lua_insert(L, 1);                                              /* original, args... */
    lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, guard_finish); /* results... */
    return guard_finish(L, LUA_OK, 0);
}

static void guard(lua_State *L, const char *name) {
    lua_getfield(L, -1, name);          /* ..., t, original */
    lua_pushcclosure(L, guard_call, 1); /* ..., t, guarded */
    lua_setfield(L, -2, name);          /* ..., t */
}

/* A message handler runs where the error was raised.  When the hook
 * raised it, hooks are off there (Lua does not call hooks inside a hook),
 * so a handler that loops would never be stopped: past the deadline the
 * scenario's handler is not called at all, the error goes on as it is. */
static int guarded_handler(lua_State *L) {
    struct task *t = task_from_lua(L);
    if (t->cpu_expired || t->mem_exceeded) return 1;
    lua_pushvalue(L, lua_upvalueindex(1)); /* err..., handler */
    lua_insert(L, 1);                      /* handler, err... */
    lua_call(L, lua_gettop(L) - 1, 1);     /* result */
    return 1;
}

/* xpcall(f, msgh, ...) → the original xpcall(f, guarded msgh, ...) */
static int guard_xpcall(lua_State *L) {
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);                     /* f, msgh, args..., msgh */
    lua_pushcclosure(L, guarded_handler, 1); /* f, msgh, args..., guarded */
    lua_replace(L, 2);                       /* f, guarded, args... */
    return guard_call(L);
}

void task_guard_protected_calls(lua_State *L) {
    lua_pushglobaltable(L); /* _G */
    guard(L, "pcall");
    lua_getfield(L, -1, "xpcall");        /* _G, xpcall */
    lua_pushcclosure(L, guard_xpcall, 1); /* _G, guarded */
    lua_setfield(L, -2, "xpcall");        /* _G */
    lua_getfield(L, -1, "coroutine");     /* _G, coroutine */
    if (lua_istable(L, -1)) guard(L, "resume");
    lua_pop(L, 2); /* */
}

/* ---- the watchdog thread ---- */

/* Under wd.lock: have the running Lua look at the clock at its next
 * instruction.  The step's coroutine too, when the thread running is one
 * of the scenario's own coroutines. */
static void force_hook(void) {
    if (!wd.task || !wd.L) return;
    lua_sethook(wd.L, count_hook, LUA_MASKCOUNT, 1);
    if (wd.task->co && wd.task->co != wd.L) lua_sethook(wd.task->co, count_hook, LUA_MASKCOUNT, 1);
}

static void abandon(const char *why, int signo) {
    fflush(NULL);
    if (wd.abandon) wd.abandon(wd.task, why, signo, wd.abandon_data);
    _exit(3); /* no one to write reports: the callback should not have returned */
}

static void got_signal(int sig) {
    unsigned char b = (unsigned char)sig;
    wd.signals++;
    wd.last_signal = sig;
    if (wd.signals == 2) wd.hard_stop_ms = loop_clock_ms();
    atomic_store(&wd.interrupt, true);
    /* A full pipe already holds more signals than the loop needs. */
    if (write(wd.notify[1], &b, 1) < 0 && errno != EAGAIN)
        fprintf(stderr, "telltale: cannot pass a signal to the loop: %s\n", strerror(errno));
    force_hook();
}

static void check_running_lua(void) {
    uint64_t now = loop_clock_ms();
    if (!wd.task) return;
    if (wd.hard_stop_ms && now >= wd.hard_stop_ms + HARD_STOP_MS)
        abandon("did not stop after the second signal: it was running Lua code that cannot be interrupted "
                "(a __gc metamethod or a long C call)",
                wd.last_signal);
    if (now < wd.deadline_ms) return;
    force_hook(); /* every tick: a hook removed (debug.sethook) is set again */
    if (now >= wd.deadline_ms + STUCK_MS)
        abandon("would not stop: it was still running Lua code 2s after its deadline, where the deadline cannot "
                "interrupt it (a __gc metamethod, a long C call, or a removed hook); the run was ended",
                0);
}

/* Signals come through the same signalfd as serve's and wrap's
 * (spawn_signalfd), but on this thread: the loop thread may be stuck in
 * Lua, and the second signal must still end the run. */
static void *watchdog_main(void *arg) {
    struct pollfd p = {.fd = wd.sigfd, .events = POLLIN};
    (void)arg;
    while (!atomic_load(&wd.stop)) {
        struct signalfd_siginfo si;
        int sig = 0;
        if (poll(&p, 1, WATCH_TICK_MS) > 0 && read(wd.sigfd, &si, sizeof si) == (ssize_t)sizeof si)
            sig = (int)si.ssi_signo;
        pthread_mutex_lock(&wd.lock);
        if (sig > 0) got_signal(sig);
        check_running_lua();
        pthread_mutex_unlock(&wd.lock);
    }
    return NULL;
}

int sched_watchdog_start(sched_abandon_fn *fn, void *data) {
    if (wd.running) return -1;
    static const int stop_signals[] = {SIGINT, SIGTERM};
    struct failure f = {0};
    wd.sigfd = spawn_signalfd(stop_signals, 2, NULL, &f);
    failure_clear(&f);
    if (wd.sigfd < 0) return -1;
    if (pipe2(wd.notify, O_NONBLOCK | O_CLOEXEC) != 0) {
        close(wd.sigfd);
        wd.sigfd = -1;
        return -1;
    }
    wd.abandon = fn;
    wd.abandon_data = data;
    wd.signals = wd.last_signal = 0;
    wd.hard_stop_ms = 0;
    atomic_store(&wd.stop, false);
    atomic_store(&wd.interrupt, false);
    if (pthread_create(&wd.thread, NULL, watchdog_main, NULL) != 0) {
        close(wd.notify[0]);
        close(wd.notify[1]);
        close(wd.sigfd);
        wd.notify[0] = wd.notify[1] = wd.sigfd = -1;
        return -1;
    }
    wd.running = true;
    return wd.notify[0];
}

void sched_watchdog_stop(void) {
    if (!wd.running) return;
    atomic_store(&wd.stop, true);
    pthread_join(wd.thread, NULL); /* blocks for good if it is ending the run */
    wd.running = false;
    close(wd.notify[0]);
    close(wd.notify[1]);
    close(wd.sigfd);
    wd.notify[0] = wd.notify[1] = wd.sigfd = -1;
    wd.abandon = NULL;
    atomic_store(&wd.interrupt, false);
}

void sched_signals_handled(void) { atomic_store(&wd.interrupt, false); }
