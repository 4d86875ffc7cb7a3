/* json.c — JSON decode/encode between text and Lua values; see json.h. */
#include "json.h"

#include "buf.h"

#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_MT "telltale.json.array"
#define MAX_DEPTH 200 /* deeper is an attack or a bug, never a real document */

/* ---- decoding ---- */

struct decoder {
    lua_State *L;
    const char *p, *start, *end;
    char *err;
    size_t errlen;
    int depth;
};

static int decode_value(struct decoder *d);

static int fail_at(struct decoder *d, const char *what) {
    size_t off = (size_t)(d->p - d->start);
    if (d->p >= d->end)
        snprintf(d->err, d->errlen, "%s at end of input (offset %zu)", what, off);
    else if ((unsigned char)*d->p >= 0x20 && (unsigned char)*d->p < 0x7f)
        snprintf(d->err, d->errlen, "%s: unexpected '%c' at offset %zu", what, *d->p, off);
    else
        snprintf(d->err, d->errlen, "%s: unexpected byte 0x%02x at offset %zu", what, (unsigned char)*d->p, off);
    return -1;
}

static void skip_space(struct decoder *d) {
    while (d->p < d->end && (*d->p == ' ' || *d->p == '\t' || *d->p == '\n' || *d->p == '\r')) d->p++;
}

static int literal(struct decoder *d, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0) return fail_at(d, "invalid literal");
    d->p += n;
    return 0;
}

static int hex4(struct decoder *d, unsigned *out) {
    unsigned v = 0;
    if (d->end - d->p < 4) return fail_at(d, "truncated \\u escape");
    for (int i = 0; i < 4; i++) {
        char c = *d->p++;
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else {
            d->p--;
            return fail_at(d, "invalid \\u escape");
        }
    }
    *out = v;
    return 0;
}

static void add_utf8(luaL_Buffer *b, unsigned cp) {
    char s[4];
    int n;
    if (cp < 0x80) s[0] = (char)cp, n = 1;
    else if (cp < 0x800) s[0] = (char)(0xC0 | (cp >> 6)), s[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        s[0] = (char)(0xE0 | (cp >> 12)), s[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), s[2] = (char)(0x80 | (cp & 0x3F)),
        n = 3;
    else
        s[0] = (char)(0xF0 | (cp >> 18)), s[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
        s[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), s[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    luaL_addlstring(b, s, (size_t)n);
}

static int decode_string(struct decoder *d) {
    luaL_Buffer b;
    d->p++; /* opening quote */
    luaL_buffinit(d->L, &b);
    for (;;) {
        const char *run = d->p;
        while (d->p < d->end && *d->p != '"' && *d->p != '\\' && (unsigned char)*d->p >= 0x20) d->p++;
        luaL_addlstring(&b, run, (size_t)(d->p - run));
        if (d->p >= d->end) return fail_at(d, "unterminated string");
        if (*d->p == '"') break;
        if ((unsigned char)*d->p < 0x20) return fail_at(d, "control character in string");
        d->p++; /* backslash */
        if (d->p >= d->end) return fail_at(d, "unterminated string");
        char c = *d->p++;
        switch (c) {
        case '"': luaL_addchar(&b, '"'); break;
        case '\\': luaL_addchar(&b, '\\'); break;
        case '/': luaL_addchar(&b, '/'); break;
        case 'b': luaL_addchar(&b, '\b'); break;
        case 'f': luaL_addchar(&b, '\f'); break;
        case 'n': luaL_addchar(&b, '\n'); break;
        case 'r': luaL_addchar(&b, '\r'); break;
        case 't': luaL_addchar(&b, '\t'); break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(d, &cp) != 0) return -1;
            /* A high surrogate must pair with a low one: together they
             * are one code point outside the BMP. */
            if (cp >= 0xD800 && cp <= 0xDBFF && d->end - d->p >= 6 && d->p[0] == '\\' && d->p[1] == 'u') {
                d->p += 2;
                if (hex4(d, &lo) != 0) return -1;
                if (lo >= 0xDC00 && lo <= 0xDFFF)
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else
                    add_utf8(&b, 0xFFFD), cp = lo;
            } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD; /* a lone surrogate is not a character */
            }
            add_utf8(&b, cp);
            break;
        }
        default: d->p--; return fail_at(d, "invalid escape");
        }
    }
    d->p++; /* closing quote */
    luaL_pushresult(&b);
    return 0;
}

static int decode_number(struct decoder *d) {
    const char *s = d->p;
    bool integral = true;
    char tmp[64], *endp;
    if (d->p < d->end && *d->p == '-') d->p++;
    if (d->p >= d->end || !(*d->p >= '0' && *d->p <= '9')) return fail_at(d, "invalid number");
    while (d->p < d->end && ((*d->p >= '0' && *d->p <= '9') || *d->p == '.' || *d->p == 'e' || *d->p == 'E' ||
                             *d->p == '+' || *d->p == '-')) {
        if (*d->p == '.' || *d->p == 'e' || *d->p == 'E') integral = false;
        d->p++;
    }
    size_t n = (size_t)(d->p - s);
    if (n >= sizeof tmp) return fail_at(d, "number too long");
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (integral) {
        long long v = strtoll(tmp, &endp, 10);
        /* Out of range for an integer: fall back to a float, as Lua does. */
        if (*endp == '\0' && !(v == LLONG_MAX || v == LLONG_MIN)) {
            lua_pushinteger(d->L, (lua_Integer)v);
            return 0;
        }
    }
    double f = strtod(tmp, &endp);
    if (*endp != '\0') {
        d->p = s;
        return fail_at(d, "invalid number");
    }
    lua_pushnumber(d->L, f);
    return 0;
}

static int decode_array(struct decoder *d) {
    lua_Integer n = 0;
    d->p++;
    lua_newtable(d->L); /* ..., array */
    luaL_setmetatable(d->L, ARRAY_MT);
    skip_space(d);
    if (d->p < d->end && *d->p == ']') {
        d->p++;
        return 0;
    }
    for (;;) {
        if (decode_value(d) != 0) return -1; /* ..., array, v */
        lua_rawseti(d->L, -2, ++n);          /* ..., array */
        skip_space(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            continue;
        }
        if (d->p < d->end && *d->p == ']') {
            d->p++;
            return 0;
        }
        return fail_at(d, "expected ',' or ']' in array");
    }
}

static int decode_object(struct decoder *d) {
    d->p++;
    lua_newtable(d->L); /* ..., object */
    skip_space(d);
    if (d->p < d->end && *d->p == '}') {
        d->p++;
        return 0;
    }
    for (;;) {
        skip_space(d);
        if (d->p >= d->end || *d->p != '"') return fail_at(d, "expected a string key in object");
        if (decode_string(d) != 0) return -1; /* ..., object, key */
        skip_space(d);
        if (d->p >= d->end || *d->p != ':') return fail_at(d, "expected ':' after object key");
        d->p++;
        if (decode_value(d) != 0) return -1; /* ..., object, key, value */
        lua_rawset(d->L, -3);                /* ..., object */
        skip_space(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            continue;
        }
        if (d->p < d->end && *d->p == '}') {
            d->p++;
            return 0;
        }
        return fail_at(d, "expected ',' or '}' in object");
    }
}

static int decode_value(struct decoder *d) {
    int rc;
    skip_space(d);
    if (d->p >= d->end) return fail_at(d, "expected a value");
    if (++d->depth > MAX_DEPTH) {
        snprintf(d->err, d->errlen, "nesting deeper than %d levels at offset %zu", MAX_DEPTH,
                 (size_t)(d->p - d->start));
        return -1;
    }
    luaL_checkstack(d->L, 3, "JSON too deeply nested");
    switch (*d->p) {
    case '{': rc = decode_object(d); break;
    case '[': rc = decode_array(d); break;
    case '"': rc = decode_string(d); break;
    case 't': rc = literal(d, "true"); if (rc == 0) lua_pushboolean(d->L, 1); break;
    case 'f': rc = literal(d, "false"); if (rc == 0) lua_pushboolean(d->L, 0); break;
    case 'n': rc = literal(d, "null"); if (rc == 0) json_push_null(d->L); break;
    default: rc = decode_number(d); break;
    }
    d->depth--;
    return rc;
}

int json_decode(lua_State *L, const char *text, size_t len, char *err, size_t errlen) {
    struct decoder d = {L, text, text, text + len, err, errlen, 0};
    int top = lua_gettop(L);
    luaL_newmetatable(L, ARRAY_MT); /* make sure it exists */
    lua_pop(L, 1);
    if (decode_value(&d) != 0) goto fail;
    skip_space(&d);
    if (d.p != d.end) {
        fail_at(&d, "trailing characters after the value");
        goto fail;
    }
    return 0;
fail:
    lua_settop(L, top);
    return -1;
}

/* ---- encoding ---- */

void json_write_string(struct buf *out, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    buf_puts(out, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        }
        if (esc) {
            buf_puts(out, esc);
        } else if (c < 0x20 || c == 0x7f) {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            buf_puts(out, u);
        } else {
            buf_append(out, &s[i], 1);
        }
    }
    buf_puts(out, "\"");
}

struct encoder {
    lua_State *L;
    struct buf *out;
    char *err;
    size_t errlen;
    int depth;
    char path[256]; /* where we are, for error messages: .user.tags[2] */
};

static int encode_value(struct encoder *e, int idx);

static int enc_fail(struct encoder *e, const char *what) {
    snprintf(e->err, e->errlen, "cannot encode %s at %s", what, e->path[0] ? e->path : "the top level");
    return -1;
}

static bool is_array(lua_State *L, int idx, lua_Integer *n) {
    lua_Integer count = 0, max = 0;
    if (lua_getmetatable(L, idx)) {     /* ..., mt */
        luaL_getmetatable(L, ARRAY_MT); /* ..., mt, ARRAY_MT */
        bool marked = lua_rawequal(L, -1, -2);
        lua_pop(L, 2); /* ... */
        if (marked) {
            *n = (lua_Integer)lua_rawlen(L, idx);
            return true;
        }
    }
    lua_pushnil(L); /* ..., nil */
    while (lua_next(L, idx)) { /* ..., k, v */
        lua_pop(L, 1);         /* ..., k */
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
            lua_pop(L, 1);
            return false;
        }
        if (lua_tointeger(L, -1) > max) max = lua_tointeger(L, -1);
        count++;
    }
    *n = max;
    return count > 0 && count == max;
}

struct key {
    const char *name; /* the key as JSON will show it */
    lua_Integer slot; /* where `keys` (a Lua table) holds the original key */
};

static int compare_keys(const void *a, const void *b) {
    return strcmp(((const struct key *)a)->name, ((const struct key *)b)->name);
}

/* Objects are written with sorted keys; number keys become strings. */
static int encode_object(struct encoder *e, int idx) {
    size_t n = 0, alloc = 8, saved = strlen(e->path);
    struct key *keys = malloc(alloc * sizeof *keys);
    int rc = 0, holder;
    if (!keys) return enc_fail(e, "a table (out of memory)");
    lua_newtable(e->L); /* ..., holder: keeps keys and their strings alive */
    holder = lua_gettop(e->L);
    lua_pushnil(e->L);             /* ..., holder, nil */
    while (lua_next(e->L, idx)) { /* ..., holder, k, v */
        int kt = lua_type(e->L, -2);
        lua_pop(e->L, 1); /* ..., holder, k */
        if (kt != LUA_TSTRING && kt != LUA_TNUMBER) {
            char what[64];
            snprintf(what, sizeof what, "a table key of type %s", lua_typename(e->L, kt));
            lua_pop(e->L, 2);
            free(keys);
            return enc_fail(e, what);
        }
        if (n == alloc) {
            struct key *more = realloc(keys, (alloc *= 2) * sizeof *keys);
            if (!more) {
                lua_pop(e->L, 2);
                free(keys);
                return enc_fail(e, "a table (out of memory)");
            }
            keys = more;
        }
        keys[n].slot = (lua_Integer)(2 * n + 1);
        lua_pushvalue(e->L, -1);                           /* ..., holder, k, k */
        lua_rawseti(e->L, holder, keys[n].slot);           /* ..., holder, k */
        keys[n].name = luaL_tolstring(e->L, -1, NULL);     /* ..., holder, k, name */
        lua_rawseti(e->L, holder, keys[n].slot + 1);       /* ..., holder, k */
        n++;
    }
    qsort(keys, n, sizeof *keys, compare_keys);
    buf_puts(e->out, "{");
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i) buf_puts(e->out, ",");
        json_write_string(e->out, keys[i].name, strlen(keys[i].name));
        buf_puts(e->out, ":");
        snprintf(e->path + saved, sizeof e->path - saved, ".%s", keys[i].name);
        lua_rawgeti(e->L, holder, keys[i].slot); /* ..., holder, k */
        lua_rawget(e->L, idx);                   /* ..., holder, v */
        rc = encode_value(e, lua_gettop(e->L));
        lua_pop(e->L, 1); /* ..., holder */
    }
    e->path[saved] = '\0';
    buf_puts(e->out, "}");
    lua_pop(e->L, 1); /* ... */
    free(keys);
    return rc;
}

static int encode_table(struct encoder *e, int idx) {
    lua_Integer n;
    int rc = 0;
    size_t saved = strlen(e->path);
    if (++e->depth > MAX_DEPTH) return enc_fail(e, "a table nested too deeply (a cycle?)");
    luaL_checkstack(e->L, 8, "JSON too deeply nested");
    if (is_array(e->L, idx, &n)) {
        buf_puts(e->out, "[");
        for (lua_Integer i = 1; i <= n && rc == 0; i++) {
            if (i > 1) buf_puts(e->out, ",");
            snprintf(e->path + saved, sizeof e->path - saved, "[%lld]", (long long)i);
            lua_rawgeti(e->L, idx, i);
            rc = encode_value(e, lua_gettop(e->L));
            lua_pop(e->L, 1);
        }
        e->path[saved] = '\0';
        buf_puts(e->out, "]");
    } else {
        rc = encode_object(e, idx);
    }
    e->depth--;
    return rc;
}

static int encode_value(struct encoder *e, int idx) {
    lua_State *L = e->L;
    switch (lua_type(L, idx)) {
    case LUA_TNIL: buf_puts(e->out, "null"); return 0;
    case LUA_TBOOLEAN: buf_puts(e->out, lua_toboolean(L, idx) ? "true" : "false"); return 0;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            buf_printf(e->out, "%lld", (long long)lua_tointeger(L, idx));
        } else {
            double v = lua_tonumber(L, idx);
            if (!isfinite(v)) return enc_fail(e, "a NaN or infinite number");
            if (v == floor(v) && fabs(v) < 1e15)
                buf_printf(e->out, "%.0f", v);
            else
                buf_printf(e->out, "%.17g", v);
        }
        return 0;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        json_write_string(e->out, s, len);
        return 0;
    }
    case LUA_TTABLE: return encode_table(e, idx);
    case LUA_TLIGHTUSERDATA:
        if (json_is_null(L, idx)) {
            buf_puts(e->out, "null");
            return 0;
        }
        /* fall through */
    default: {
        char what[64];
        snprintf(what, sizeof what, "a %s", luaL_typename(L, idx));
        return enc_fail(e, what);
    }
    }
}

int json_encode(lua_State *L, int idx, struct buf *out, char *err, size_t errlen) {
    struct encoder e = {L, out, err, errlen, 0, ""};
    luaL_newmetatable(L, ARRAY_MT);
    lua_pop(L, 1);
    return encode_value(&e, lua_absindex(L, idx));
}

void json_push_null(lua_State *L) { lua_pushlightuserdata(L, NULL); }

int json_is_null(lua_State *L, int idx) {
    return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == NULL;
}

/* ---- the module ---- */

static int json_encode_lua(lua_State *L) {
    char err[300];
    struct buf out;
    luaL_checkany(L, 1);
    buf_init(&out, 0);
    if (json_encode(L, 1, &out, err, sizeof err) != 0) {
        buf_free(&out);
        return luaL_error(L, "json.encode: %s", err);
    }
    lua_pushlstring(L, buf_str(&out), out.len);
    buf_free(&out);
    return 1;
}

static int json_decode_lua(lua_State *L) {
    char err[300];
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    if (json_decode(L, s, len, err, sizeof err) != 0) return luaL_error(L, "invalid JSON: %s", err);
    return 1;
}

static int json_array(lua_State *L) {
    if (lua_isnoneornil(L, 1)) lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    luaL_setmetatable(L, ARRAY_MT);
    return 1;
}

int luaopen_json(lua_State *L) {
    static const luaL_Reg funcs[] = {
        {"encode", json_encode_lua}, {"decode", json_decode_lua}, {"array", json_array}, {NULL, NULL}};
    luaL_newmetatable(L, ARRAY_MT); /* mt */
    lua_pop(L, 1);                  /* */
    luaL_newlib(L, funcs);          /* json */
    json_push_null(L);              /* json, null */
    lua_setfield(L, -2, "null");    /* json */
    return 1;
}
