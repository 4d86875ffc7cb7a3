/* http_response.c — the response object; see http_response.h.
 *
 * Everything here reads a finished transfer: its raw header block (kept
 * as received, so repeated headers such as Set-Cookie can be read one by
 * one), its body, libcurl's timings.  Body decoding (resp:text) is
 * charset.c's; parsing a page (resp:html) is the html module's. */
#include "http_response.h"

#include <ctype.h>
#include <lauxlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "charset.h"
#include "cookie.h"
#include "core_lua.h"
#include "json.h"

#define RESPONSE_MT "telltale.http.response"

static void push_headers(lua_State *L, const struct buf *raw) {
    const char *p = buf_str(raw);
    int lines = 0;
    for (const char *q = p; (q = strchr(q, '\n')); q++) lines++;
    core_headers_new(L, lines); /* ..., headers: a line per header, one more for the status */
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t linelen = eol ? (size_t)(eol - p) : strlen(p);
        const char *colon = memchr(p, ':', linelen);
        if (colon && strncmp(p, "HTTP/", 5) != 0) {
            const char *v = colon + 1, *vend = p + linelen;
            while (v < vend && isspace((unsigned char)*v)) v++;
            while (vend > v && isspace((unsigned char)vend[-1])) vend--;
            core_headers_add(L, p, (size_t)(colon - p), v, (size_t)(vend - v));
        }
        if (!eol) break;
        p = eol + 1;
    }
}

static curl_off_t info_time_us(CURL *easy, CURLINFO what) {
    curl_off_t t = 0;
    curl_easy_getinfo(easy, what, &t);
    return t;
}

static void set_ms(lua_State *L, const char *field, curl_off_t us) {
    lua_pushnumber(L, (double)us / 1000.0); /* ..., t, ms */
    lua_setfield(L, -2, field);             /* ..., t */
}

static void push_timings(lua_State *L, CURL *easy) {
    curl_off_t dns = info_time_us(easy, CURLINFO_NAMELOOKUP_TIME_T);
    curl_off_t connect = info_time_us(easy, CURLINFO_CONNECT_TIME_T);
    curl_off_t tls = info_time_us(easy, CURLINFO_APPCONNECT_TIME_T);
    curl_off_t pre = info_time_us(easy, CURLINFO_PRETRANSFER_TIME_T);
    curl_off_t start = info_time_us(easy, CURLINFO_STARTTRANSFER_TIME_T);
    curl_off_t total = info_time_us(easy, CURLINFO_TOTAL_TIME_T);
    lua_createtable(L, 0, 5); /* ..., timings */
    set_ms(L, "dns", dns);
    set_ms(L, "connect", connect > dns ? connect - dns : 0);
    set_ms(L, "tls", tls > connect ? tls - connect : 0);
    set_ms(L, "ttfb", start > pre ? start - pre : 0);
    set_ms(L, "total", total);
}

/* resp.redirects: {status, method, url} of every request answered with a
 * redirect, in order. */
static void push_redirects(lua_State *L, const struct http_hop *hops, int nhops) {
    lua_createtable(L, nhops, 0); /* ..., list */
    for (int i = 0; i < nhops; i++) {
        lua_createtable(L, 0, 3);           /* ..., list, hop */
        lua_pushinteger(L, hops[i].status); /* ..., list, hop, status */
        lua_setfield(L, -2, "status");      /* ..., list, hop */
        lua_pushstring(L, hops[i].method);  /* ..., list, hop, method */
        lua_setfield(L, -2, "method");      /* ..., list, hop */
        lua_pushstring(L, hops[i].url);     /* ..., list, hop, url */
        lua_setfield(L, -2, "url");         /* ..., list, hop */
        lua_rawseti(L, -2, i + 1);          /* ..., list */
    }
}

static void set_cookie_field(lua_State *L, const char *field, const char *value) {
    if (!value) return;
    lua_pushstring(L, value);   /* ..., t, value */
    lua_setfield(L, -2, field); /* ..., t */
}

/* A parsed cookie as a table: name, value, and what was set of domain,
 * path, expires, max_age, secure, httponly, samesite. */
void http_response_push_cookie(lua_State *L, const struct cookie *c) {
    lua_createtable(L, 0, 8); /* ..., cookie */
    set_cookie_field(L, "name", c->name);
    set_cookie_field(L, "value", c->value);
    set_cookie_field(L, "domain", c->domain);
    set_cookie_field(L, "path", c->path);
    set_cookie_field(L, "expires", c->expires);
    set_cookie_field(L, "samesite", c->samesite);
    if (c->has_max_age) {
        lua_pushinteger(L, c->max_age); /* ..., cookie, n */
        lua_setfield(L, -2, "max_age"); /* ..., cookie */
    }
    lua_pushboolean(L, c->secure);   /* ..., cookie, b */
    lua_setfield(L, -2, "secure");   /* ..., cookie */
    lua_pushboolean(L, c->httponly); /* ..., cookie, b */
    lua_setfield(L, -2, "httponly"); /* ..., cookie */
}

/* resp.cookies: every Set-Cookie header of the response, one by one (the
 * joined resp.headers value cannot be split: Expires holds a comma). */
static void push_cookies(lua_State *L, const struct buf *raw) {
    const char *p = buf_str(raw);
    int n = 0;
    lua_newtable(L); /* ..., cookies */
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        struct cookie c;
        while (len && (p[len - 1] == '\r' || p[len - 1] == ' ')) len--;
        if (len > 11 && strncasecmp(p, "set-cookie:", 11) == 0 && cookie_parse(p + 11, len - 11, &c)) {
            http_response_push_cookie(L, &c); /* ..., cookies, cookie */
            lua_rawseti(L, -2, ++n);          /* ..., cookies */
            cookie_clear(&c);
        }
        if (!eol) break;
        p = eol + 1;
    }
}

void http_response_push(lua_State *L, struct http_transfer *x, long status, const char *url, const char *method,
                        const struct http_hop *hops, int nhops) {
    lua_createtable(L, 0, 9);                           /* resp */
    lua_pushinteger(L, status);                         /* resp, status */
    lua_setfield(L, -2, "status");                      /* resp */
    lua_pushlstring(L, buf_str(&x->body), x->body.len); /* resp, body */
    lua_setfield(L, -2, "body");                        /* resp */
    lua_pushstring(L, url);                             /* resp, url */
    lua_setfield(L, -2, "url");                         /* resp */
    lua_pushstring(L, method);                          /* resp, method */
    lua_setfield(L, -2, "method");                      /* resp */
    push_headers(L, &x->headers);                       /* resp, headers */
    lua_setfield(L, -2, "headers");                     /* resp */
    push_cookies(L, &x->headers);                       /* resp, cookies */
    lua_setfield(L, -2, "cookies");                     /* resp */
    push_redirects(L, hops, nhops);                     /* resp, redirects */
    lua_setfield(L, -2, "redirects");                   /* resp */
    push_timings(L, x->easy);                           /* resp, timings */
    lua_setfield(L, -2, "timings");                     /* resp */
    luaL_setmetatable(L, RESPONSE_MT);
}

/* resp:json() → decoded body; an invalid body fails the step (assertion). */
static int response_json(lua_State *L) {
    struct failure f = {0};
    size_t len;
    const char *body;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "body"); /* resp, body */
    body = luaL_optlstring(L, -1, "", &len);
    if (json_decode(L, body, len, &f) != 0) {
        lua_pushstring(L, f.message); /* resp, body, message: Lua keeps the text while f is freed */
        failure_clear(&f);
        return core_raise(L, FAILURE_ASSERTION, "response body is not valid JSON: %s", lua_tostring(L, -1));
    }
    return 1;
}

/* The response's charset (charset.h) into out; html when the caller
 * reads the body as a page whatever its Content-Type says. */
static void response_charset(lua_State *L, bool html, char *out, size_t outlen, size_t *bom) {
    size_t len;
    const char *body, *ctype;
    lua_getfield(L, 1, "body");    /* resp, ..., body */
    lua_getfield(L, 1, "headers"); /* resp, ..., body, headers */
    body = luaL_optlstring(L, -2, "", &len);
    ctype = lua_istable(L, -1) && lua_getfield(L, -1, "content-type") == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    charset_detect(ctype, body, len, html, out, outlen, bom);
    lua_settop(L, 1); /* resp */
}

/* resp:text() → the body as UTF-8, decoded from its charset (BOM, then
 * Content-Type, then an HTML page's <meta>, else UTF-8); undecodable bytes
 * become U+FFFD.  A charset iconv does not know fails the step (http). */
static int response_text(lua_State *L) {
    char charset[64];
    size_t len, bom;
    const char *body;
    struct buf out;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    response_charset(L, false, charset, sizeof charset, &bom);
    lua_getfield(L, 1, "body"); /* resp, body */
    body = luaL_optlstring(L, -1, "", &len);
    buf_init(&out, 0);
    if (charset_to_utf8(charset, body + bom, len - bom, &out) != 0)
        return core_raise(L, FAILURE_HTTP, "cannot decode the response body: unknown charset '%s'", charset);
    lua_pushlstring(L, buf_str(&out), out.len); /* resp, body, text */
    buf_free(&out);
    return 1;
}

/* resp:html() → html.parse(body, url, charset) */
static int response_html(lua_State *L) {
    char charset[64];
    size_t len, bom;
    const char *body;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    response_charset(L, true, charset, sizeof charset, &bom);
    lua_getglobal(L, "html");     /* resp, html */
    lua_getfield(L, -1, "parse"); /* resp, html, parse */
    lua_getfield(L, 1, "body");   /* resp, html, parse, body */
    body = luaL_optlstring(L, -1, "", &len);
    lua_pushlstring(L, body + bom, len - bom); /* resp, html, parse, body, text */
    lua_remove(L, -2);                         /* resp, html, parse, text */
    lua_getfield(L, 1, "url");                 /* resp, html, parse, text, url */
    lua_pushstring(L, charset);                /* resp, html, parse, text, url, charset */
    lua_call(L, 3, 1);                         /* resp, html, doc */
    return 1;
}

static const luaL_Reg response_methods[] = {
    {"json", response_json}, {"text", response_text}, {"html", response_html}, {NULL, NULL}};

void http_response_open(lua_State *L) {
    luaL_newmetatable(L, RESPONSE_MT); /* mt */
    luaL_newlib(L, response_methods);  /* mt, methods */
    lua_setfield(L, -2, "__index");    /* mt */
    lua_pop(L, 1);                     /* */
}
