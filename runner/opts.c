/* opts.c — the options checker; see opts.h.
 *
 * Errors are plain Lua strings with the caller's file:line in front, like
 * luaL_error's: the scheduler turns them into kind `script` with a
 * traceback, and check reports them with the line to fix. */
#include "opts.h"

#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "duration.h"
#include "redact.h"
#include "size.h"

#define MAX_NAME 48 /* longest option name telltale.options accepts */
#define SHOWN 40    /* characters of a wrong string value quoted back */

/* Raise "where: message" at the given level; never returns. */
static int raise_at(lua_State *L, int level, struct buf *msg) {
    luaL_where(L, level);            /* ..., where */
    lua_pushstring(L, buf_str(msg)); /* ..., where, msg */
    buf_free(msg);
    lua_concat(L, 2); /* ..., "where: msg" */
    return lua_error(L);
}

static const struct {
    unsigned bit;
    const char *name; /* for telltale.options' spec strings */
    const char *text; /* for messages */
} types[] = {
    {OPT_STRING, "string", "a string"},
    {OPT_NUMBER, "number", "a number"},
    {OPT_INTEGER, "integer", "an integer"},
    {OPT_BOOLEAN, "boolean", "a boolean"},
    {OPT_TABLE, "table", "a table"},
    {OPT_FUNCTION, "function", "a function"},
    {OPT_DURATION, "duration", "a duration (\"5s\", \"250ms\" or seconds)"},
    {OPT_SIZE, "size", "a size (bytes, or \"512k\", \"10M\")"},
    {OPT_LIST, "list", "a list of strings"},
    {OPT_PATTERN, "pattern", "{ pattern = \"...\" }"},
    {OPT_ANY, "any", "a value"},
};
#define NTYPES (sizeof types / sizeof types[0])

static void describe_type(struct buf *out, unsigned type) {
    size_t shown = 0, total = 0;
    for (size_t i = 0; i < NTYPES; i++) total += (type & types[i].bit) != 0;
    for (size_t i = 0; i < NTYPES; i++) {
        if (!(type & types[i].bit)) continue;
        if (shown) buf_puts(out, shown + 1 == total ? " or " : ", ");
        buf_puts(out, types[i].text);
        shown++;
    }
}

/* "string \"false\"", "number 3", "table": what the value was.  Values of
 * keys that look like credentials are never quoted back. */
static void describe_value(lua_State *L, int idx, const char *name, struct buf *out) {
    int t = lua_type(L, idx);
    idx = lua_absindex(L, idx);
    buf_puts(out, lua_typename(L, t));
    if (redact_name_is_secret(name)) return;
    if (t == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        buf_puts(out, " \"");
        for (size_t i = 0; i < len && i < SHOWN; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '"' || c == '\\')
                buf_printf(out, "\\%c", c);
            else if (c < 0x20 || c == 0x7f)
                buf_printf(out, "\\x%02x", c);
            else
                buf_append(out, s + i, 1);
        }
        buf_puts(out, len > SHOWN ? "...\"" : "\"");
    } else if (t == LUA_TNUMBER || t == LUA_TBOOLEAN) {
        buf_printf(out, " %s", t == LUA_TBOOLEAN ? (lua_toboolean(L, idx) ? "true" : "false") : lua_tostring(L, idx));
    }
}

static bool is_string_list(lua_State *L, int idx) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx), count = 0;
    lua_pushnil(L);            /* ..., nil */
    while (lua_next(L, idx)) { /* ..., k, v */
        bool ok = lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 && lua_tointeger(L, -2) <= n &&
                  lua_type(L, -1) == LUA_TSTRING;
        lua_pop(L, 1); /* ..., k */
        if (!ok) {
            lua_pop(L, 1); /* ... */
            return false;
        }
        count++;
    }
    return count == n;
}

static bool is_pattern(lua_State *L, int idx) {
    bool ok;
    lua_pushnil(L);                      /* ..., nil */
    if (!lua_next(L, idx)) return false; /* ... */
    ok =
        lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "pattern") == 0 && lua_type(L, -1) == LUA_TSTRING;
    lua_pop(L, 1);          /* ..., k */
    if (lua_next(L, idx)) { /* ..., k2, v2: a second key */
        lua_pop(L, 2);      /* ... */
        return false;
    }
    return ok;
}

/* Does the value at idx have one of the types?  On a near miss (a
 * duration string that does not parse) err says why. */
static bool type_ok(lua_State *L, int idx, unsigned type, char *err, size_t errlen) {
    int t = lua_type(L, idx);
    idx = lua_absindex(L, idx);
    int64_t ms;
    size_t bytes;
    err[0] = '\0';
    if (type & OPT_ANY) return true;
    if ((type & OPT_STRING) && t == LUA_TSTRING) return true;
    if ((type & OPT_NUMBER) && t == LUA_TNUMBER) return true;
    if ((type & OPT_INTEGER) && t == LUA_TNUMBER) {
        int isint;
        lua_tointegerx(L, idx, &isint);
        if (isint) return true;
    }
    if ((type & OPT_BOOLEAN) && t == LUA_TBOOLEAN) return true;
    if ((type & OPT_TABLE) && t == LUA_TTABLE) return true;
    if ((type & OPT_FUNCTION) && t == LUA_TFUNCTION) return true;
    if ((type & OPT_LIST) && t == LUA_TTABLE && is_string_list(L, idx)) return true;
    if ((type & OPT_PATTERN) && t == LUA_TTABLE && is_pattern(L, idx)) return true;
    if ((type & OPT_DURATION) && (t == LUA_TNUMBER || t == LUA_TSTRING)) {
        struct failure f = {0};
        bool ok = (t == LUA_TNUMBER ? duration_from_seconds(lua_tonumber(L, idx), &ms, &f)
                                    : duration_parse(lua_tostring(L, idx), &ms, &f)) == 0;
        if (!ok) snprintf(err, errlen, "%s", f.message);
        failure_clear(&f);
        return ok;
    }
    if ((type & OPT_SIZE) && t == LUA_TNUMBER) {
        int isint;
        lua_Integer n = lua_tointegerx(L, idx, &isint);
        return isint && n >= 0;
    }
    if ((type & OPT_SIZE) && t == LUA_TSTRING) return size_parse(lua_tostring(L, idx), &bytes) == 0;
    return false;
}

static const struct opts_spec *find(const struct opts_spec *spec, const char *name) {
    for (; spec->name; spec++)
        if (spec->name[0] == name[0] && strcmp(spec->name, name) == 0) return spec;
    return NULL;
}

static int unknown_key(lua_State *L, int level, const char *what, const struct opts_spec *spec, int key) {
    struct buf msg;
    buf_init(&msg, 0);
    if (lua_type(L, key) == LUA_TSTRING)
        buf_printf(&msg, "unknown %s option '%s'", what, lua_tostring(L, key));
    else
        buf_printf(&msg, "unknown %s option [%s] (options are named)", what, luaL_tolstring(L, key, NULL));
    buf_puts(&msg, " (expected: ");
    for (const struct opts_spec *s = spec; s->name; s++) buf_printf(&msg, "%s%s", s == spec ? "" : ", ", s->name);
    buf_puts(&msg, ")");
    return raise_at(L, level, &msg);
}

void opts_check_at(lua_State *L, int idx, const char *what, const struct opts_spec *spec, int level) {
    char err[200];
    idx = lua_absindex(L, idx);
    if (lua_isnoneornil(L, idx)) {
        for (const struct opts_spec *s = spec; s->name; s++)
            if (s->required) {
                struct buf msg;
                buf_init(&msg, 0);
                buf_printf(&msg, "%s needs options with '%s'", what, s->name);
                raise_at(L, level, &msg);
            }
        return;
    }
    if (!lua_istable(L, idx)) {
        struct buf msg;
        buf_init(&msg, 0);
        buf_printf(&msg, "%s: options must be a table, got %s", what, luaL_typename(L, idx));
        raise_at(L, level, &msg);
    }
    /* One pass over the keys given (a few), not one lookup per option
     * known (a dozen for http.request, on every request).  Unknown keys
     * are reported before wrong types, and the first wrong type in the
     * spec's order, whatever order lua_next takes. */
    const struct opts_spec *bad = NULL;
    lua_pushnil(L);            /* ..., nil */
    while (lua_next(L, idx)) { /* ..., k, v */
        const struct opts_spec *s = lua_type(L, -2) == LUA_TSTRING ? find(spec, lua_tostring(L, -2)) : NULL;
        if (!s) unknown_key(L, level, what, spec, lua_absindex(L, -2));
        if ((!bad || s < bad) && !type_ok(L, -1, s->type, err, sizeof err)) bad = s;
        lua_pop(L, 1); /* ..., k */
    }
    for (const struct opts_spec *s = spec; s->name; s++) {
        if (s != bad && !s->required) continue;
        int t = lua_getfield(L, idx, s->name); /* ..., v */
        if (t == LUA_TNIL && s->required) {
            struct buf msg;
            buf_init(&msg, 0);
            buf_printf(&msg, "%s needs '%s' (", what, s->name);
            describe_type(&msg, s->type);
            buf_puts(&msg, ")");
            raise_at(L, level, &msg);
        }
        if (t != LUA_TNIL && !type_ok(L, -1, s->type, err, sizeof err)) {
            struct buf msg;
            buf_init(&msg, 0);
            buf_printf(&msg, "%s: %s must be ", what, s->name);
            describe_type(&msg, s->type);
            buf_puts(&msg, ", got ");
            describe_value(L, -1, s->name, &msg);
            if (err[0]) buf_printf(&msg, ": %s", err);
            raise_at(L, level, &msg);
        }
        lua_pop(L, 1); /* ... */
    }
}

void opts_check(lua_State *L, int idx, const char *what, const struct opts_spec *spec) {
    opts_check_at(L, idx, what, spec, 1);
}

static void check_nargs_at(lua_State *L, const char *what, int given, int max, int level) {
    struct buf msg;
    if (given <= max) return;
    buf_init(&msg, 0);
    buf_printf(&msg, "%s takes at most %d argument%s, got %d", what, max, max == 1 ? "" : "s", given);
    raise_at(L, level, &msg);
}

void opts_check_nargs(lua_State *L, const char *what, int given, int max) { check_nargs_at(L, what, given, max, 1); }

size_t opts_size_field(lua_State *L, int idx, const char *name, size_t def) {
    size_t n = def;
    int t = lua_getfield(L, idx, name); /* ..., v */
    if (t == LUA_TNUMBER)
        n = (size_t)lua_tointeger(L, -1);
    else if (t == LUA_TSTRING && size_parse(lua_tostring(L, -1), &n) != 0)
        n = def;   /* opts_check refused it already */
    lua_pop(L, 1); /* ... */
    return n;
}

/* ---- telltale.options: the same checker for lib/ ---- */

struct checker {
    char what[64];
    struct opts_spec *spec; /* n + 1 entries, into this same block */
    char (*names)[MAX_NAME];
};

/* checker(opts) — raises at the caller of the lib function that calls it. */
static int checker_call(lua_State *L) {
    struct checker *c = lua_touserdata(L, lua_upvalueindex(1));
    opts_check_at(L, 1, c->what, c->spec, 2);
    return 0;
}

static unsigned parse_types(lua_State *L, const char *s, size_t len) {
    unsigned type = 0;
    while (len > 0) {
        size_t n = 0;
        bool found = false;
        while (n < len && s[n] != '|') n++;
        for (size_t i = 0; i < NTYPES; i++)
            if (strlen(types[i].name) == n && memcmp(types[i].name, s, n) == 0) type |= types[i].bit, found = true;
        if (!found) luaL_error(L, "telltale.options: unknown type '%s'", lua_pushlstring(L, s, n));
        s += n, len -= n;
        if (len > 0) s++, len--; /* the '|' */
    }
    return type;
}

/* telltale.options(what, { "name:type|type", "name:type!", ... }) → checker */
static int opts_options(lua_State *L) {
    const char *what = luaL_checkstring(L, 1);
    size_t n;
    struct checker *c;
    luaL_checktype(L, 2, LUA_TTABLE);
    n = (size_t)lua_rawlen(L, 2);
    c = lua_newuserdatauv(L, sizeof *c + (n + 1) * sizeof *c->spec + n * MAX_NAME, 0); /* ..., c */
    c->spec = (struct opts_spec *)(c + 1);
    c->names = (char(*)[MAX_NAME])(c->spec + n + 1);
    snprintf(c->what, sizeof c->what, "%s", what);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        lua_rawgeti(L, 2, (lua_Integer)i + 1); /* ..., c, s */
        const char *s = luaL_checklstring(L, -1, &len), *colon = strchr(s, ':');
        bool required = len > 0 && s[len - 1] == '!';
        if (!colon || (size_t)(colon - s) >= MAX_NAME || colon == s)
            return luaL_error(L, "telltale.options: '%s' is not \"name:type\"", s);
        memcpy(c->names[i], s, (size_t)(colon - s));
        c->names[i][colon - s] = '\0';
        c->spec[i].name = c->names[i];
        c->spec[i].type = parse_types(L, colon + 1, len - (size_t)(colon + 1 - s) - (required ? 1 : 0));
        c->spec[i].required = required;
        lua_pop(L, 1); /* ..., c */
    }
    c->spec[n].name = NULL;
    lua_pushcclosure(L, checker_call, 1); /* ..., checker */
    return 1;
}

/* telltale.check_nargs(what, given, max) — raises at the lib function's caller. */
static int opts_nargs(lua_State *L) {
    check_nargs_at(L, luaL_checkstring(L, 1), (int)luaL_checkinteger(L, 2), (int)luaL_checkinteger(L, 3), 2);
    return 0;
}

void opts_open(lua_State *L) {
    lua_pushcfunction(L, opts_options); /* telltale, fn */
    lua_setfield(L, -2, "options");     /* telltale */
    lua_pushcfunction(L, opts_nargs);   /* telltale, fn */
    lua_setfield(L, -2, "check_nargs"); /* telltale */
}
