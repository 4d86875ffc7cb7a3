/* core_lua.c — failures, durations and the scenario globals; see core_lua.h. */
#include "core_lua.h"

#include <ctype.h>

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "duration.h"
#include "engine.h"
#include "loop.h"
#include "opts.h"
#include "redact.h"
#include "sched.h"
#include "xalloc.h"

#define FAILURE_MT "telltale.failure"

/* ---- failure objects ---- */

static void set_string_field(lua_State *L, const char *key, const char *value) {
    if (!value) return;
    lua_pushstring(L, value); /* ..., t, value */
    lua_setfield(L, -2, key); /* ..., t */
}

void core_push_failure(lua_State *L, const struct failure *f) {
    lua_createtable(L, 0, 5); /* ..., t */
    set_string_field(L, "kind", failure_kind_name(f->kind));
    set_string_field(L, "message", f->message ? f->message : "");
    set_string_field(L, "detail", f->detail);
    set_string_field(L, "phase", f->phase);
    set_string_field(L, "where", f->where);
    luaL_setmetatable(L, FAILURE_MT);
}

int core_raise_failure(lua_State *L, struct failure *f) {
    core_push_failure(L, f);
    failure_clear(f);
    return lua_error(L);
}

int core_raise(lua_State *L, enum failure_kind kind, const char *fmt, ...) {
    struct failure f = {0};
    struct buf b;
    va_list ap;
    buf_init(&b, 0);
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    failure_set(&f, kind, "%s", buf_str(&b));
    buf_free(&b);
    return core_raise_failure(L, &f);
}

static char *string_field(lua_State *L, int idx, const char *key) {
    char *s = NULL;
    lua_getfield(L, idx, key); /* ..., v */
    if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)
        s = xstrdup(lua_tostring(L, -1));
    else if (!lua_isnil(L, -1))
        s = xstrdup(luaL_tolstring(L, -1, NULL)), lua_pop(L, 1);
    lua_pop(L, 1); /* ... */
    return s;
}

int core_to_failure(lua_State *L, int idx, struct failure *f) {
    char *kind;
    idx = lua_absindex(L, idx);
    int same;
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx)) return 0; /* ..., mt */
    luaL_getmetatable(L, FAILURE_MT);                                /* ..., mt, FAILURE_MT */
    same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2); /* ... */
    if (!same) return 0;
    failure_clear(f);
    kind = string_field(L, idx, "kind");
    f->kind = kind ? failure_kind_from_name(kind) : FAILURE_SCRIPT;
    if (f->kind == FAILURE_NONE) f->kind = FAILURE_SCRIPT;
    free(kind);
    f->message = string_field(L, idx, "message");
    if (!f->message) f->message = xstrdup("");
    f->detail = string_field(L, idx, "detail");
    f->phase = string_field(L, idx, "phase");
    f->where = string_field(L, idx, "where");
    return 1;
}

static int failure_tostring(lua_State *L) {
    struct failure f = {0};
    struct buf b;
    core_to_failure(L, 1, &f);
    buf_init(&b, 0);
    buf_printf(&b, "[%s] %s", failure_kind_name(f.kind), f.message ? f.message : "");
    if (f.where) buf_printf(&b, " (%s)", f.where);
    lua_pushstring(L, buf_str(&b));
    buf_free(&b);
    failure_clear(&f);
    return 1;
}

/* ---- durations ---- */

static int64_t to_duration(lua_State *L, int idx, const char *what) {
    struct failure f = {0};
    int64_t ms;
    if (lua_type(L, idx) == LUA_TNUMBER) {
        if (duration_from_seconds(lua_tonumber(L, idx), &ms, &f) == 0) return ms;
    } else if (lua_type(L, idx) == LUA_TSTRING) {
        if (duration_parse(lua_tostring(L, idx), &ms, &f) == 0) return ms;
    } else {
        failure_set(&f, FAILURE_SCRIPT, "duration expected (seconds or a string like \"5s\"), got %s",
                    luaL_typename(L, idx));
    }
    lua_pushstring(L, f.message); /* +1: Lua keeps the text while f is freed */
    failure_clear(&f);
    return luaL_error(L, "%s: %s", what, lua_tostring(L, -1));
}

int64_t core_check_duration(lua_State *L, int arg) {
    char what[32];
    snprintf(what, sizeof what, "bad argument #%d", arg);
    return to_duration(L, arg, what);
}

int64_t core_opt_duration_field(lua_State *L, int table, const char *field, int64_t def) {
    int64_t ms = def;
    char what[96];
    lua_getfield(L, table, field); /* ..., v */
    if (!lua_isnil(L, -1)) {
        snprintf(what, sizeof what, "option '%s'", field);
        ms = to_duration(L, -1, what);
    }
    lua_pop(L, 1); /* ... */
    return ms;
}

/* ---- globals ---- */

/* fail(message [, detail]) — fail the step with kind `assertion`. */
static int core_fail(lua_State *L) {
    struct failure f = {0};
    failure_set(&f, FAILURE_ASSERTION, "%s", luaL_optstring(L, 1, "failed"));
    if (!lua_isnoneornil(L, 2)) failure_set_detail(&f, luaL_tolstring(L, 2, NULL));
    return core_raise_failure(L, &f);
}

/* telltale.failure(kind, message [, detail]) — a failure object, not raised:
 * lib/ builds on it. */
static int core_failure(lua_State *L) {
    struct failure f = {0};
    const char *kind = luaL_checkstring(L, 1);
    enum failure_kind k = failure_kind_from_name(kind);
    if (k == FAILURE_NONE) return luaL_argerror(L, 1, lua_pushfstring(L, "unknown failure kind '%s'", kind));
    failure_set(&f, k, "%s", luaL_checkstring(L, 2));
    if (!lua_isnoneornil(L, 3)) failure_set_detail(&f, luaL_tolstring(L, 3, NULL));
    core_push_failure(L, &f);
    failure_clear(&f);
    return 1;
}

static int core_is_failure(lua_State *L) {
    struct failure f = {0};
    lua_pushboolean(L, core_to_failure(L, 1, &f));
    failure_clear(&f);
    return 1;
}

/* telltale.duration(d) → milliseconds */
static int core_duration(lua_State *L) {
    lua_pushinteger(L, (lua_Integer)core_check_duration(L, 1));
    return 1;
}

/* telltale.format_duration(ms) → "1.5s", "3h05m", "8 days" */
static int core_format_duration(lua_State *L) {
    char out[32];
    duration_format((int64_t)luaL_checknumber(L, 1), out, sizeof out);
    lua_pushstring(L, out);
    return 1;
}

/* telltale.remaining() → ms left before the running step's deadline */
static int core_remaining(lua_State *L) {
    lua_pushinteger(L, (lua_Integer)task_remaining_ms(L));
    return 1;
}

/* telltale.now() → monotonic ms, for measuring inside a scenario */
static int core_now(lua_State *L) {
    lua_pushinteger(L, (lua_Integer)loop_clock_ms());
    return 1;
}

struct sleep_op {
    struct loop_timer timer;
    struct task *task;
    int64_t ms;
};

static void sleep_fired(struct loop *loop, struct loop_timer *timer) {
    struct sleep_op *op = timer->data;
    (void)loop;
    task_wake(op->task);
}

static void sleep_cancel(void *data) {
    struct sleep_op *op = data;
    loop_timer_stop(task_engine(op->task)->loop, &op->timer);
    free(op);
}

static void sleep_describe(void *data, struct buf *out) {
    struct sleep_op *op = data;
    char d[32];
    duration_format(op->ms, d, sizeof d);
    buf_printf(out, "sleeping %s", d);
}

static int sleep_done(lua_State *L, int status, lua_KContext ctx) {
    (void)L;
    (void)status;
    free((struct sleep_op *)ctx);
    return 0;
}

/* sleep(d) — wait without blocking other scenarios. */
static int core_sleep(lua_State *L) {
    int64_t ms = core_check_duration(L, 1);
    struct task *t = task_from_lua(L);
    struct sleep_op *op;
    task_check_parkable(L);
    op = xcalloc(1, sizeof *op);
    op->task = t;
    op->ms = ms;
    loop_timer_init(&op->timer, sleep_fired, op);
    loop_timer_start(task_engine(t)->loop, &op->timer, loop_clock_ms() + (uint64_t)ms);
    struct task_wait w = {sleep_cancel, sleep_describe, op};
    return task_park(L, &w, (lua_KContext)op, sleep_done);
}

/* log(...) — attach a line to the running step in every report. */
static int core_log(lua_State *L) {
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, ' ');
        luaL_tolstring(L, i, NULL); /* ..., s */
        luaL_addvalue(&b);          /* ... */
    }
    luaL_pushresult(&b); /* ..., line */
    task_log(task_from_lua(L), lua_tostring(L, -1));
    return 0;
}

/* unique(prefix) → "prefix-<run id><n>": unique to this run, safe in URLs,
 * e-mail local parts and SQL identifiers. */
static int core_unique(lua_State *L) {
    static unsigned long counter;
    const char *prefix = luaL_optstring(L, 1, "tt");
    struct engine *e = task_engine(task_from_lua(L));
    lua_pushfstring(L, "%s-%s%d", prefix, e->run_id, (int)(++counter % 1000000000UL));
    return 1;
}

/* secret(value) → value, remembered so it is redacted from every output. */
static int core_secret(lua_State *L) {
    redact_add_secret(luaL_checkstring(L, 1));
    lua_settop(L, 1);
    return 1;
}

static int env_index(lua_State *L) {
    const char *name = luaL_checkstring(L, 2);
    const char *value = getenv(name);
    if (!value) return 0;
    if (redact_name_is_secret(name)) redact_add_secret(value);
    lua_pushstring(L, value);
    return 1;
}

static int env_newindex(lua_State *L) { return luaL_error(L, "env is read-only"); }

/* json.null and db.null are the NULL light userdata: show them as what they
 * stand for, in log lines, messages and tostring(), not "userdata: (nil)". */
static int lightuserdata_tostring(lua_State *L) {
    void *p = lua_touserdata(L, 1);
    if (p)
        lua_pushfstring(L, "userdata: %p", p);
    else
        lua_pushliteral(L, "null");
    return 1;
}

static const luaL_Reg globals[] = {
    {"fail", core_fail}, {"sleep", core_sleep},   {"secret", core_secret},
    {"log", core_log},   {"unique", core_unique}, {NULL, NULL},
};

static const luaL_Reg telltale_funcs[] = {
    {"failure", core_failure},
    {"is_failure", core_is_failure},
    {"duration", core_duration},
    {"remaining", core_remaining},
    {"now", core_now},
    {"format_duration", core_format_duration},
    {NULL, NULL},
};

/* ---- header tables ---- */

#define HEADERS_MT "telltale.headers"

static int headers_index(lua_State *L) {
    size_t len;
    const char *key = luaL_checklstring(L, 2, &len);
    char lower[256];
    if (len >= sizeof lower) return 0;
    for (size_t i = 0; i <= len; i++) lower[i] = (char)tolower((unsigned char)key[i]);
    lua_pushstring(L, lower); /* t, key, lower */
    lua_rawget(L, 1);         /* t, key, value */
    return 1;
}

void core_headers_new(lua_State *L, int n) {
    lua_createtable(L, 0, n); /* ..., headers */
    luaL_setmetatable(L, HEADERS_MT);
}

void core_headers_add(lua_State *L, const char *name, size_t nlen, const char *value, size_t vlen) {
    char lower[256];
    if (nlen >= sizeof lower) nlen = sizeof lower - 1;
    for (size_t i = 0; i < nlen; i++) lower[i] = (char)tolower((unsigned char)name[i]);
    lua_pushlstring(L, lower, nlen);        /* ..., headers, name */
    lua_pushvalue(L, -1);                   /* ..., headers, name, name */
    if (lua_rawget(L, -3) == LUA_TSTRING) { /* ..., headers, name, old */
        lua_pushliteral(L, ", ");           /* ..., headers, name, old, sep */
        lua_pushlstring(L, value, vlen);    /* ..., headers, name, old, sep, v */
        lua_concat(L, 3);                   /* ..., headers, name, joined */
    } else {
        lua_pop(L, 1);                   /* ..., headers, name */
        lua_pushlstring(L, value, vlen); /* ..., headers, name, v */
    }
    lua_rawset(L, -3); /* ..., headers */
}

void core_open(lua_State *L) {
    luaL_newmetatable(L, HEADERS_MT);    /* mt */
    lua_pushcfunction(L, headers_index); /* mt, index */
    lua_setfield(L, -2, "__index");      /* mt */
    lua_pop(L, 1);                       /* */

    luaL_newmetatable(L, FAILURE_MT);       /* mt */
    lua_pushcfunction(L, failure_tostring); /* mt, fn */
    lua_setfield(L, -2, "__tostring");      /* mt */
    lua_pop(L, 1);                          /* */

    lua_pushlightuserdata(L, NULL);               /* null */
    lua_createtable(L, 0, 1);                     /* null, mt: shared by every light userdata */
    lua_pushcfunction(L, lightuserdata_tostring); /* null, mt, fn */
    lua_setfield(L, -2, "__tostring");            /* null, mt */
    lua_setmetatable(L, -2);                      /* null */
    lua_pop(L, 1);                                /* */

    lua_pushglobaltable(L);       /* _G */
    luaL_setfuncs(L, globals, 0); /* _G */
    lua_pop(L, 1);                /* */

    luaL_newlib(L, telltale_funcs); /* telltale */
    opts_open(L);                   /* telltale */
    lua_setglobal(L, "telltale");   /* */

    lua_newtable(L);                    /* env */
    lua_createtable(L, 0, 2);           /* env, mt */
    lua_pushcfunction(L, env_index);    /* env, mt, fn */
    lua_setfield(L, -2, "__index");     /* env, mt */
    lua_pushcfunction(L, env_newindex); /* env, mt, fn */
    lua_setfield(L, -2, "__newindex");  /* env, mt */
    lua_setmetatable(L, -2);            /* env */
    lua_setglobal(L, "env");            /* */
}
