/* db_lua.c — Lua binding of the PostgreSQL driver; see db_lua.h.
 *
 * A query follows the sched recipe: check arguments (misuse raises), turn
 * the parameters into text, submit to the DSN's pool, park; the
 * continuation raises the failure or converts the rows.  Each query's
 * statement_timeout is the step's remaining time less a margin, so a slow
 * query ends on the server with a clear `timeout` before the step deadline
 * has to cut it off. */
#include "db_lua.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_lua.h"
#include "db.h"
#include "engine.h"
#include "json.h"
#include "opts.h"
#include "redact.h"
#include "trace.h"
#include "sched.h"
#include "xalloc.h"

#define HANDLE_MT "telltale.db.handle"
#define MAX_PARAMS 100

struct handle {
    struct db_pool *pool;
    bool write;
};

struct op {
    struct task *task;
    struct db_query *q;
    char *trace; /* statement and parameters, when --trace */
};

static void op_free(struct op *op) {
    db_query_free(op->q);
    free(op->trace);
    free(op);
}

/* ---- Lua values → query parameters ---- */

static const char *param_text(lua_State *L, int idx, int n) {
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return NULL;
    case LUA_TLIGHTUSERDATA:
        if (json_is_null(L, idx)) return NULL;
        break;
    case LUA_TBOOLEAN: return lua_toboolean(L, idx) ? "true" : "false";
    case LUA_TNUMBER: return lua_tostring(L, idx);
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        /* libpq sends text parameters as C strings: the rest would be lost. */
        if (strlen(s) != len)
            luaL_error(L, "query parameter $%d contains a NUL byte (at offset %d): PostgreSQL text cannot hold one", n,
                       (int)strlen(s));
        return s;
    }
    case LUA_TTABLE: {
        char err[200];
        struct buf b;
        buf_init(&b, 0);
        if (json_encode(L, idx, &b, err, sizeof err) != 0) {
            buf_free(&b);
            luaL_error(L, "query parameter $%d: %s", n, err);
        }
        lua_pushlstring(L, buf_str(&b), b.len); /* kept on the stack until the query is built */
        lua_replace(L, idx);
        buf_free(&b);
        return lua_tostring(L, idx);
    }
    default: break;
    }
    luaL_error(L, "query parameter $%d: cannot send a %s", n, luaL_typename(L, idx));
    return NULL;
}

/* ---- result rows → Lua ---- */

enum {
    OID_BOOL = 16,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_OID = 26,
    OID_JSON = 114,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_DATE = 1082,
    OID_TIMESTAMP = 1114,
    OID_TIMESTAMPTZ = 1184,
    OID_NUMERIC = 1700,
    OID_JSONB = 3802
};

static Oid element_oid(Oid array) {
    switch (array) {
    case 1000: return OID_BOOL;
    case 1005: return OID_INT2;
    case 1007: return OID_INT4;
    case 1016: return OID_INT8;
    case 1021: return OID_FLOAT4;
    case 1022: return OID_FLOAT8;
    case 1231: return OID_NUMERIC;
    case 199: return OID_JSON;
    case 3807: return OID_JSONB;
    case 1182: return OID_DATE;
    case 1115: return OID_TIMESTAMP;
    case 1185: return OID_TIMESTAMPTZ;
    case 1009: /* text[] */
    case 1015: /* varchar[] */
    case 2951: /* uuid[] */ return 25;
    default: return 0;
    }
}

/* numeric: an integer when it is one and fits, a float when the float is
 * exact (15 digits or fewer), else the string: no digit is silently lost. */
static void push_numeric(lua_State *L, const char *s) {
    bool integral = strpbrk(s, ".eEN") == NULL;
    size_t digits = 0;
    for (const char *p = s; *p; p++) digits += (*p >= '0' && *p <= '9');
    if ((integral || digits <= 15) && lua_stringtonumber(L, s) != 0) { /* ..., n */
        if (!integral || lua_isinteger(L, -1)) return;
        lua_pop(L, 1); /* integral but past 64 bits: Lua made it a float */
    }
    lua_pushstring(L, s);
}

/* "2026-11-29 01:15:07.123+00" → "2026-11-29T01:15:07.123+00:00" */
static void push_timestamp(lua_State *L, const char *s) {
    char out[64];
    size_t n = strlen(s);
    if (n >= sizeof out - 4) {
        lua_pushstring(L, s);
        return;
    }
    memcpy(out, s, n + 1);
    if (n > 10 && out[10] == ' ') out[10] = 'T';
    /* A zone of "+HH" gets its minutes, as ISO-8601 wants. */
    if (n > 3 && (out[n - 3] == '+' || out[n - 3] == '-') && n > 19) {
        memcpy(out + n, ":00", 4);
    }
    lua_pushstring(L, out);
}

static void push_value(lua_State *L, Oid type, const char *s, size_t len);

/* Postgres array text: {1,2,"a b",NULL,{nested}} → a Lua list. */
static const char *push_array(lua_State *L, Oid elem, const char *p) {
    lua_Integer n = 0;
    lua_newtable(L); /* ..., list */
    if (*p == '{') p++;
    while (*p && *p != '}') {
        if (*p == '{') {
            p = push_array(L, elem, p); /* ..., list, sub */
        } else if (*p == '"') {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1]) p++;
                luaL_addchar(&b, *p);
            }
            if (*p == '"') p++;
            luaL_pushresult(&b); /* ..., list, text */
            const char *text = lua_tostring(L, -1);
            push_value(L, elem, text, strlen(text)); /* ..., list, text, value */
            lua_remove(L, -2);                       /* ..., list, value */
        } else {
            const char *start = p;
            while (*p && *p != ',' && *p != '}') p++;
            size_t len = (size_t)(p - start);
            if (len == 4 && strncmp(start, "NULL", 4) == 0) {
                json_push_null(L);
            } else {
                char *item = xstrndup(start, len);
                push_value(L, elem, item, len);
                free(item);
            }
        }
        lua_rawseti(L, -2, ++n); /* ..., list */
        if (*p == ',') p++;
    }
    return *p == '}' ? p + 1 : p;
}

static void push_value(lua_State *L, Oid type, const char *s, size_t len) {
    char err[200];
    Oid elem;
    switch (type) {
    case OID_BOOL: lua_pushboolean(L, s[0] == 't'); return;
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
        if (lua_stringtonumber(L, s) == 0) lua_pushstring(L, s);
        return;
    case OID_FLOAT4:
    case OID_FLOAT8:
        if (lua_stringtonumber(L, s) == 0) lua_pushstring(L, s); /* NaN, Infinity */
        return;
    case OID_NUMERIC: push_numeric(L, s); return;
    case OID_JSON:
    case OID_JSONB:
        if (json_decode(L, s, len, err, sizeof err) != 0) lua_pushlstring(L, s, len);
        return;
    case OID_TIMESTAMP:
    case OID_TIMESTAMPTZ: push_timestamp(L, s); return;
    default:
        elem = element_oid(type);
        if (elem && s[0] == '{') {
            push_array(L, elem, s);
            return;
        }
        lua_pushlstring(L, s, len);
    }
}

/* rows: a list of {column = value}, plus rows.columns and rows.affected;
 * the final result r has the columns and the status, rows[] the rows. */
static void push_rows(lua_State *L, PGresult *r, struct db_row *const *rows, size_t nrows) {
    int ncols = PQnfields(r);
    const char *affected = PQcmdTuples(r);
    lua_createtable(L, (int)nrows, 2); /* rows */
    lua_createtable(L, ncols, 0);      /* rows, columns */
    for (int c = 0; c < ncols; c++) {
        lua_pushstring(L, PQfname(r, c)); /* rows, columns, name */
        lua_rawseti(L, -2, c + 1);        /* rows, columns */
    }
    lua_setfield(L, -2, "columns"); /* rows */
    if (affected && *affected) {
        lua_pushinteger(L, strtoll(affected, NULL, 10)); /* rows, n */
        lua_setfield(L, -2, "affected");                 /* rows */
    }
    for (size_t i = 0; i < nrows; i++) {
        lua_createtable(L, 0, ncols); /* rows, row */
        for (int c = 0; c < ncols; c++) {
            size_t len = 0;
            const char *v = db_row_value(rows[i], ncols, c, &len);
            if (!v)
                json_push_null(L); /* rows, row, null */
            else
                push_value(L, PQftype(r, c), v, len); /* rows, row, v */
            lua_setfield(L, -2, PQfname(r, c));       /* rows, row */
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1); /* rows */
    }
}

/* ---- queries ---- */

static void op_done(struct db_query *q, void *data) {
    struct op *op = data;
    (void)q;
    task_wake(op->task);
}

static void op_cancel(void *data) {
    struct op *op = data;
    db_cancel(op->q);
    op_free(op);
}

static void op_describe(void *data, struct buf *out) { db_query_describe(((struct op *)data)->q, out); }

/* --trace: the statement, its parameters and how long it took. */
static void trace(struct op *op) {
    const struct failure *f = db_query_failure(op->q);
    char label[300], prefix[100];
    if (!op->trace) return;
    snprintf(label, sizeof label, "%s/%s", task_scenario(op->task), task_step(op->task));
    snprintf(prefix, sizeof prefix, "SQL %lldms %s: ", (long long)db_query_duration_ms(op->q),
             f->kind == FAILURE_NONE ? "ok" : failure_kind_name(f->kind));
    trace_print(label, prefix, op->trace, strlen(op->trace));
}

static int query_continue(lua_State *L, int status, lua_KContext ctx) {
    struct op *op = (struct op *)ctx;
    const struct failure *f = db_query_failure(op->q);
    (void)status;
    trace(op);
    if (f->kind != FAILURE_NONE) {
        struct failure copy = {0};
        failure_copy(&copy, f);
        op_free(op);
        return core_raise_failure(L, &copy);
    }
    struct db_row *const *rows;
    size_t nrows = db_query_rows(op->q, &rows);
    push_rows(L, db_query_result(op->q), rows, nrows);
    op_free(op);
    return 1;
}

static int run_query(lua_State *L, bool write) {
    struct handle *h = luaL_checkudata(L, 1, HANDLE_MT);
    const char *sql = luaL_checkstring(L, 2);
    int nparams = lua_gettop(L) - 2;
    const char *params[MAX_PARAMS];
    struct op *op;
    int64_t remaining, timeout;

    if (nparams > MAX_PARAMS) return luaL_error(L, "too many query parameters (at most %d)", MAX_PARAMS);
    if (write && !h->write)
        return luaL_error(L, "h:exec writes, so it needs a handle opened with { write = true }: "
                             "db.connect{ dsn = ..., write = true }");
    task_check_parkable(L);
    for (int i = 0; i < nparams; i++) params[i] = param_text(L, i + 3, i + 1);
    /* Leave the step 100 ms (or half of what is left) to report the
     * server's own timeout instead of being cut off. */
    remaining = task_remaining_ms(L);
    timeout = remaining > 200 ? remaining - 100 : (remaining / 2 > 0 ? remaining / 2 : 1);
    op = xcalloc(1, sizeof *op);
    op->task = task_from_lua(L);
    op->q = db_query_new(sql, nparams, params, write, timeout, task_engine(op->task)->opt->max_body, op_done, op);
    if (task_engine(op->task)->opt->trace) {
        struct buf b;
        buf_init(&b, 0);
        buf_puts(&b, sql);
        for (int i = 0; i < nparams; i++)
            buf_printf(&b, "%s$%d=%s", i ? ", " : " [", i + 1, params[i] ? params[i] : "NULL");
        if (nparams) buf_puts(&b, "]");
        op->trace = buf_take(&b);
    }
    db_submit(h->pool, op->q);
    struct task_wait w = {op_cancel, op_describe, op};
    return task_park(L, &w, (lua_KContext)op, query_continue);
}

/* h:query(sql, ...) → rows, in a READ ONLY transaction */
static int handle_query(lua_State *L) { return run_query(L, false); }

/* h:exec(sql, ...) → rows (rows.affected), in a read-write transaction */
static int handle_exec(lua_State *L) { return run_query(L, true); }

/* ---- connecting ---- */

/* db.connect(dsn) or db.connect{ dsn = | host =, port =, dbname =, user =,
 * password =, pool = 4, write = false } */
static int db_connect(lua_State *L) {
    static const char *const keys[] = {
        "host", "port", "dbname", "user", "password", "sslmode", "connect_timeout", "application_name", NULL};
    static const struct opts_spec spec[] = {{"dsn", OPT_STRING, false},
                                            {"host", OPT_STRING | OPT_INTEGER, false},
                                            {"port", OPT_STRING | OPT_INTEGER, false},
                                            {"dbname", OPT_STRING, false},
                                            {"user", OPT_STRING, false},
                                            {"password", OPT_STRING, false},
                                            {"sslmode", OPT_STRING, false},
                                            {"connect_timeout", OPT_STRING | OPT_INTEGER, false},
                                            {"application_name", OPT_STRING, false},
                                            {"pool", OPT_INTEGER, false},
                                            {"write", OPT_BOOLEAN, false},
                                            {NULL, 0, false}};
    struct failure f = {0};
    struct handle *h;
    struct buf dsn;
    int pool = DB_DEFAULT_POOL, opts = 0;
    bool write = false;

    /* db.connect(dsn [, opts]) works like http.get(url [, opts]): the
     * options are those of the table form, added to the string. */
    opts_check_nargs(L, "db.connect", lua_gettop(L), 2);
    if (lua_type(L, 1) == LUA_TSTRING) {
        if (!lua_isnoneornil(L, 2)) {
            opts = 2;
            opts_check(L, 2, "db.connect", spec);
            if (lua_getfield(L, 2, "dsn") != LUA_TNIL) /* ..., dsn */
                return luaL_error(L, "db.connect: give the dsn once (first argument or option 'dsn', not both)");
            lua_pop(L, 1); /* ... */
        }
    } else {
        luaL_checktype(L, 1, LUA_TTABLE);
        opts_check_nargs(L, "db.connect{...}", lua_gettop(L), 1);
        opts_check(L, 1, "db.connect", spec);
        opts = 1;
    }
    if (opts && lua_getfield(L, opts, "pool") != LUA_TNIL) { /* ..., pool */
        if (lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 100)
            return luaL_error(L, "db.connect: option 'pool' must be an integer 1..100");
        pool = (int)lua_tointeger(L, -1);
    }
    lua_settop(L, opts ? opts : 1);
    buf_init(&dsn, 0); /* nothing raises from here on */
    if (opts == 2 || opts == 0) buf_puts(&dsn, lua_tostring(L, 1));
    if (opts == 1 && lua_getfield(L, 1, "dsn") == LUA_TSTRING) buf_puts(&dsn, lua_tostring(L, -1)); /* ..., dsn */
    lua_settop(L, opts ? opts : 1);
    for (const char *const *k = keys; opts && *k; k++) {
        if (lua_getfield(L, opts, *k) != LUA_TNIL) { /* ..., v */
            const char *v = lua_tostring(L, -1);
            if (strcmp(*k, "password") == 0) redact_add_secret(v);
            buf_printf(&dsn, "%s%s='", dsn.len ? " " : "", *k);
            for (const char *p = v; *p; p++) {
                if (*p == '\'' || *p == '\\') buf_puts(&dsn, "\\");
                buf_append(&dsn, p, 1);
            }
            buf_puts(&dsn, "'");
        }
        lua_pop(L, 1); /* ... */
    }
    if (opts) {
        lua_getfield(L, opts, "write"); /* ..., write */
        write = lua_toboolean(L, -1);
        lua_pop(L, 1); /* ... */
    }
    struct db_pool *p = db_pool_get(task_engine(task_from_lua(L))->loop, buf_str(&dsn), pool, &f);
    buf_free(&dsn);
    if (!p) return core_raise_failure(L, &f);
    h = lua_newuserdatauv(L, sizeof *h, 0); /* ..., h */
    h->pool = p;
    h->write = write;
    luaL_setmetatable(L, HANDLE_MT);
    return 1;
}

static int handle_connections(lua_State *L) {
    struct handle *h = luaL_checkudata(L, 1, HANDLE_MT);
    lua_pushinteger(L, db_pool_open_connections(h->pool));
    return 1;
}

int luaopen_db(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"query", handle_query}, {"exec", handle_exec}, {"connections", handle_connections}, {NULL, NULL}};
    static const luaL_Reg funcs[] = {{"connect", db_connect}, {NULL, NULL}};
    luaL_newmetatable(L, HANDLE_MT); /* mt */
    luaL_newlib(L, methods);         /* mt, methods */
    lua_pushvalue(L, -1);            /* mt, methods, methods */
    lua_setfield(L, -3, "__index");  /* mt, methods */
    luaL_newlib(L, funcs);           /* mt, methods, db */
    lua_insert(L, -2);               /* mt, db, methods */
    lua_setfield(L, -2, "_methods"); /* mt, db: lib/db.lua adds one, value, wait, fresh */
    json_push_null(L);               /* mt, db, null */
    lua_setfield(L, -2, "null");     /* mt, db */
    lua_remove(L, -2);               /* db */
    return 1;
}
