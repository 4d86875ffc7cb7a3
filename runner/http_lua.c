/* http_lua.c — Lua binding of the HTTP driver; see http_lua.h.
 *
 * Each scenario state owns one curl easy handle (registry, with __gc): it
 * carries the scenario's cookie jar from step to step, and reusing it keeps
 * connections warm.  A request validates its options (raising on misuse),
 * starts the transfer, parks the step's coroutine, and its continuation
 * builds the response or raises a failure (`network`, `timeout`, `http`). */
#include "http_lua.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "artifacts.h"
#include "buf.h"
#include "core_lua.h"
#include "engine.h"
#include "http.h"
#include "json.h"
#include "redact.h"
#include "sched.h"
#include "utf8.h"
#include "xalloc.h"

#define CLIENT_MT "telltale.http.client"
#define CLIENT_KEY "telltale.http.client.instance" /* registry: the scenario's client */
#define RESPONSE_MT "telltale.http.response"
#define HEADERS_MT "telltale.http.headers"
#define BODY_EXCERPT 1024 /* bytes of body quoted in a failure's detail */

struct client {
    CURL *easy; /* reused request after request: keeps its cookies and connections */
};

struct request {
    struct http_transfer x;
    struct task *task;
    struct curl_slist *headers;
    char method[16];
    char *url;
    char *post;     /* request body, owned */
    int expect[16]; /* allowed statuses; nexpect = 0 means "< 400" */
    int nexpect;
    struct failure failure; /* start failure, when http_start refused */
};

static int client_gc(lua_State *L) {
    struct client *c = luaL_checkudata(L, 1, CLIENT_MT);
    if (c->easy) curl_easy_cleanup(c->easy);
    c->easy = NULL;
    return 0;
}

/* The scenario's client, created on first use. */
static struct client *get_client(lua_State *L) {
    struct client *c;
    if (lua_getfield(L, LUA_REGISTRYINDEX, CLIENT_KEY) == LUA_TUSERDATA) { /* ..., client */
        c = lua_touserdata(L, -1);
        lua_pop(L, 1); /* ... */
        return c;
    }
    lua_pop(L, 1);                          /* ... */
    c = lua_newuserdatauv(L, sizeof *c, 0); /* ..., client */
    c->easy = NULL;
    luaL_setmetatable(L, CLIENT_MT);
    lua_setfield(L, LUA_REGISTRYINDEX, CLIENT_KEY); /* ... */
    c->easy = curl_easy_init();
    if (!c->easy) luaL_error(L, "cannot create an HTTP handle");
    /* The handle is never curl_easy_reset (that drops the cookie engine and,
     * in libcurl 7.88, leaks its file list): every option a request may
     * change is set again by the next one, see configure(). */
    curl_easy_setopt(c->easy, CURLOPT_COOKIEFILE, ""); /* the scenario's cookie jar */
    curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c->easy, CURLOPT_USERAGENT, "telltale/" TELLTALE_VERSION);
    return c;
}

static void request_free(struct request *r) {
    http_transfer_free(&r->x);
    curl_slist_free_all(r->headers);
    failure_clear(&r->failure);
    free(r->url);
    free(r->post);
    free(r);
}

static void on_done(struct http_transfer *x) { task_wake(((struct request *)x->data)->task); }

static void request_cancel(void *data) {
    struct request *r = data;
    http_cancel(task_engine(r->task)->http, &r->x);
    request_free(r);
}

static void request_describe(void *data, struct buf *out) {
    struct request *r = data;
    http_phase(&r->x, r->method, out);
}

/* ---- trace ---- */

static int trace_cb(CURL *easy, curl_infotype type, char *data, size_t size, void *userp) {
    struct request *r = userp;
    const char *prefix;
    char *clean;
    (void)easy;
    switch (type) {
    case CURLINFO_TEXT: prefix = "* "; break;
    case CURLINFO_HEADER_OUT: prefix = "> "; break;
    case CURLINFO_HEADER_IN: prefix = "< "; break;
    case CURLINFO_DATA_OUT: prefix = "} "; break;
    case CURLINFO_DATA_IN: prefix = "{ "; break;
    default: return 0;
    }
    if (type == CURLINFO_HEADER_IN) http_note_set_cookie(data, size);
    /* curl logs a cookie it stores (`Added cookie name="value" ...`) before
     * it shows us the Set-Cookie header: hide that value first. */
    if (type == CURLINFO_TEXT &&
        (size > 13 && (strncmp(data, "Added cookie ", 13) == 0 || strncmp(data, "Replaced cookie ", 16) == 0))) {
        const char *q1 = memchr(data, '"', size);
        const char *q2 = q1 ? memchr(q1 + 1, '"', size - (size_t)(q1 + 1 - data)) : NULL;
        if (q2) {
            const char *name = data + (data[0] == 'A' ? 13 : 16); /* name="value": q1 - 1 is the '=' */
            if (q1 > name) redact_add_cookie(name, (size_t)(q1 - 1 - name), q1 + 1, (size_t)(q2 - q1 - 1));
        }
    }
    if ((type == CURLINFO_DATA_IN || type == CURLINFO_DATA_OUT) && size > 2048) size = 2048;
    clean = redact_textn(data, size);
    for (char *line = clean, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r') line[n - 1] = '\0';
        fprintf(stderr, "[%s/%s] %s%s\n", task_scenario(r->task), task_step(r->task), prefix, line);
    }
    free(clean);
    return 0;
}

/* ---- building the request ---- */

static void url_escape_into(CURL *easy, struct buf *b, const char *s) {
    char *e = curl_easy_escape(easy, s, 0);
    buf_puts(b, e ? e : "");
    curl_free(e);
}

/* {a = 1, b = "x"} → "a=1&b=x" with keys sorted, for stable URLs and bodies. */
static void encode_pairs(lua_State *L, int table, CURL *easy, struct buf *b, const char *what) {
    int n = 0;
    lua_getglobal(L, "telltale");                                       /* ..., telltale */
    lua_getfield(L, -1, "sorted_pairs");                                /* ..., telltale, fn */
    lua_remove(L, -2);                                                  /* ..., fn */
    lua_pushvalue(L, table);                                            /* ..., fn, table */
    lua_call(L, 1, 1);                                                  /* ..., list of {k, v} */
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TTABLE; i++) { /* ..., list, pair */
        lua_rawgeti(L, -1, 1);                                          /* ..., list, pair, k */
        lua_rawgeti(L, -2, 2);                                          /* ..., list, pair, k, v */
        if (!lua_isstring(L, -1) && !lua_isboolean(L, -1))
            luaL_error(L, "%s values must be strings or numbers (key '%s')", what, lua_tostring(L, -2));
        if (n++) buf_puts(b, "&");
        url_escape_into(easy, b, lua_tostring(L, -2));
        buf_puts(b, "=");
        url_escape_into(easy, b,
                        lua_isboolean(L, -1) ? (lua_toboolean(L, -1) ? "true" : "false") : lua_tostring(L, -1));
        lua_pop(L, 3); /* ..., list */
    }
    lua_pop(L, 2); /* ... */
}

static void add_header(struct request *r, const char *name, const char *value) {
    struct buf h;
    buf_init(&h, 0);
    buf_printf(&h, "%s: %s", name, value);
    if (redact_name_is_secret(name)) redact_add_secret(value);
    r->headers = curl_slist_append(r->headers, buf_str(&h));
    buf_free(&h);
}

static bool has_header(lua_State *L, int opts, const char *name) {
    bool found = false;
    if (lua_getfield(L, opts, "headers") == LUA_TTABLE) { /* ..., headers */
        lua_pushnil(L);                                   /* ..., headers, nil */
        while (lua_next(L, -2)) {                         /* ..., headers, k, v */
            if (lua_type(L, -2) == LUA_TSTRING && strcasecmp(lua_tostring(L, -2), name) == 0) found = true;
            lua_pop(L, 1); /* ..., headers, k */
        }
    }
    lua_pop(L, 1); /* ... */
    return found;
}

static void parse_expect(lua_State *L, int opts, struct request *r) {
    int type = lua_getfield(L, opts, "expect"); /* ..., expect */
    if (type == LUA_TNUMBER) {
        r->expect[r->nexpect++] = (int)lua_tointeger(L, -1);
    } else if (type == LUA_TTABLE) {
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) { /* ..., expect, status */
            if (!lua_isinteger(L, -1) || r->nexpect == 16)
                luaL_error(L, "option 'expect' must be a status or a list of up to 16 statuses");
            r->expect[r->nexpect++] = (int)lua_tointeger(L, -1);
            lua_pop(L, 1); /* ..., expect */
        }
        lua_pop(L, 1); /* ..., expect */
        if (r->nexpect == 0) luaL_error(L, "option 'expect' must not be an empty list");
    } else if (type != LUA_TNIL) {
        luaL_error(L, "option 'expect' must be a status or a list of statuses");
    }
    lua_pop(L, 1); /* ... */
}

static const char *const request_keys[] = {"method",  "url",    "headers",  "query",  "body",     "json", "form",
                                           "timeout", "follow", "insecure", "expect", "max_body", NULL};

static void check_request_keys(lua_State *L, int opts) {
    lua_pushnil(L);             /* ..., nil */
    while (lua_next(L, opts)) { /* ..., k, v */
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        bool ok = false;
        for (const char *const *k = request_keys; *k; k++)
            if (strcmp(*k, key) == 0) ok = true;
        if (!ok) luaL_error(L, "unknown http.request option '%s'", key);
        lua_pop(L, 1); /* ..., k */
    }
}

/* Set up r->x.easy from the options table at opts.  Raises on misuse; the
 * request is owned by a to-be-closed slot on the stack until it starts,
 * so a raise here frees it. */
static void configure(lua_State *L, int opts, struct request *r, struct client *client) {
    CURL *easy = client->easy;
    const struct engine *e = task_engine(r->task);
    struct buf url, body;
    const char *method;
    int64_t timeout_ms, remaining = task_remaining_ms(L);
    size_t max_body;

    check_request_keys(L, opts);
    method = (lua_getfield(L, opts, "method") == LUA_TSTRING) ? lua_tostring(L, -1) : "GET"; /* ..., m */
    if (strlen(method) >= sizeof r->method) luaL_error(L, "invalid HTTP method '%s'", method);
    for (size_t i = 0; method[i]; i++) r->method[i] = (char)toupper((unsigned char)method[i]);
    lua_pop(L, 1); /* ... */

    buf_init(&url, 0);
    buf_init(&body, 0);
    if (lua_getfield(L, opts, "url") != LUA_TSTRING) luaL_error(L, "http.request needs a 'url' string"); /* ..., u */
    buf_puts(&url, lua_tostring(L, -1));
    lua_pop(L, 1); /* ... */
    if (strncasecmp(buf_str(&url), "http://", 7) != 0 && strncasecmp(buf_str(&url), "https://", 8) != 0) {
        char bad[200];
        snprintf(bad, sizeof bad, "%s", buf_str(&url));
        buf_free(&url);
        luaL_error(L, "http.request: url must start with http:// or https:// (got '%s')", bad);
    }
    if (lua_getfield(L, opts, "query") == LUA_TTABLE) { /* ..., q */
        buf_puts(&url, strchr(buf_str(&url), '?') ? "&" : "?");
        encode_pairs(L, lua_gettop(L), easy, &url, "query");
    }
    lua_pop(L, 1); /* ... */
    r->url = buf_take(&url);

    curl_easy_setopt(easy, CURLOPT_URL, r->url);
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L); /* back to a plain GET, no body */
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 0L);
    curl_easy_setopt(easy, CURLOPT_VERBOSE, 0L);
    if (strcmp(r->method, "HEAD") == 0)
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    else if (strcmp(r->method, "GET") != 0)
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r->method);

    /* Body: exactly one of body, json, form. */
    int kinds = 0;
    if (lua_getfield(L, opts, "body") != LUA_TNIL) { /* ..., b */
        if (!lua_isstring(L, -1)) luaL_error(L, "option 'body' must be a string");
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        buf_append(&body, s, len);
        kinds++;
    }
    lua_pop(L, 1);                                   /* ... */
    if (lua_getfield(L, opts, "json") != LUA_TNIL) { /* ..., j */
        char err[200];
        if (json_encode(L, lua_gettop(L), &body, err, sizeof err) != 0) {
            buf_free(&body);
            luaL_error(L, "option 'json': %s", err);
        }
        if (!has_header(L, opts, "content-type")) add_header(r, "Content-Type", "application/json");
        kinds++;
    }
    lua_pop(L, 1);                                   /* ... */
    if (lua_getfield(L, opts, "form") != LUA_TNIL) { /* ..., f */
        if (!lua_istable(L, -1)) luaL_error(L, "option 'form' must be a table");
        encode_pairs(L, lua_gettop(L), easy, &body, "form");
        if (!has_header(L, opts, "content-type")) add_header(r, "Content-Type", "application/x-www-form-urlencoded");
        kinds++;
    }
    lua_pop(L, 1); /* ... */
    if (kinds > 1) {
        buf_free(&body);
        luaL_error(L, "give only one of 'body', 'json' and 'form'");
    }
    if (kinds == 1) {
        r->post = xstrndup(buf_str(&body), body.len);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r->post);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
        if (strcmp(r->method, "GET") == 0) curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "GET");
    }
    buf_free(&body);

    if (lua_getfield(L, opts, "headers") == LUA_TTABLE) { /* ..., h */
        lua_pushnil(L);                                   /* ..., h, nil */
        while (lua_next(L, -2)) {                         /* ..., h, k, v */
            if (lua_type(L, -2) != LUA_TSTRING || !lua_isstring(L, -1))
                luaL_error(L, "headers must map names to strings");
            add_header(r, lua_tostring(L, -2), lua_tostring(L, -1));
            lua_pop(L, 1); /* ..., h, k */
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "option 'headers' must be a table");
    }
    lua_pop(L, 1); /* ... */
    /* libcurl adds "Expect: 100-continue" to large POSTs; servers that ignore
     * it cost a second of waiting. */
    r->headers = curl_slist_append(r->headers, "Expect:");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, r->headers);

    int follow = lua_getfield(L, opts, "follow"); /* ..., f */
    if (follow == LUA_TBOOLEAN && lua_toboolean(L, -1)) {
        curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 20L);
    } else if (follow == LUA_TNUMBER) {
        curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(easy, CURLOPT_MAXREDIRS, (long)lua_tointeger(L, -1));
    } else if (follow != LUA_TNIL && follow != LUA_TBOOLEAN) {
        luaL_error(L, "option 'follow' must be a boolean or a number of redirects");
    }
    lua_pop(L, 1);                     /* ... */
    lua_getfield(L, opts, "insecure"); /* ..., i */
    if (lua_toboolean(L, -1)) {
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    lua_pop(L, 1); /* ... */

    /* Without its own timeout a request lives as long as the step, whose
     * deadline sched enforces (and names in the failure).  A shorter
     * `timeout` is the request's own, raised as a catchable failure. */
    timeout_ms = core_opt_duration_field(L, opts, "timeout", 0);
    if (timeout_ms > 0 && timeout_ms < remaining) curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms);

    max_body = e->opt->max_body;
    if (lua_getfield(L, opts, "max_body") == LUA_TNUMBER) max_body = (size_t)lua_tointeger(L, -1); /* ..., m */
    lua_pop(L, 1);                                                                                 /* ... */
    parse_expect(L, opts, r);

    http_transfer_init(&r->x, easy, max_body, on_done, r);
    if (e->opt->trace) {
        curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
        curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, trace_cb);
        curl_easy_setopt(easy, CURLOPT_DEBUGDATA, r);
    }
}

/* ---- the response ---- */

static void push_headers(lua_State *L, const struct buf *raw) {
    const char *p = buf_str(raw);
    lua_newtable(L); /* ..., headers */
    while (*p) {
        const char *eol = strchr(p, '\n');
        const char *colon = memchr(p, ':', eol ? (size_t)(eol - p) : strlen(p));
        size_t linelen = eol ? (size_t)(eol - p) : strlen(p);
        if (colon && strncmp(p, "HTTP/", 5) != 0) {
            const char *v = colon + 1, *vend = p + linelen;
            char name[256];
            size_t n = (size_t)(colon - p) < sizeof name - 1 ? (size_t)(colon - p) : sizeof name - 1;
            for (size_t i = 0; i < n; i++) name[i] = (char)tolower((unsigned char)p[i]);
            name[n] = '\0';
            while (v < vend && isspace((unsigned char)*v)) v++;
            while (vend > v && isspace((unsigned char)vend[-1])) vend--;
            if (lua_getfield(L, -1, name) == LUA_TSTRING) { /* ..., headers, old */
                lua_pushstring(L, ", ");                    /* ..., headers, old, sep */
                lua_pushlstring(L, v, (size_t)(vend - v));  /* ..., headers, old, sep, v */
                lua_concat(L, 3);                           /* ..., headers, joined */
            } else {
                lua_pop(L, 1);                             /* ..., headers */
                lua_pushlstring(L, v, (size_t)(vend - v)); /* ..., headers, v */
            }
            lua_setfield(L, -2, name); /* ..., headers */
        }
        if (!eol) break;
        p = eol + 1;
    }
    luaL_setmetatable(L, HEADERS_MT);
}

/* Header lookup is case-insensitive: resp.headers["Content-Type"] works. */
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

static bool status_allowed(const struct request *r, long status) {
    if (r->nexpect == 0) return status < 400;
    for (int i = 0; i < r->nexpect; i++)
        if (r->expect[i] == status) return true;
    return false;
}

static void describe_expected(const struct request *r, struct buf *out) {
    if (r->nexpect == 0) {
        buf_puts(out, "expected a status below 400");
        return;
    }
    buf_puts(out, r->nexpect == 1 ? "expected " : "expected one of ");
    for (int i = 0; i < r->nexpect; i++) buf_printf(out, "%s%d", i ? ", " : "", r->expect[i]);
}

static void save_artifact(struct request *r, long status) {
    const struct engine *e = task_engine(r->task);
    struct failure f = {0};
    char what[64];
    if (!e->opt->artifacts_dir) return;
    snprintf(what, sizeof what, "%s-%ld.http", r->method, status);
    struct buf all;
    buf_init(&all, 0);
    buf_printf(&all, "%s %s\n", r->method, r->url);
    buf_append(&all, r->x.headers.data ? r->x.headers.data : "", r->x.headers.len);
    buf_append(&all, r->x.body.data ? r->x.body.data : "", r->x.body.len);
    /* An artifact that cannot be written must not fail the check itself. */
    if (artifacts_save(r->task, e->opt->artifacts_dir, task_scenario(r->task), task_step(r->task), what, all.data,
                       all.len, NULL, 0, &f) != 0)
        fprintf(stderr, "telltale: %s\n", f.message);
    buf_free(&all);
    failure_clear(&f);
}

static int request_continue(lua_State *L, int status, lua_KContext ctx) {
    struct request *r = (struct request *)ctx;
    struct failure f = {0};
    long code = 0;
    char *final_url = NULL;
    (void)status;

    if (r->x.result != CURLE_OK) {
        http_transfer_failure(&r->x, r->method, &f);
        request_free(r);
        return core_raise_failure(L, &f);
    }
    curl_easy_getinfo(r->x.easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(r->x.easy, CURLINFO_EFFECTIVE_URL, &final_url);
    save_artifact(r, code);

    lua_createtable(L, 0, 6);                               /* resp */
    lua_pushinteger(L, code);                               /* resp, status */
    lua_setfield(L, -2, "status");                          /* resp */
    lua_pushlstring(L, buf_str(&r->x.body), r->x.body.len); /* resp, body */
    lua_setfield(L, -2, "body");                            /* resp */
    lua_pushstring(L, final_url ? final_url : r->url);      /* resp, url */
    lua_setfield(L, -2, "url");                             /* resp */
    lua_pushstring(L, r->method);                           /* resp, method */
    lua_setfield(L, -2, "method");                          /* resp */
    push_headers(L, &r->x.headers);                         /* resp, headers */
    lua_setfield(L, -2, "headers");                         /* resp */
    push_timings(L, r->x.easy);                             /* resp, timings */
    lua_setfield(L, -2, "timings");                         /* resp */
    luaL_setmetatable(L, RESPONSE_MT);

    if (!status_allowed(r, code)) {
        struct buf msg, detail;
        buf_init(&msg, 0);
        buf_init(&detail, 0);
        buf_printf(&msg, "%s %s returned %ld (", r->method, r->url, code);
        describe_expected(r, &msg);
        buf_puts(&msg, ")");
        buf_append(&detail, buf_str(&r->x.body), utf8_cut(buf_str(&r->x.body), r->x.body.len, BODY_EXCERPT));
        if (r->x.body.len > BODY_EXCERPT) buf_printf(&detail, "\n... (%zu bytes in all)", r->x.body.len);
        failure_set(&f, FAILURE_HTTP, "%s", buf_str(&msg));
        failure_set_detail(&f, buf_str(&detail));
        buf_free(&msg);
        buf_free(&detail);
        request_free(r);
        core_push_failure(L, &f);        /* resp, failure */
        lua_insert(L, -2);               /* failure, resp */
        lua_setfield(L, -2, "response"); /* failure */
        failure_clear(&f);
        return lua_error(L);
    }
    request_free(r);
    return 1;
}

/* http.request{ method=, url=, ... } → response */
static int http_request(lua_State *L) {
    struct task *t = task_from_lua(L);
    struct request *r;
    struct failure f = {0};
    struct client *client;

    luaL_checktype(L, 1, LUA_TTABLE);
    task_check_parkable(L);
    client = get_client(L);
    r = xcalloc(1, sizeof *r);
    r->task = t;
    /* Until the transfer starts, a raise while reading options must free
     * r: a to-be-closed guard owns it meanwhile. */
    *(struct request **)lua_newuserdatauv(L, sizeof r, 0) = r; /* opts, guard */
    luaL_setmetatable(L, "telltale.http.guard");
    lua_toclose(L, -1);
    configure(L, 1, r, client);
    *(struct request **)lua_touserdata(L, -1) = NULL; /* the request now owns itself */
    if (http_start(task_engine(t)->http, &r->x, &f) != 0) {
        request_free(r);
        return core_raise_failure(L, &f);
    }
    struct task_wait w = {request_cancel, request_describe, r};
    return task_park(L, &w, (lua_KContext)r, request_continue);
}

static int guard_close(lua_State *L) {
    struct request **slot = lua_touserdata(L, 1);
    if (*slot) request_free(*slot);
    *slot = NULL;
    return 0;
}

/* http.get(url [, opts]) and friends: method and url folded into opts. */
static int http_shorthand(lua_State *L) {
    const char *method = lua_tostring(L, lua_upvalueindex(1));
    luaL_checkstring(L, 1);
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1);
        lua_newtable(L); /* url, opts */
    } else {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_settop(L, 2);
        /* Copy: the caller's table may be reused for other requests. */
        lua_newtable(L);          /* url, opts, copy */
        lua_pushnil(L);           /* url, opts, copy, nil */
        while (lua_next(L, 2)) {  /* url, opts, copy, k, v */
            lua_pushvalue(L, -2); /* url, opts, copy, k, v, k */
            lua_insert(L, -2);    /* url, opts, copy, k, k, v */
            lua_rawset(L, -4);    /* url, opts, copy, k */
        }
        lua_remove(L, 2); /* url, copy */
    }
    lua_pushvalue(L, 1);          /* url, opts, url */
    lua_setfield(L, 2, "url");    /* url, opts */
    lua_pushstring(L, method);    /* url, opts, method */
    lua_setfield(L, 2, "method"); /* url, opts */
    lua_remove(L, 1);             /* opts */
    return http_request(L);
}

/* resp:json() → decoded body; an invalid body fails the step (assertion). */
static int response_json(lua_State *L) {
    char err[256];
    size_t len;
    const char *body;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "body"); /* resp, body */
    body = luaL_optlstring(L, -1, "", &len);
    if (json_decode(L, body, len, err, sizeof err) != 0)
        return core_raise(L, FAILURE_ASSERTION, "response body is not valid JSON: %s", err);
    return 1;
}

/* resp:html() → html.parse(body, url) */
static int response_html(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getglobal(L, "html");     /* resp, html */
    lua_getfield(L, -1, "parse"); /* resp, html, parse */
    lua_getfield(L, 1, "body");   /* resp, html, parse, body */
    lua_getfield(L, 1, "url");    /* resp, html, parse, body, url */
    lua_call(L, 2, 1);            /* resp, html, doc */
    return 1;
}

static const luaL_Reg response_methods[] = {{"json", response_json}, {"html", response_html}, {NULL, NULL}};

int luaopen_http(lua_State *L) {
    static const char *const methods[] = {"get", "post", "put", "patch", "delete", "head", "options", NULL};
    luaL_newmetatable(L, CLIENT_MT);             /* mt */
    lua_pushcfunction(L, client_gc);             /* mt, gc */
    lua_setfield(L, -2, "__gc");                 /* mt */
    lua_pop(L, 1);                               /* */
    luaL_newmetatable(L, "telltale.http.guard"); /* mt */
    lua_pushcfunction(L, guard_close);           /* mt, close */
    lua_setfield(L, -2, "__close");              /* mt */
    lua_pop(L, 1);                               /* */
    luaL_newmetatable(L, HEADERS_MT);            /* mt */
    lua_pushcfunction(L, headers_index);         /* mt, index */
    lua_setfield(L, -2, "__index");              /* mt */
    lua_pop(L, 1);                               /* */
    luaL_newmetatable(L, RESPONSE_MT);           /* mt */
    luaL_newlib(L, response_methods);            /* mt, methods */
    lua_setfield(L, -2, "__index");              /* mt */
    lua_pop(L, 1);                               /* */

    lua_newtable(L);                    /* http */
    lua_pushcfunction(L, http_request); /* http, fn */
    lua_setfield(L, -2, "request");     /* http */
    for (const char *const *m = methods; *m; m++) {
        char upper[16];
        size_t i;
        for (i = 0; (*m)[i]; i++) upper[i] = (char)toupper((unsigned char)(*m)[i]);
        upper[i] = '\0';
        lua_pushstring(L, upper);               /* http, method */
        lua_pushcclosure(L, http_shorthand, 1); /* http, fn */
        lua_setfield(L, -2, *m);                /* http */
    }
    return 1;
}
