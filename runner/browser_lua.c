/* browser_lua.c — Lua binding of the browser driver; see browser_lua.h.
 *
 * C keeps the primitives: open a page, send one protocol command, wait for
 * one lifecycle event — each parked on the step's coroutine like an HTTP
 * request, under the step's deadline or an own, shorter one — plus the
 * page's notes, artifacts and the cookie bridge to the HTTP jar.  What a
 * user calls (visit, fill, click, wait_for, ...) is lib/browser.lua on top,
 * loaded the first time browser.page is called: scenarios that never use
 * the browser never load it, and never start Chromium.
 *
 * Every primitive's continuation first moves the page's new notes
 * (exceptions, console errors, failed resources) into the step's log, and
 * raises an `assertion` when one matches the page's fail_on; so does the
 * end of a step, for the notes that arrived after its last operation. */
#include "browser_lua.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifacts.h"
#include "browser.h"
#include "buf.h"
#include "core_lua.h"
#include "engine.h"
#include "http_lua.h"
#include "json.h"
#include "loop.h"
#include "redact.h"
#include "sched.h"
#include "xalloc.h"

#define PAGE_MT "telltale.browser.handle"
#define CONTEXT_MT "telltale.browser.context"
#define CONTEXT_KEY "telltale.browser.scenario_context" /* registry: the scenario's context holder */
#define LIB_KEY "telltale.browser.lib"                  /* registry: lib/browser.lua's module table */
#define TRACE_EXCERPT 400                               /* bytes of a message shown by --trace */

struct handle {
    struct browser_page *page; /* NULL once closed */
    struct task *task;         /* whose steps answer for the page's notes */
    struct task_check check;
};

/* One parked primitive. */
struct call {
    struct task *task;
    struct browser_page *page;
    struct browser_op *op;
    struct loop_timer timer; /* the primitive's own deadline, when shorter than the step's */
    char *phase;             /* "waiting for selector '#ok'": names a timeout */
    char *reply;
    size_t len;
    struct failure f;
    bool opening; /* browser._open: may be waiting for a slot */
    bool cookies; /* a cookie command: --trace shows its name only, as it hides Cookie headers */
};

static struct handle *check_handle(lua_State *L) {
    struct handle *h = luaL_checkudata(L, 1, PAGE_MT);
    if (!h->page) luaL_error(L, "attempt to use a closed page");
    return h;
}

static int handle_close(lua_State *L) {
    struct handle *h = luaL_checkudata(L, 1, PAGE_MT);
    if (h->task) task_remove_check(h->task, &h->check);
    h->task = NULL;
    browser_page_free(h->page);
    h->page = NULL;
    return 0;
}

static void trace(struct task *t, const char *dir, const char *text, size_t len) {
    char *clean;
    if (!task_engine(t)->opt->trace) return;
    clean = redact_textn(text, len < TRACE_EXCERPT ? len : TRACE_EXCERPT);
    fprintf(stderr, "[%s/%s] browser %s %s%s\n", task_scenario(t), task_step(t), dir, clean,
            len > TRACE_EXCERPT ? " ..." : "");
    free(clean);
}

static void call_free(struct call *c) {
    loop_timer_stop(task_engine(c->task)->loop, &c->timer);
    browser_op_cancel(c->op);
    failure_clear(&c->f);
    free(c->phase);
    free(c->reply);
    free(c);
}

static void call_cancel(void *data) { call_free(data); }

static void call_describe(void *data, struct buf *out) {
    struct call *c = data;
    if (c->opening && browser_page_waiting(c->page))
        buf_printf(out, "waiting for a free browser page (--browsers %d)",
                   task_engine(c->task)->opt->browsers > 0 ? task_engine(c->task)->opt->browsers : 2);
    else
        buf_puts(out, c->phase);
}

static void call_done(const char *reply, size_t len, const struct failure *f, void *data) {
    struct call *c = data;
    c->op = NULL;
    loop_timer_stop(task_engine(c->task)->loop, &c->timer);
    if (f) failure_copy(&c->f, f);
    if (reply) {
        c->reply = xstrndup(reply, len);
        c->len = len;
    }
    task_wake(c->task);
}

static void call_expired(struct loop *loop, struct loop_timer *timer) {
    struct call *c = timer->data;
    (void)loop;
    browser_op_cancel(c->op);
    c->op = NULL;
    failure_set(&c->f, FAILURE_TIMEOUT, "deadline exceeded while %s", c->phase);
    failure_set_phase(&c->f, c->phase);
    task_wake(c->task);
}

static struct call *call_new(lua_State *L, struct browser_page *p, const char *phase, int64_t timeout_ms) {
    struct call *c = xcalloc(1, sizeof *c);
    struct engine *e;
    c->task = task_from_lua(L);
    c->page = p;
    c->phase = xstrdup(phase);
    e = task_engine(c->task);
    loop_timer_init(&c->timer, call_expired, c);
    if (timeout_ms > 0 && timeout_ms < task_remaining_ms(L))
        loop_timer_start(e->loop, &c->timer, loop_now(e->loop) + (uint64_t)timeout_ms);
    return c;
}

/* Notes into the step's log; the first one fail_on names becomes f. */
static void flush_notes(struct task *t, struct browser_page *p, struct failure *f) {
    struct strlist notes = {0};
    if (!p) return;
    browser_take_notes(p, &notes);
    for (size_t i = 0; i < notes.len; i++) {
        char *clean = redact_text(notes.items[i]);
        struct buf line;
        buf_init(&line, 0);
        buf_printf(&line, "browser: %s", clean);
        task_log(t, buf_str(&line));
        if (f->kind == FAILURE_NONE && browser_note_fails(p, notes.items[i]))
            failure_set(f, FAILURE_ASSERTION, "page: %s", clean);
        buf_free(&line);
        free(clean);
    }
    strlist_free(&notes);
}

/* The continuation of every primitive: raise, or push the reply's result
 * (nil, message for a protocol error). */
static int call_continue(lua_State *L, int status, lua_KContext ctx) {
    struct call *c = (struct call *)ctx;
    struct failure f = {0};
    (void)status;
    flush_notes(c->task, c->page, &c->f);
    if (c->f.kind != FAILURE_NONE) {
        failure_move(&f, &c->f);
        call_free(c);
        return core_raise_failure(L, &f);
    }
    if (c->cookies)
        trace(c->task, "<", "(cookies not shown)", 19);
    else
        trace(c->task, "<", c->reply, c->len);
    if (json_decode(L, c->reply, c->len, &f) != 0) { /* msg */
        call_free(c);
        lua_pushstring(L, f.message); /* message: Lua keeps the text while f is freed */
        failure_clear(&f);
        return luaL_error(L, "browser: cannot decode a reply: %s", lua_tostring(L, -1));
    }
    call_free(c);
    if (lua_getfield(L, -1, "error") == LUA_TTABLE) { /* msg, error */
        lua_pushnil(L);                               /* msg, error, nil */
        lua_getfield(L, -2, "message");               /* msg, error, nil, message */
        return 2;
    }
    lua_pop(L, 1);                 /* msg */
    lua_getfield(L, -1, "result"); /* msg, result */
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);   /* msg */
        lua_newtable(L); /* msg, {} */
    }
    return 1;
}

/* A step returned: the notes its page took since the last operation. */
static void check_notes(struct task *t, struct failure *f, void *data) {
    struct handle *h = data;
    flush_notes(t, h->page, f);
    if (f->kind != FAILURE_NONE)
        failure_set_detail(f, "it happened after the page's last operation in the step returned");
}

/* h:_flush() — the notes since the last operation into the log; raises
 * the first that fail_on names (page:close, which ends what a step's end
 * would have checked). */
static int handle_flush(lua_State *L) {
    struct handle *h = check_handle(L);
    struct failure f = {0};
    flush_notes(h->task, h->page, &f);
    if (f.kind != FAILURE_NONE) return core_raise_failure(L, &f);
    return 0;
}

static int park(lua_State *L, struct call *c) {
    struct task_wait w = {call_cancel, call_describe, c};
    return task_park(L, &w, (lua_KContext)c, call_continue);
}

/* The opening's continuation: the handle (below the yield) is the result. */
static int open_continue(lua_State *L, int status, lua_KContext ctx) {
    call_continue(L, status, ctx); /* bits, handle, ... */
    lua_settop(L, 2);              /* bits, handle */
    return 1;
}

static int context_gc(lua_State *L) {
    struct browser_context **c = luaL_checkudata(L, 1, CONTEXT_MT);
    browser_context_free(*c);
    *c = NULL;
    return 0;
}

/* The scenario's browser context, made with its first page.  Its finalizer
 * was set before any page handle's, so lua_close runs it after theirs: no
 * page outlives it. */
static struct browser_context *scenario_context(lua_State *L) {
    struct browser_context **c;
    if (lua_getfield(L, LUA_REGISTRYINDEX, CONTEXT_KEY) == LUA_TUSERDATA) { /* ..., holder */
        c = lua_touserdata(L, -1);
        lua_pop(L, 1); /* ... */
        return *c;
    }
    lua_pop(L, 1);                          /* ... */
    c = lua_newuserdatauv(L, sizeof *c, 0); /* ..., holder */
    *c = NULL;
    if (luaL_newmetatable(L, CONTEXT_MT)) { /* ..., holder, mt */
        lua_pushcfunction(L, context_gc);   /* ..., holder, mt, gc */
        lua_setfield(L, -2, "__gc");        /* ..., holder, mt */
    }
    lua_setmetatable(L, -2); /* ..., holder */
    *c = browser_context_new();
    lua_setfield(L, LUA_REGISTRYINDEX, CONTEXT_KEY); /* ... */
    return *c;
}

/* h:_context() → the id of the browser context the page is in ("" when
 * it has none): the pages sharing it share one cookie store. */
static int handle_context(lua_State *L) {
    struct handle *h = check_handle(L);
    const char *id = browser_page_context(h->page);
    lua_pushstring(L, id ? id : "");
    return 1;
}

/* browser._open(fail_on_bits) → handle, once the page is ready */
static int browser_open(lua_State *L) {
    struct task *t = task_from_lua(L);
    struct engine *e = task_engine(t);
    unsigned fail_on = (unsigned)luaL_checkinteger(L, 1);
    struct failure f = {0};
    struct browser_context *ctx;
    struct handle *h;
    struct call *c;
    task_check_parkable(L);
    browser_init(e->loop, e->opt->browsers);
    ctx = scenario_context(L);
    h = lua_newuserdatauv(L, sizeof *h, 0); /* bits, handle */
    h->page = NULL;
    h->task = NULL;
    luaL_setmetatable(L, PAGE_MT);
    h->page = browser_page_new(fail_on, ctx);
    c = call_new(L, h->page, "starting the browser", 0);
    c->opening = true;
    c->op = browser_page_open(h->page, call_done, c, &f);
    if (!c->op) {
        call_free(c);
        return core_raise_failure(L, &f);
    }
    h->task = t;
    h->check = (struct task_check){.fn = check_notes, .data = h};
    task_add_check(t, &h->check);
    struct task_wait w = {call_cancel, call_describe, c};
    return task_park(L, &w, (lua_KContext)c, open_continue);
}

/* h:_send(method [, params [, phase [, timeout_ms]]]) → result | nil, message */
static int handle_send(lua_State *L) {
    struct handle *h = check_handle(L);
    const char *method = luaL_checkstring(L, 2);
    const char *phase = luaL_optstring(L, 4, method);
    int64_t timeout_ms = (int64_t)luaL_optinteger(L, 5, 0);
    struct failure f = {0};
    struct buf params;
    struct call *c;
    task_check_parkable(L);
    buf_init(&params, 0);
    if (!lua_isnoneornil(L, 3) && json_encode(L, 3, &params, &f) != 0) {
        buf_free(&params);
        lua_pushstring(L, f.message); /* +1: Lua keeps the text while f is freed */
        failure_clear(&f);
        return luaL_error(L, "browser: %s", lua_tostring(L, -1));
    }
    if (params.len == 0 || strcmp(buf_str(&params), "[]") == 0) {
        buf_reset(&params);
        buf_puts(&params, "{}");
    }
    c = call_new(L, h->page, phase, timeout_ms);
    c->cookies = strstr(method, "Cookie") != NULL;
    if (task_engine(c->task)->opt->trace) {
        struct buf line;
        buf_init(&line, 0);
        buf_printf(&line, "%s %s", method, c->cookies ? "(cookies not shown)" : buf_str(&params));
        trace(c->task, ">", line.data, line.len);
        buf_free(&line);
    }
    c->op = browser_send(h->page, method, buf_str(&params), call_done, c, &f);
    buf_free(&params);
    if (!c->op) {
        call_free(c);
        return core_raise_failure(L, &f);
    }
    return park(L, c);
}

/* h:_wait_event(loader_id, name, phase [, timeout_ms]) → {} once seen */
static int handle_wait_event(lua_State *L) {
    struct handle *h = check_handle(L);
    const char *loader = luaL_checkstring(L, 2);
    const char *name = luaL_checkstring(L, 3);
    const char *phase = luaL_checkstring(L, 4);
    int64_t timeout_ms = (int64_t)luaL_optinteger(L, 5, 0);
    struct failure f = {0};
    struct call *c;
    task_check_parkable(L);
    c = call_new(L, h->page, phase, timeout_ms);
    if (browser_seen(h->page, loader, name)) {
        call_free(c);
        flush_notes(task_from_lua(L), h->page, &f);
        if (f.kind != FAILURE_NONE) return core_raise_failure(L, &f);
        lua_newtable(L);
        return 1;
    }
    c->reply = NULL;
    c->op = browser_wait_event(h->page, loader, name, call_done, c, &f);
    if (!c->op) {
        call_free(c);
        return core_raise_failure(L, &f);
    }
    return park(L, c);
}

/* h:_status(request_id) → HTTP status of that request, 0 if unknown */
static int handle_status(lua_State *L) {
    struct handle *h = check_handle(L);
    lua_pushinteger(L, browser_request_status(h->page, luaL_checkstring(L, 2)));
    return 1;
}

/* h:_console() / h:_requests() → the page's log, as text */
static int handle_text(lua_State *L) {
    struct handle *h = check_handle(L);
    struct buf out;
    buf_init(&out, 0);
    if (lua_toboolean(L, lua_upvalueindex(1)))
        browser_requests(h->page, &out);
    else
        browser_console(h->page, &out);
    lua_pushlstring(L, out.data ? out.data : "", out.len);
    buf_free(&out);
    return 1;
}

/* ---- files ---- */

static int b64_value(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* browser._unbase64(text) → bytes (screenshots arrive as base64) */
static int browser_unbase64(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    luaL_Buffer b;
    unsigned acc = 0;
    int bits = 0;
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) continue; /* padding, line breaks */
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            luaL_addchar(&b, (char)((acc >> bits) & 0xff));
        }
    }
    luaL_pushresult(&b);
    return 1;
}

/* browser._write(path, bytes) → path; raises when it cannot */
static int browser_write(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
        int err = errno;
        if (fp) fclose(fp);
        return luaL_error(L, "page:screenshot: cannot write %s: %s", path, strerror(err));
    }
    lua_settop(L, 1);
    return 1;
}

/* browser._save(what, data) → the artifact's path, or nil without --artifacts */
static int browser_save(lua_State *L) {
    struct task *t = task_from_lua(L);
    const struct engine *e = task_engine(t);
    const char *what = luaL_checkstring(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    struct failure f = {0};
    char path[4096];
    if (!e->opt->artifacts_dir) return 0;
    if (artifacts_save(t, e->opt->artifacts_dir, task_scenario(t), task_step(t), what, data, len, path, sizeof path,
                       &f) != 0) {
        fprintf(stderr, "telltale: %s\n", f.message); /* a lost artifact must not fail the check */
        failure_clear(&f);
        return 0;
    }
    lua_pushstring(L, path);
    return 1;
}

static int browser_artifacts(lua_State *L) {
    lua_pushboolean(L, task_engine(task_from_lua(L))->opt->artifacts_dir != NULL);
    return 1;
}

/* browser._jar() → Netscape lines of the scenario's HTTP cookie jar */
static int browser_jar(lua_State *L) {
    http_lua_jar_push(L);
    return 1;
}

/* browser._jar_add(line): one Netscape line into the jar */
static int browser_jar_add(lua_State *L) {
    http_lua_jar_add(L, luaL_checkstring(L, 1));
    return 0;
}

/* ---- browser.page: lib/browser.lua, loaded on first use ---- */

static int page_k(lua_State *L, int status, lua_KContext ctx) {
    (void)status;
    (void)ctx;
    return lua_gettop(L);
}

static int browser_page(lua_State *L) {
    int nargs = lua_gettop(L);
    if (lua_getfield(L, LUA_REGISTRYINDEX, LIB_KEY) != LUA_TTABLE) { /* args..., nil */
        lua_pop(L, 1);                                               /* args... */
        lua_getfield(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);       /* args..., preload */
        lua_getfield(L, -1, "telltale.browser");                     /* args..., preload, loader */
        lua_remove(L, -2);                                           /* args..., loader */
        lua_call(L, 0, 1);                                           /* args..., lib */
        lua_pushvalue(L, -1);                                        /* args..., lib, lib */
        lua_setfield(L, LUA_REGISTRYINDEX, LIB_KEY);                 /* args..., lib */
    }
    lua_getfield(L, -1, "page"); /* args..., lib, page */
    lua_remove(L, -2);           /* args..., page */
    lua_insert(L, 1);            /* page, args... */
    lua_callk(L, nargs, LUA_MULTRET, 0, page_k);
    return page_k(L, LUA_OK, 0);
}

int luaopen_browser(lua_State *L) {
    static const luaL_Reg methods[] = {{"_send", handle_send},
                                       {"_wait_event", handle_wait_event},
                                       {"_status", handle_status},
                                       {"_flush", handle_flush},
                                       {"_context", handle_context},
                                       {"close", handle_close},
                                       {NULL, NULL}};
    static const luaL_Reg funcs[] = {
        {"page", browser_page},    {"_open", browser_open},       {"_unbase64", browser_unbase64},
        {"_write", browser_write}, {"_save", browser_save},       {"_artifacts", browser_artifacts},
        {"_jar", browser_jar},     {"_jar_add", browser_jar_add}, {NULL, NULL}};
    luaL_newmetatable(L, PAGE_MT);       /* mt */
    luaL_newlib(L, methods);             /* mt, methods */
    lua_pushboolean(L, 0);               /* mt, methods, false */
    lua_pushcclosure(L, handle_text, 1); /* mt, methods, console */
    lua_setfield(L, -2, "_console");     /* mt, methods */
    lua_pushboolean(L, 1);               /* mt, methods, true */
    lua_pushcclosure(L, handle_text, 1); /* mt, methods, requests */
    lua_setfield(L, -2, "_requests");    /* mt, methods */
    lua_setfield(L, -2, "__index");      /* mt */
    lua_pushcfunction(L, handle_close);  /* mt, close */
    lua_setfield(L, -2, "__gc");         /* mt */
    lua_pushcfunction(L, handle_close);  /* mt, close */
    lua_setfield(L, -2, "__close");      /* mt */
    lua_pop(L, 1);                       /* */
    luaL_newlib(L, funcs);               /* browser */
    return 1;
}
