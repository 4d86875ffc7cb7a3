/* sched.h — scenario code as coroutines that look blocking but yield to the
 * event loop (the OpenResty cosocket pattern).
 *
 * A task is one scenario run: its own Lua state (so scenarios cannot disturb
 * each other) and at most one running coroutine — the step or teardown being
 * executed.  task_call() runs a function as that coroutine under a deadline.
 * The deadline cancels, it does not just measure: when it passes, whatever
 * operation the coroutine is parked on is cancelled, the coroutine is
 * abandoned, and the caller gets a `timeout` failure naming the phase it was
 * in.  A Lua loop that never yields is stopped by a count hook, and Lua the
 * hook cannot reach (a __gc metamethod, a long C call) by the watchdog.
 *
 * Operations that wait (sleep, HTTP, ...) follow one recipe in their
 * lua_CFunction:  validate arguments (raise on misuse) → start the operation
 * → `return task_park(L, &wait, ctx, continuation)`.  When the operation
 * completes, its driver calls task_wake(); the continuation then runs on the
 * coroutine and returns results or raises.  An operation resumes exactly
 * once, or is cancelled through wait.cancel and never resumes. */
#ifndef TELLTALE_SCHED_H
#define TELLTALE_SCHED_H

#include <lua.h>
#include <stdint.h>

#include "buf.h"
#include "failure.h"
#include "result.h"

struct engine;
struct task;

/* What a parked coroutine waits on.  cancel must stop the operation and free
 * what it owns without waking the task; describe appends the phase for a
 * timeout message ("waiting for response from GET http://x/"). */
struct task_wait {
    void (*cancel)(void *data);
    void (*describe)(void *data, struct buf *out);
    void *data;
};

/* Called once when a task_call finishes: f is NULL on success, else the
 * failure (the callee may move it out). */
typedef void task_done_fn(struct task *t, struct failure *f, void *data);

/* Create a task owning L (takes ownership: task_free closes it). */
struct task *task_new(struct engine *engine, lua_State *L, const char *scenario_file);
/* Cancel whatever is running (without calling done) and close the state. */
void task_free(struct task *t);

struct task *task_from_lua(lua_State *L);
/* Names used by traces and artifacts: the scenario and the step or
 * teardown now running (copied). */
void task_set_label(struct task *t, const char *scenario, const char *step);
const char *task_scenario(const struct task *t);
const char *task_step(const struct task *t);
/* Where log() lines of the running call go (not owned); NULL drops them. */
void task_set_log_sink(struct task *t, struct strlist *logs);
void task_log(struct task *t, const char *line);
/* Where the running call's HTTP requests are recorded (not owned; NULL
 * drops them), and the monotonic ms their offsets count from. */
void task_set_request_sink(struct task *t, struct step_result *sr, uint64_t base_ms);
/* Record rec (copied) with its start at started_ms (monotonic). */
void task_record_request(struct task *t, struct request_record *rec, uint64_t started_ms);
/* The scenario run's W3C trace id, 32 hex digits (copied; "" for none). */
void task_set_trace_id(struct task *t, const char *trace_id);
const char *task_trace_id(const struct task *t);
struct engine *task_engine(const struct task *t);
lua_State *task_lua(const struct task *t);
const char *task_file(const struct task *t);

/* Run the function at registry ref fn_ref with one argument (registry ref
 * arg_ref, or LUA_NOREF for none) as a coroutine, under deadline_ms
 * (monotonic).  Starts on the next loop iteration, never synchronously, so
 * done is never called from inside task_call. */
void task_call(struct task *t, int fn_ref, int arg_ref, uint64_t deadline_ms, task_done_fn *done, void *data);
/* Bring the running call's deadline forward (never later). */
void task_shorten_deadline(struct task *t, uint64_t deadline_ms);
/* Stop the running call now: cancel its wait, abandon the coroutine and
 * report f (copied) through done.  No-op when nothing runs. */
void task_kill(struct task *t, const struct failure *f);
int task_running(const struct task *t);

/* What a step answers for when it ends, beyond its function's result:
 * what a module saw meanwhile and only reports at its next operation (a
 * page's fail_on event after the step's last page call).  The owner embeds
 * it (no allocation) and removes it before freeing it; fn logs through the
 * task, may fill f, and must not add or remove checks. */
struct task_check {
    void (*fn)(struct task *t, struct failure *f, void *data);
    void *data;
    struct task_check *prev, *next;
};
void task_add_check(struct task *t, struct task_check *c);
void task_remove_check(struct task *t, struct task_check *c);
/* Run every check as a step ends: -1 with f filled by the first that fails;
 * f NULL (the step failed already) only lets them log. */
int task_run_checks(struct task *t, struct failure *f);

/* Call the function below nargs arguments on the task's main stack
 * synchronously, under deadline_ms: for loading a scenario file, where
 * nothing may wait.  Returns 0 with nresults pushed, or -1 with f filled
 * (script error with file:line and traceback, or timeout). */
int task_pcall(struct task *t, int nargs, int nresults, uint64_t deadline_ms, struct failure *f);

/* Raise unless an operation that waits may park here: inside a step or
 * teardown, on the step's own coroutine.  Call before starting one. */
void task_check_parkable(lua_State *L);
/* Inside a running call: park the coroutine (see the recipe above).  Raises
 * if called outside a step, or from inside a coroutine the scenario created
 * itself (after cancelling w).  Use as `return task_park(L, &w, ctx, k);`. */
int task_park(lua_State *L, const struct task_wait *w, lua_KContext ctx, lua_KFunction k);
/* Resume the parked coroutine; its continuation runs now. */
void task_wake(struct task *t);
/* The running call's deadline (monotonic ms) and what is left of it; raises
 * when called outside a step. */
uint64_t task_deadline_ms(lua_State *L);
int64_t task_remaining_ms(lua_State *L);

/* Replace pcall, xpcall and coroutine.resume in L's globals by versions
 * that re-raise what they caught once the running call is past its
 * deadline, interrupted, or over its memory cap. */
void task_guard_protected_calls(lua_State *L);

/* The watchdog thread, for the length of a run.  It receives SIGINT and
 * SIGTERM (the caller has them blocked in every thread) and writes each
 * one's number, one byte, to the returned fd for the loop to read; the
 * running Lua is interrupted until sched_signals_handled().  It watches
 * the Lua running on the loop thread: past the call's deadline it sets the
 * count hook again, and when that Lua still runs 2 s later — or 200 ms
 * after a second signal — it calls fn on its own thread, with the loop
 * thread held (it cannot leave Lua nor log): fn writes the reports and
 * exits the process; it must not return.  Returns -1 with errno set when
 * the thread cannot start. */
typedef void sched_abandon_fn(struct task *t, const char *why, int signo, void *data);
int sched_watchdog_start(sched_abandon_fn *fn, void *data);
void sched_watchdog_stop(void);
void sched_signals_handled(void);

#endif
