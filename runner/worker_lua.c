/* worker_lua.c — a step waiting on a worker job; see worker_lua.h. */
#include "worker_lua.h"

#include <lauxlib.h>
#include <stdlib.h>

#include "core_lua.h"
#include "engine.h"
#include "sched.h"
#include "xalloc.h"

struct parked {
    struct task *task;
    struct worker_job *job;
    const struct worker_call *how;
    void *data;
};

static void parked_run(void *p) {
    struct parked *w = p;
    w->how->run(w->data);
}

static void parked_done(void *p) { task_wake(((struct parked *)p)->task); }

static void parked_free(void *p) {
    struct parked *w = p;
    w->how->free_data(w->data);
    free(w);
}

static void parked_interrupt(void *p) {
    struct parked *w = p;
    w->how->interrupt(w->data);
}

static void parked_cancel(void *p) { worker_abandon(((struct parked *)p)->job); }

static void parked_describe(void *p, struct buf *out) {
    struct parked *w = p;
    w->how->describe(w->data, out);
}

int worker_park(lua_State *L, void *data, const struct worker_call *how, lua_KFunction k) {
    struct parked *w;
    struct failure f = {0};
    task_check_parkable(L);
    w = xcalloc(1, sizeof *w);
    w->task = task_from_lua(L);
    w->how = how;
    w->data = data;
    w->job = worker_start(task_engine(w->task)->loop, parked_run, parked_done, parked_free, w);
    if (!w->job) {
        parked_free(w);
        failure_set(&f, FAILURE_INTERNAL, "cannot start a worker thread");
        return core_raise_failure(L, &f);
    }
    worker_set_interrupt(w->job, parked_interrupt);
    struct task_wait wait = {parked_cancel, parked_describe, w};
    return task_park(L, &wait, (lua_KContext)data, k);
}
