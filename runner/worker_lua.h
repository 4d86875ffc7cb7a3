/* worker_lua.h — park the running step on a worker job (worker.h): the
 * cosocket recipe for blocking libraries.  The job's data stays alive
 * until the thread is done, even when the step gave up on it. */
#ifndef TELLTALE_WORKER_LUA_H
#define TELLTALE_WORKER_LUA_H

#include <lua.h>

#include "buf.h"
#include "worker.h"

struct worker_call {
    worker_fn *run;                                /* on the worker thread */
    worker_fn *interrupt;                          /* any thread: make run return soon */
    worker_fn *free_data;                          /* loop thread, always, last */
    void (*describe)(void *data, struct buf *out); /* the phase, for a timeout */
};

/* Start how->run(data) and park the step; k runs with ctx = data when it
 * is done.  Takes ownership of data.  Use as `return worker_park(...)`. */
int worker_park(lua_State *L, void *data, const struct worker_call *how, lua_KFunction k);

#endif
