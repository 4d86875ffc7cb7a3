/* json.c — JSON between text and Lua values; see json.h.
 *
 * Both directions recurse, bounded by MAX_DEPTH so that hostile input can
 * exhaust neither the C stack nor the Lua stack.  A function that fails
 * writes the message and returns -1 without popping what it pushed: the
 * public entry points remember the top and restore it once, so no error
 * path needs to count slots.  Neither direction allocates C memory
 * that a Lua error could leak: decoding builds strings in luaL_Buffers and
 * encoding sorts keys in a userdata. */
#include "json.h"

#include <ctype.h>
#include <lauxlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

#define ARRAY_MT "telltale.json.array" /* registry: the metatable that marks arrays */
#define MAX_DEPTH 200                  /* nested arrays and objects, either direction */
#define DEC_SLOTS 4                    /* per container: it, a key, and two for a value being parsed */

/* ---- decoding ---- */

struct dec {
    lua_State *L;
    const char *start, *p, *end;
    int depth;    /* arrays and objects open around p */
    int array_mt; /* stack index of the array metatable */
    struct failure *f;
};

static int parse_value(struct dec *d);

__attribute__((format(printf, 3, 4))) static int dec_fail(struct dec *d, const char *at, const char *fmt, ...) {
    struct buf msg;
    va_list ap;
    buf_init(&msg, 0);
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    failure_set(d->f, FAILURE_SCRIPT, "%s at offset %zu", buf_str(&msg), (size_t)(at - d->start));
    buf_free(&msg);
    return -1;
}

/* The error for whatever is at p when it cannot start or continue what we
 * are parsing.  Unprintable bytes are shown in hex: they are often the clue
 * (a BOM, a NUL, a Latin-1 body). */
static int unexpected(struct dec *d) {
    unsigned char c;
    if (d->p >= d->end) return dec_fail(d, d->p, "unexpected end of input");
    c = (unsigned char)*d->p;
    if (isprint(c)) return dec_fail(d, d->p, "unexpected character '%c'", c);
    return dec_fail(d, d->p, "unexpected byte 0x%02x", c);
}

static void skip_ws(struct dec *d) {
    while (d->p < d->end && (*d->p == ' ' || *d->p == '\t' || *d->p == '\n' || *d->p == '\r')) d->p++;
}

static int parse_literal(struct dec *d) {
    const char *word = *d->p == 't' ? "true" : *d->p == 'f' ? "false" : "null";
    for (const char *w = word; *w; w++, d->p++)
        if (d->p >= d->end || *d->p != *w) return unexpected(d);
    if (*word == 'n')
        json_push_null(d->L); /* ..., null */
    else
        lua_pushboolean(d->L, *word == 't'); /* ..., boolean */
    return 0;
}

static int at_digit(const struct dec *d) { return d->p < d->end && *d->p >= '0' && *d->p <= '9'; }

static int digits(struct dec *d) {
    if (!at_digit(d)) return unexpected(d);
    while (at_digit(d)) d->p++;
    return 0;
}

/* The grammar is checked here; the conversion is Lua's own, which gives an
 * integer for a plain numeral that fits and a float for anything else,
 * including integers too large for lua_Integer.  1e400 is refused: as inf
 * it could not be encoded back. */
static int parse_number(struct dec *d) {
    const char *s = d->p;
    if (*d->p == '-') d->p++;
    if (d->p < d->end && *d->p == '0')
        d->p++;
    else if (digits(d) != 0)
        return -1;
    if (d->p < d->end && *d->p == '.') {
        d->p++;
        if (digits(d) != 0) return -1;
    }
    if (d->p < d->end && (*d->p == 'e' || *d->p == 'E')) {
        d->p++;
        if (d->p < d->end && (*d->p == '+' || *d->p == '-')) d->p++;
        if (digits(d) != 0) return -1;
    }
    lua_pushlstring(d->L, s, (size_t)(d->p - s));                /* ..., numeral */
    if (lua_stringtonumber(d->L, lua_tostring(d->L, -1)) == 0 || /* ..., numeral, number */
        (!lua_isinteger(d->L, -1) && !isfinite(lua_tonumber(d->L, -1))))
        return dec_fail(d, s, "number out of range");
    lua_remove(d->L, -2); /* ..., number */
    return 0;
}

static int hex4(const struct dec *d, const char *p, unsigned *cp) {
    *cp = 0;
    if (d->end - p < 4) return -1;
    for (int i = 0; i < 4; i++) {
        int c = (unsigned char)p[i];
        if (!isxdigit(c)) return -1;
        *cp = *cp << 4 | (unsigned)(isdigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return 0;
}

/* p is just past "\u".  Surrogates must come as a high-low pair, which is
 * one code point beyond the BMP; a lone half has no UTF-8 form. */
static int parse_escape_u(struct dec *d, luaL_Buffer *b) {
    const char *at = d->p - 2;
    unsigned cp, lo;
    if (hex4(d, d->p, &cp) != 0) return dec_fail(d, at, "invalid \\u escape");
    d->p += 4;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return dec_fail(d, at, "unpaired surrogate \\u%04X", cp);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (d->end - d->p < 2 || d->p[0] != '\\' || d->p[1] != 'u' || hex4(d, d->p + 2, &lo) != 0 || lo < 0xDC00 ||
            lo > 0xDFFF)
            return dec_fail(d, at, "unpaired surrogate \\u%04X", cp);
        d->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    lua_pushfstring(d->L, "%U", (long)cp); /* ..., utf8: Lua's own encoder */
    luaL_addvalue(b);
    return 0;
}

static void skip_plain(struct dec *d) {
    while (d->p < d->end && *d->p != '"' && *d->p != '\\' && (unsigned char)*d->p >= 0x20) d->p++;
}

static int parse_string(struct dec *d) {
    const char *open = d->p++, *run = d->p;
    luaL_Buffer b;
    skip_plain(d);
    if (d->p < d->end && *d->p == '"') { /* no escapes: the common case, no copying */
        lua_pushlstring(d->L, run, (size_t)(d->p++ - run));
        return 0;
    }
    luaL_buffinit(d->L, &b); /* ..., buffer */
    for (;;) {
        luaL_addlstring(&b, run, (size_t)(d->p - run));
        if (d->p >= d->end) return dec_fail(d, open, "unterminated string");
        if (*d->p == '"') break;
        if (*d->p != '\\') return dec_fail(d, d->p, "control character 0x%02x in string", (unsigned char)*d->p);
        if (++d->p >= d->end) return dec_fail(d, open, "unterminated string");
        switch (*d->p++) {
        case '"': luaL_addchar(&b, '"'); break;
        case '\\': luaL_addchar(&b, '\\'); break;
        case '/': luaL_addchar(&b, '/'); break;
        case 'b': luaL_addchar(&b, '\b'); break;
        case 'f': luaL_addchar(&b, '\f'); break;
        case 'n': luaL_addchar(&b, '\n'); break;
        case 'r': luaL_addchar(&b, '\r'); break;
        case 't': luaL_addchar(&b, '\t'); break;
        case 'u':
            if (parse_escape_u(d, &b) != 0) return -1;
            break;
        default: d->p -= 2; return dec_fail(d, d->p, "invalid escape '\\%c'", d->p[1]);
        }
        run = d->p;
        skip_plain(d);
    }
    d->p++;
    luaL_pushresult(&b); /* ..., string */
    return 0;
}

static int open_nested(struct dec *d) {
    if (++d->depth > MAX_DEPTH) return dec_fail(d, d->p, "nesting deeper than %d levels", MAX_DEPTH);
    if (!lua_checkstack(d->L, DEC_SLOTS)) return dec_fail(d, d->p, "out of Lua stack");
    d->p++;
    skip_ws(d);
    return 0;
}

/* If p is at the closing bracket: step past it, out of the container. */
static int closes(struct dec *d, char close) {
    if (d->p >= d->end || *d->p != close) return 0;
    d->p++;
    d->depth--;
    return 1;
}

/* After an element: 0 and past the comma if another follows, 1 and past
 * the closing bracket if the container ends, -1 on anything else. */
static int next_element(struct dec *d, char close) {
    skip_ws(d);
    if (d->p < d->end && *d->p == ',') {
        d->p++;
        return 0;
    }
    return closes(d, close) ? 1 : unexpected(d);
}

static int parse_array(struct dec *d) {
    lua_Integer n = 0;
    int rc;
    if (open_nested(d) != 0) return -1;
    lua_newtable(d->L);               /* ..., array */
    lua_pushvalue(d->L, d->array_mt); /* ..., array, mt */
    lua_setmetatable(d->L, -2);       /* ..., array */
    if (closes(d, ']')) return 0;
    do {
        if (parse_value(d) != 0) /* ..., array, value */
            return -1;
        lua_rawseti(d->L, -2, ++n); /* ..., array */
    } while ((rc = next_element(d, ']')) == 0);
    return rc < 0 ? -1 : 0;
}

/* Duplicate keys: the last one wins, as in most decoders. */
static int parse_object(struct dec *d) {
    int rc;
    if (open_nested(d) != 0) return -1;
    lua_newtable(d->L); /* ..., object */
    if (closes(d, '}')) return 0;
    do {
        skip_ws(d);
        if (d->p >= d->end || *d->p != '"') return unexpected(d);
        if (parse_string(d) != 0) /* ..., object, key */
            return -1;
        skip_ws(d);
        if (d->p >= d->end || *d->p != ':') return unexpected(d);
        d->p++;
        if (parse_value(d) != 0) /* ..., object, key, value */
            return -1;
        lua_rawset(d->L, -3); /* ..., object */
    } while ((rc = next_element(d, '}')) == 0);
    return rc < 0 ? -1 : 0;
}

static int parse_value(struct dec *d) {
    skip_ws(d);
    if (d->p >= d->end) return unexpected(d);
    switch (*d->p) {
    case '{': return parse_object(d);
    case '[': return parse_array(d);
    case '"': return parse_string(d);
    case 't':
    case 'f':
    case 'n': return parse_literal(d);
    default:
        if (*d->p == '-' || at_digit(d)) return parse_number(d);
        return unexpected(d);
    }
}

int json_decode(lua_State *L, const char *text, size_t len, struct failure *f) {
    struct dec d = {.L = L, .start = text, .p = text, .end = text + len, .f = f};
    int top = lua_gettop(L);
    if (!lua_checkstack(L, DEC_SLOTS)) return failure_set(f, FAILURE_INTERNAL, "out of Lua stack");
    luaL_newmetatable(L, ARRAY_MT); /* mt */
    d.array_mt = lua_gettop(L);
    if (parse_value(&d) != 0) /* mt, value */
        goto fail;
    skip_ws(&d);
    if (d.p < d.end) {
        unexpected(&d);
        goto fail;
    }
    lua_remove(L, d.array_mt); /* value */
    return 0;
fail:
    lua_settop(L, top);
    return -1;
}

/* ---- encoding ---- */

/* The JSON string writer, returning BUF_TOO_BIG if the buffer refused any
 * part (BUF_OK is 0 and BUF_TOO_BIG -1, so or-ing the results keeps it). */
static int write_string(struct buf *out, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    int rc = buf_append(out, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) { /* valid UTF-8 is copied, each invalid byte becomes U+FFFD */
            size_t n = utf8_seq_len(s + i, len - i);
            if (n) {
                i += n - 1;
                continue;
            }
            rc |= buf_append(out, s + run, i - run);
            rc |= buf_append(out, "\xEF\xBF\xBD", 3);
            run = i + 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        size_t n = 2;
        rc |= buf_append(out, s + run, i - run);
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default: n = 6; break;
        }
        rc |= buf_append(out, esc, n);
        run = i + 1;
    }
    rc |= buf_append(out, s + run, len - run);
    rc |= buf_append(out, "\"", 1);
    return rc;
}

void json_write_string(struct buf *out, const char *s, size_t len) { (void)write_string(out, s, len); }

/* One frame per open table: the table, to catch cycles, and the key or
 * index being encoded in it, to say where an error is. */
struct frame {
    const void *table;
    const char *key; /* NULL: index is the (1-based, Lua) position */
    size_t keylen;
    lua_Integer index;
};

struct enc {
    lua_State *L;
    struct buf *out;
    int too_big;  /* an append hit out's cap */
    int array_mt; /* stack index of the array metatable */
    int depth;    /* frames in use */
    struct frame frames[MAX_DEPTH];
    struct failure *f;
};

struct key {
    const char *s; /* the key as written: a string key or a formatted number */
    size_t len;
    lua_Integer slot; /* where the holder table keeps the value */
};

static int encode_value(struct enc *e, int idx);

static void put(struct enc *e, const char *s) {
    if (buf_puts(e->out, s) != BUF_OK) e->too_big = 1;
}

static int is_identifier(const char *s, size_t len) {
    if (len == 0 || isdigit((unsigned char)s[0])) return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_') return 0;
    return 1;
}

/* The message, then " at " and the path in jq's notation: .user.tags[2],
 * .headers["content-type"], or . for the value itself.  Indexes are Lua's,
 * from 1, since the path names a place in the caller's Lua value. */
__attribute__((format(printf, 2, 3))) static int enc_fail(struct enc *e, const char *fmt, ...) {
    struct buf msg, path;
    va_list ap;
    buf_init(&msg, 0);
    buf_init(&path, 0);
    for (int i = 0; i < e->depth; i++) {
        const struct frame *f = &e->frames[i];
        if (!f->key) {
            buf_printf(&path, "[%lld]", (long long)f->index);
        } else if (is_identifier(f->key, f->keylen)) {
            buf_puts(&path, ".");
            buf_append(&path, f->key, f->keylen);
        } else {
            buf_puts(&path, "[");
            write_string(&path, f->key, f->keylen);
            buf_puts(&path, "]");
        }
    }
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    failure_set(e->f, FAILURE_SCRIPT, "%s at %s%s", buf_str(&msg), buf_str(&path)[0] == '.' ? "" : ".", buf_str(&path));
    buf_free(&msg);
    buf_free(&path);
    return -1;
}

/* Shortest of %.15g..%.17g that reads back as the same double, so 0.1 is
 * "0.1", not "0.10000000000000001"; integral values are written in full
 * below 1e21, never with an exponent, as JavaScript does.  JSON has no
 * NaN or infinity: -1, with the name of the number in s for the message. */
static int format_number(lua_State *L, int idx, char *s, size_t size) {
    double d;
    if (lua_isinteger(L, idx)) {
        snprintf(s, size, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, idx));
        return 0;
    }
    d = lua_tonumber(L, idx);
    if (!isfinite(d)) {
        snprintf(s, size, "%s", isnan(d) ? "NaN" : d > 0 ? "inf" : "-inf");
        return -1;
    }
    /* Doubles from 2^63 up are all integers, and below it the cast is defined. */
    if (fabs(d) < 1e21 && (fabs(d) >= 0x1p63 || d == (double)(long long)d)) {
        snprintf(s, size, "%.0f", d);
        return 0;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(s, size, "%.*g", prec, d);
        if (strtod(s, NULL) == d) break;
    }
    return 0;
}

static int compare_keys(const void *a, const void *b) {
    const struct key *x = a, *y = b;
    int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int encode_array(struct enc *e, int t, lua_Integer n) {
    put(e, "[");
    for (lua_Integer i = 1; i <= n; i++) {
        if (i > 1) put(e, ",");
        e->frames[e->depth++].index = i;
        lua_rawgeti(e->L, t, i); /* ..., value */
        if (encode_value(e, lua_gettop(e->L)) != 0) return -1;
        lua_pop(e->L, 1); /* ... */
        e->depth--;
    }
    put(e, "]");
    return 0;
}

/* Keys are gathered into a userdata and sorted there; the values, and the
 * strings made from number keys, are anchored in a holder table meanwhile. */
static int encode_object(struct enc *e, int t, size_t n) {
    lua_State *L = e->L;
    struct key *keys = lua_newuserdatauv(L, n * sizeof *keys, 0); /* ..., keys */
    int holder;
    size_t i = 0;
    lua_createtable(L, 0, 0); /* ..., keys, holder */
    holder = lua_gettop(L);
    lua_pushnil(L);          /* ..., keys, holder, nil */
    while (lua_next(L, t)) { /* ..., keys, holder, k, v */
        keys[i].slot = (lua_Integer)i + 1;
        lua_rawseti(L, holder, keys[i].slot); /* ..., keys, holder, k */
        if (lua_type(L, -1) == LUA_TSTRING) {
            keys[i].s = lua_tolstring(L, -1, &keys[i].len);
        } else if (lua_type(L, -1) == LUA_TNUMBER) {
            char s[32];
            if (format_number(L, -1, s, sizeof s) != 0) return enc_fail(e, "cannot encode table key %s", s);
            lua_pushstring(L, s); /* ..., keys, holder, k, s */
            keys[i].s = lua_tolstring(L, -1, &keys[i].len);
            lua_rawseti(L, holder, (lua_Integer)(n + i + 1)); /* ..., keys, holder, k */
        } else {
            return enc_fail(e, "cannot encode table key of type %s", luaL_typename(L, -1));
        }
        i++;
    }
    qsort(keys, n, sizeof *keys, compare_keys);
    put(e, "{");
    for (i = 0; i < n; i++) {
        struct frame *f = &e->frames[e->depth];
        if (i > 0 && compare_keys(&keys[i - 1], &keys[i]) == 0)
            return enc_fail(e, "cannot encode table with both number and string key \"%.*s\"", (int)keys[i].len,
                            keys[i].s);
        if (i > 0) put(e, ",");
        if (write_string(e->out, keys[i].s, keys[i].len) != BUF_OK) e->too_big = 1;
        put(e, ":");
        f->key = keys[i].s;
        f->keylen = keys[i].len;
        e->depth++;
        lua_rawgeti(L, holder, keys[i].slot); /* ..., keys, holder, value */
        if (encode_value(e, lua_gettop(L)) != 0) return -1;
        lua_pop(L, 1); /* ..., keys, holder */
        e->depth--;
    }
    put(e, "}");
    lua_pop(L, 2); /* ... */
    return 0;
}

/* An array if marked as one or if its keys are exactly 1..n; a marked
 * table with other keys is an error rather than a silently dropped key. */
static int encode_table(struct enc *e, int t) {
    lua_State *L = e->L;
    const void *self = lua_topointer(L, t);
    lua_Integer max = 0;
    size_t count = 0;
    int sequence = 1, marked = 0;
    if (e->depth >= MAX_DEPTH) return enc_fail(e, "cannot encode tables nested deeper than %d levels", MAX_DEPTH);
    for (int i = 0; i < e->depth; i++)
        if (e->frames[i].table == self) return enc_fail(e, "cannot encode cyclic reference");
    if (!lua_checkstack(L, 8)) return enc_fail(e, "out of Lua stack");
    if (lua_getmetatable(L, t)) { /* ..., mt */
        marked = lua_rawequal(L, -1, e->array_mt);
        lua_pop(L, 1); /* ... */
    }
    lua_pushnil(L);          /* ..., nil */
    while (lua_next(L, t)) { /* ..., k, v */
        lua_pop(L, 1);       /* ..., k */
        count++;
        if (lua_isinteger(L, -1) && lua_tointeger(L, -1) > 0) {
            if (lua_tointeger(L, -1) > max) max = lua_tointeger(L, -1);
        } else {
            sequence = 0;
        }
    }
    sequence = sequence && (size_t)max == count;
    e->frames[e->depth] = (struct frame){self, NULL, 0, 0};
    if (marked && !sequence) return enc_fail(e, "cannot encode json.array with keys other than 1..n");
    if (marked || (count > 0 && sequence)) return encode_array(e, t, max);
    if (count == 0) {
        put(e, "{}");
        return 0;
    }
    return encode_object(e, t, count);
}

static int encode_value(struct enc *e, int idx) {
    lua_State *L = e->L;
    char s[32];
    if (json_is_null(L, idx)) {
        put(e, "null");
        return 0;
    }
    switch (lua_type(L, idx)) {
    case LUA_TNIL: put(e, "null"); return 0;
    case LUA_TBOOLEAN: put(e, lua_toboolean(L, idx) ? "true" : "false"); return 0;
    case LUA_TNUMBER:
        if (format_number(L, idx, s, sizeof s) != 0) return enc_fail(e, "cannot encode %s", s);
        put(e, s);
        return 0;
    case LUA_TSTRING: {
        size_t len;
        const char *str = lua_tolstring(L, idx, &len);
        if (write_string(e->out, str, len) != BUF_OK) e->too_big = 1;
        return 0;
    }
    case LUA_TTABLE: return encode_table(e, idx);
    default: return enc_fail(e, "cannot encode %s", luaL_typename(L, idx));
    }
}

int json_encode(lua_State *L, int idx, struct buf *out, struct failure *f) {
    struct enc e = {.L = L, .out = out, .f = f};
    int top = lua_gettop(L);
    size_t start = out->len;
    int rc = -1;
    idx = lua_absindex(L, idx);
    if (!lua_checkstack(L, 2)) {
        failure_set(f, FAILURE_INTERNAL, "out of Lua stack");
        goto cleanup;
    }
    luaL_newmetatable(L, ARRAY_MT); /* mt */
    e.array_mt = lua_gettop(L);
    if (encode_value(&e, idx) != 0) goto cleanup;
    if (e.too_big) {
        failure_set(f, FAILURE_SCRIPT, "encoded JSON exceeds %zu bytes", out->cap);
        goto cleanup;
    }
    rc = 0;
cleanup:
    lua_settop(L, top);
    if (rc != 0) { /* leave out as it was: a failed append is all or nothing */
        out->len = start;
        if (out->data) out->data[start] = '\0';
    }
    return rc;
}

void json_push_null(lua_State *L) { lua_pushlightuserdata(L, NULL); }

int json_is_null(lua_State *L, int idx) {
    return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == NULL;
}

/* ---- the module ---- */

/* json.encode(v) → string; raises on what JSON cannot represent. */
static int json_encode_lua(lua_State *L) {
    struct failure f = {0};
    struct buf out;
    luaL_checkany(L, 1);
    buf_init(&out, 0);
    if (json_encode(L, 1, &out, &f) != 0) {
        buf_free(&out);
        lua_pushstring(L, f.message); /* v, message: Lua keeps the text while f is freed */
        failure_clear(&f);
        return luaL_error(L, "%s", lua_tostring(L, -1));
    }
    lua_pushlstring(L, buf_str(&out), out.len); /* v, json */
    buf_free(&out);
    return 1;
}

/* json.decode(s) → value; raises "invalid JSON: ..." */
static int json_decode_lua(lua_State *L) {
    struct failure f = {0};
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    if (json_decode(L, s, len, &f) != 0) {
        lua_pushstring(L, f.message); /* s, message: Lua keeps the text while f is freed */
        failure_clear(&f);
        return luaL_error(L, "invalid JSON: %s", lua_tostring(L, -1));
    }
    return 1;
}

/* json.array([t]) → t, marked to encode as an array even when empty. */
static int json_array(lua_State *L) {
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L); /* t */
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    luaL_setmetatable(L, ARRAY_MT); /* t */
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
