/* http_lua.c — Lua binding of the HTTP driver; see http_lua.h.
 *
 * Each scenario state owns one curl easy handle (registry, with __gc): it
 * carries the scenario's cookie jar from step to step, and reusing it keeps
 * connections warm.  A request validates its options (raising on misuse),
 * starts the transfer, parks the step's coroutine, and its continuation
 * builds the response or raises a failure (`network`, `timeout`, `http`).
 *
 * Redirects are followed here, not by libcurl: CURLOPT_FOLLOWLOCATION keeps
 * a CURLOPT_CUSTOMREQUEST method on every hop, so a login form's POST
 * answered with 302 would POST to the dashboard.  A browser turns it into
 * a GET (RFC 9110 §15.4, Fetch): the continuation sees the 3xx, sets the
 * same handle up for the next hop (same cookie jar, same connections) and
 * parks again, under the same step deadline. */
#include "http_lua.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "artifacts.h"
#include "buf.h"
#include "cookie.h"
#include "core_lua.h"
#include "engine.h"
#include "http.h"
#include "http_response.h"
#include "json.h"
#include "loop.h"
#include "opts.h"
#include "random.h"
#include "redact.h"
#include "sched.h"
#include "trace.h"
#include "url.h"
#include "utf8.h"
#include "xalloc.h"

#define CLIENT_MT "telltale.http.client"
#define CLIENT_KEY "telltale.http.client.instance" /* registry: the scenario's client */
#define BODY_EXCERPT 1024                          /* bytes of body quoted in a failure's detail */
#define MAX_REDIRECTS 20                           /* follow = true, as browsers and curl */
#define SENT_CAP (64 * 1024)                       /* request headers kept for an artifact */

struct client {
    CURL *easy; /* reused request after request: keeps its cookies and connections */
};

struct request {
    struct http_transfer x;
    struct task *task;
    struct curl_slist *given;   /* headers as the scenario set them (and Content-Type), "Name: value" */
    struct curl_slist *headers; /* what this hop sends: given, filtered, plus "Expect:" */
    char method[16];            /* this hop's method */
    char *url;                  /* this hop's URL, owned */
    char *origin;               /* scheme://host[:port] of the first URL (request_origin): credentials go only there */
    char *post;                 /* request body, owned */
    size_t post_len;
    curl_mime *mime;    /* multipart body, owned */
    bool body;          /* this hop sends post or mime */
    long follow;        /* redirects to follow; -1 = return a 3xx as it is */
    int64_t timeout_ms; /* the request's own timeout over the whole chain; 0 = the step's */
    uint64_t started_ms;
    struct http_hop *hops; /* redirects so far */
    int nhops;
    struct buf sent; /* this hop's request headers, for the artifact */
    int expect[16];  /* allowed statuses; nexpect = 0 means "< 400" */
    int nexpect;
    bool traceparent; /* send W3C trace context, a new span per hop */
    char span_id[17]; /* this hop's span, "" when none is sent */
};

static int client_gc(lua_State *L) {
    struct client *c = luaL_checkudata(L, 1, CLIENT_MT);
    if (c->easy) curl_easy_cleanup(c->easy);
    c->easy = NULL;
    return 0;
}

/* The client's metatable, made by whichever needs it first: the http
 * module, or the browser's cookie bridge in a scenario that never used
 * http (the module opens at its first use, sandbox_lazy_libs). */
static void client_meta(lua_State *L) {
    if (luaL_newmetatable(L, CLIENT_MT)) { /* mt */
        lua_pushcfunction(L, client_gc);   /* mt, gc */
        lua_setfield(L, -2, "__gc");       /* mt */
    }
    lua_pop(L, 1); /* */
}

/* The scenario's client, created on first use. */
static struct client *get_client(lua_State *L) {
    struct client *c;
    if (lua_getfield(L, LUA_REGISTRYINDEX, CLIENT_KEY) == LUA_TUSERDATA) { /* ..., client */
        c = lua_touserdata(L, -1);
        lua_pop(L, 1); /* ... */
        return c;
    }
    lua_pop(L, 1); /* ... */
    client_meta(L);
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
    /* A page must not send the canary to ftp:// or file:// either. */
    curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    return c;
}

static void request_free(struct request *r) {
    if (r->mime) curl_easy_setopt(r->x.easy, CURLOPT_MIMEPOST, NULL); /* the handle outlives the request */
    http_transfer_free(&r->x);
    curl_slist_free_all(r->given);
    curl_slist_free_all(r->headers);
    curl_mime_free(r->mime);
    for (int i = 0; i < r->nhops; i++) free(r->hops[i].url);
    free(r->hops);
    buf_free(&r->sent);
    free(r->url);
    free(r->origin);
    free(r->post);
    free(r);
}

/* The first URL's origin, parsed when a redirect needs it: most requests
 * are never redirected, and curl's URL parser costs a tenth of one. */
static const char *request_origin(struct request *r) {
    if (!r->origin) {
        struct buf origin;
        buf_init(&origin, 0);
        url_origin(r->nhops ? r->hops[0].url : r->url, &origin);
        r->origin = buf_take(&origin);
    }
    return r->origin;
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

/* ---- trace and artifacts ---- */

/* libcurl's debug callback: keeps the request headers for the hop's
 * artifact, and prints the exchange with --trace. */
static int trace_cb(CURL *easy, curl_infotype type, char *data, size_t size, void *userp) {
    struct request *r = userp;
    const char *prefix;
    (void)easy;
    if (type == CURLINFO_HEADER_OUT) buf_append(&r->sent, data, size);
    if (!task_engine(r->task)->opt->trace) return 0;
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
    char label[300];
    snprintf(label, sizeof label, "%s/%s", task_scenario(r->task), task_step(r->task));
    trace_print(label, prefix, data, size);
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
    size_t n = strlen(name), v = strlen(value);
    char *line = xmalloc(n + v + 3);
    memcpy(line, name, n);
    memcpy(line + n, ": ", 2);
    memcpy(line + n + 2, value, v + 1);
    if (redact_name_is_secret(name)) redact_add_secret(value);
    r->given = curl_slist_append(r->given, line);
    free(line);
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

/* The options of http.request; the shorthands take the same but method
 * and url, which are their name and first argument. */
#define REQUEST_BODY_OPTS                                                                                              \
    {"headers", OPT_TABLE, false}, {"query", OPT_TABLE, false}, {"body", OPT_STRING | OPT_NUMBER, false},              \
        {"json", OPT_ANY, false}, {"form", OPT_TABLE, false}, {"multipart", OPT_TABLE, false},                         \
        {"timeout", OPT_DURATION, false}, {"follow", OPT_BOOLEAN | OPT_INTEGER, false},                                \
        {"insecure", OPT_BOOLEAN, false}, {"expect", OPT_INTEGER | OPT_TABLE, false}, {"max_body", OPT_SIZE, false}, { \
        "traceparent", OPT_BOOLEAN, false                                                                              \
    }
static const struct opts_spec request_opts[] = {
    {"method", OPT_STRING, false}, {"url", OPT_STRING, false}, REQUEST_BODY_OPTS, {NULL, 0, false}};
static const struct opts_spec shorthand_opts[] = {REQUEST_BODY_OPTS, {NULL, 0, false}};

static bool header_is(const char *line, const char *const *names) {
    for (const char *const *n = names; *n; n++) {
        size_t len = strlen(*n);
        if (strncasecmp(line, *n, len) == 0 && line[len] == ':') return true;
    }
    return false;
}

/* The headers this hop sends.  A redirect that drops the body drops the
 * headers describing it (Fetch's request-body-header names, and Origin, which
 * a browser sends on no GET); a hop to another origin does not carry the
 * scenario's credentials (curl's CURLOPT_UNRESTRICTED_AUTH off: browsers drop
 * them too). */
/* W3C trace context: the scenario run's trace id and a new span id for this
 * hop, so the backend's traces of a failing canary can be found from the
 * report.  Sampled (flags 01): a canary's requests are few and worth it. */
static struct curl_slist *add_traceparent(struct request *r, struct curl_slist *headers) {
    char line[80];
    r->span_id[0] = '\0';
    if (!r->traceparent || !*task_trace_id(r->task)) return headers;
    random_hex_id(r->span_id, 8);
    snprintf(line, sizeof line, "traceparent: 00-%s-%s-01", task_trace_id(r->task), r->span_id);
    return curl_slist_append(headers, line);
}

static void build_headers(struct request *r, bool drop_body, bool drop_credentials) {
    static const char *const body_headers[] = {
        "content-type", "content-length", "content-encoding", "content-language", "content-location", "origin", NULL};
    static const char *const credentials[] = {"authorization", "cookie", "proxy-authorization", NULL};
    struct curl_slist *headers = NULL;
    for (struct curl_slist *h = r->given; h; h = h->next) {
        if ((drop_body && header_is(h->data, body_headers)) || (drop_credentials && header_is(h->data, credentials)))
            continue;
        headers = curl_slist_append(headers, h->data);
    }
    headers = add_traceparent(r, headers);
    /* libcurl adds "Expect: 100-continue" to large POSTs; servers that ignore
     * it cost a second of waiting. */
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(r->x.easy, CURLOPT_HTTPHEADER, headers);
    curl_slist_free_all(r->headers);
    r->headers = headers;
}

/* URL, method and body of this hop on the handle. */
static void apply_hop(struct request *r) {
    CURL *easy = r->x.easy;
    int64_t timeout_ms = r->timeout_ms;
    curl_easy_setopt(easy, CURLOPT_URL, r->url);
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L); /* back to a plain GET, no body */
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, NULL);
    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (r->body) {
        if (r->mime) {
            curl_easy_setopt(easy, CURLOPT_MIMEPOST, r->mime);
        } else {
            curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r->post);
            curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->post_len);
        }
        if (strcmp(r->method, "POST") != 0) curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r->method);
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r->method);
    }
    /* The request's own timeout covers the whole chain of redirects. */
    if (timeout_ms > 0) {
        timeout_ms -= (int64_t)(loop_clock_ms() - r->started_ms);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 1));
    }
}

static void check_string_field(lua_State *L, int part, const char *field, bool required) {
    int type = lua_getfield(L, part, field); /* ..., v */
    if (type == LUA_TNIL && !required) {
        lua_pop(L, 1); /* ... */
        return;
    }
    if (!lua_isstring(L, -1)) luaL_error(L, "option 'multipart': each part needs a string '%s'", field);
    lua_pop(L, 1); /* ... */
}

/* multipart = { {name =, value =} | {name =, filename =, content =, type =}, ... } */
static void build_multipart(lua_State *L, int list, struct request *r) {
    static const char *const part_keys[] = {"name", "value", "filename", "content", "type", NULL};
    r->mime = curl_mime_init(r->x.easy);
    for (lua_Integer i = 1; lua_rawgeti(L, list, i) != LUA_TNIL; i++) { /* ..., part */
        int part = lua_gettop(L);
        size_t len;
        const char *data;
        if (!lua_istable(L, part)) luaL_error(L, "option 'multipart' must be a list of parts (tables)");
        lua_pushnil(L);             /* ..., part, nil */
        while (lua_next(L, part)) { /* ..., part, k, v */
            const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            bool ok = false;
            for (const char *const *k = part_keys; *k; k++) ok = ok || strcmp(*k, key) == 0;
            if (!ok) luaL_error(L, "option 'multipart': unknown part field '%s'", key);
            lua_pop(L, 1); /* ..., part, k */
        }
        check_string_field(L, part, "name", true);
        check_string_field(L, part, "value", false);
        check_string_field(L, part, "filename", false);
        check_string_field(L, part, "content", false);
        check_string_field(L, part, "type", false);
        curl_mimepart *p = curl_mime_addpart(r->mime);
        lua_getfield(L, part, "name"); /* ..., part, name */
        curl_mime_name(p, lua_tostring(L, -1));
        if (lua_getfield(L, part, "filename") != LUA_TNIL) { /* ..., part, name, filename */
            curl_mime_filename(p, lua_tostring(L, -1));
            curl_mime_type(p, "application/octet-stream");
            lua_getfield(L, part, "content"); /* ..., part, name, filename, content */
        } else {
            lua_getfield(L, part, "value"); /* ..., part, name, nil, value */
        }
        data = lua_isstring(L, -1) ? lua_tolstring(L, -1, &len) : (len = 0, "");
        curl_mime_data(p, data, len);
        if (lua_getfield(L, part, "type") == LUA_TSTRING) curl_mime_type(p, lua_tostring(L, -1)); /* ..., type */
        lua_pop(L, 5);                                                                            /* ... */
    }
    lua_pop(L, 1); /* ... */
}

/* The body options: exactly one of body, json, form, multipart.  Sets
 * r->post or r->mime and the Content-Type a scenario did not set. */
static void configure_body(lua_State *L, int opts, struct request *r) {
    struct buf body;
    int kinds = 0;
    buf_init(&body, 0);
    if (lua_getfield(L, opts, "body") != LUA_TNIL) { /* ..., b */
        if (!lua_isstring(L, -1)) luaL_error(L, "option 'body' must be a string");
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        buf_append(&body, s, len);
        kinds++;
    }
    lua_pop(L, 1);                                   /* ... */
    if (lua_getfield(L, opts, "json") != LUA_TNIL) { /* ..., j */
        struct failure f = {0};
        if (json_encode(L, lua_gettop(L), &body, &f) != 0) {
            buf_free(&body);
            lua_pushstring(L, f.message); /* ..., j, message: Lua keeps the text while f is freed */
            failure_clear(&f);
            luaL_error(L, "option 'json': %s", lua_tostring(L, -1));
        }
        if (!has_header(L, opts, "content-type")) add_header(r, "Content-Type", "application/json");
        kinds++;
    }
    lua_pop(L, 1);                                   /* ... */
    if (lua_getfield(L, opts, "form") != LUA_TNIL) { /* ..., f */
        if (!lua_istable(L, -1)) luaL_error(L, "option 'form' must be a table");
        encode_pairs(L, lua_gettop(L), r->x.easy, &body, "form");
        if (!has_header(L, opts, "content-type")) add_header(r, "Content-Type", "application/x-www-form-urlencoded");
        kinds++;
    }
    lua_pop(L, 1);                                        /* ... */
    if (lua_getfield(L, opts, "multipart") != LUA_TNIL) { /* ..., m */
        if (!lua_istable(L, -1)) luaL_error(L, "option 'multipart' must be a list of parts");
        if (kinds == 0) build_multipart(L, lua_gettop(L), r);
        kinds++;
    }
    lua_pop(L, 1); /* ... */
    if (kinds > 1) {
        buf_free(&body);
        luaL_error(L, "give only one of 'body', 'json', 'form' and 'multipart'");
    }
    r->body = kinds == 1;
    if (r->body && !r->mime) {
        r->post_len = body.len;
        r->post = buf_take(&body);
    }
    buf_free(&body);
}

/* Set up r->x.easy from the options table at opts.  Raises on misuse; the
 * request is owned by a to-be-closed slot on the stack until it starts,
 * so a raise here frees it. */
static void configure(lua_State *L, int opts, bool checked, struct request *r, struct client *client) {
    CURL *easy = client->easy;
    const struct engine *e = task_engine(r->task);
    struct buf url;
    const char *method;
    int64_t timeout_ms, remaining = task_remaining_ms(L);
    size_t max_body;

    if (!checked) opts_check(L, opts, "http.request", request_opts);
    method = (lua_getfield(L, opts, "method") == LUA_TSTRING) ? lua_tostring(L, -1) : "GET"; /* ..., m */
    if (strlen(method) >= sizeof r->method) luaL_error(L, "invalid HTTP method '%s'", method);
    for (size_t i = 0; method[i]; i++) r->method[i] = (char)toupper((unsigned char)method[i]);
    lua_pop(L, 1); /* ... */

    /* Options are read into r before the handle is touched by a transfer;
     * http_transfer_init only prepares buffers. */
    max_body = e->opt->max_body;
    max_body = opts_size_field(L, opts, "max_body", max_body);
    http_transfer_init(&r->x, easy, max_body, on_done, r);

    buf_init(&url, 0);
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

    configure_body(L, opts, r);
    if (lua_getfield(L, opts, "headers") == LUA_TTABLE) { /* ..., h */
        lua_pushnil(L);                                   /* ..., h, nil */
        while (lua_next(L, -2)) {                         /* ..., h, k, v */
            if (lua_type(L, -2) != LUA_TSTRING || !lua_isstring(L, -1))
                luaL_error(L, "headers must map names to strings");
            /* A line break would end the header and start another (or the
             * body): request smuggling, never what the scenario meant. */
            if (strpbrk(lua_tostring(L, -2), "\r\n:") || strpbrk(lua_tostring(L, -1), "\r\n"))
                luaL_error(L, "header '%s' has a line break (or a ':' in its name)", lua_tostring(L, -2));
            add_header(r, lua_tostring(L, -2), lua_tostring(L, -1));
            lua_pop(L, 1); /* ..., h, k */
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "option 'headers' must be a table");
    }
    lua_pop(L, 1); /* ... */

    int follow = lua_getfield(L, opts, "follow"); /* ..., f */
    if (follow == LUA_TBOOLEAN)
        r->follow = lua_toboolean(L, -1) ? MAX_REDIRECTS : -1;
    else if (follow == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0)
        r->follow = (long)lua_tointeger(L, -1);
    else if (follow == LUA_TNIL)
        r->follow = -1;
    else
        luaL_error(L, "option 'follow' must be a boolean or a number of redirects");
    lua_pop(L, 1);                     /* ... */
    lua_getfield(L, opts, "insecure"); /* ..., i */
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, lua_toboolean(L, -1) ? 0L : 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, lua_toboolean(L, -1) ? 0L : 2L);
    lua_pop(L, 1); /* ... */

    /* Without its own timeout a request lives as long as the step, whose
     * deadline sched enforces (and names in the failure).  A shorter
     * `timeout` is the request's own, raised as a catchable failure. */
    timeout_ms = core_opt_duration_field(L, opts, "timeout", 0);
    if (timeout_ms > 0 && timeout_ms < remaining) r->timeout_ms = timeout_ms;
    r->started_ms = loop_clock_ms();
    parse_expect(L, opts, r);
    /* A traceparent the scenario set itself is left alone. */
    static const char *const traceparent[] = {"traceparent", NULL};
    r->traceparent = lua_getfield(L, opts, "traceparent") == LUA_TNIL || lua_toboolean(L, -1); /* ..., tp */
    lua_pop(L, 1);                                                                             /* ... */
    for (struct curl_slist *h = r->given; h && r->traceparent; h = h->next)
        if (header_is(h->data, traceparent)) r->traceparent = false;

    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 0L);
    curl_easy_setopt(easy, CURLOPT_VERBOSE, 0L);
    if (e->opt->trace || e->opt->artifacts_dir) {
        buf_init(&r->sent, SENT_CAP);
        curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
        curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, trace_cb);
        curl_easy_setopt(easy, CURLOPT_DEBUGDATA, r);
    }
    apply_hop(r);
    build_headers(r, false, false);
}

/* ---- the response ---- */

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

/* One file per hop: the request line, the headers sent, the response's
 * headers and body, so a redirect chain can be read hop by hop. */
static void save_artifact(struct request *r, long status) {
    const struct engine *e = task_engine(r->task);
    struct failure f = {0};
    char what[64];
    if (!e->opt->artifacts_dir) return;
    snprintf(what, sizeof what, "%s-%ld.http", r->method, status);
    struct buf all;
    buf_init(&all, 0);
    buf_printf(&all, "%s %s\n", r->method, r->url);
    buf_append(&all, buf_str(&r->sent), r->sent.len);
    buf_append(&all, r->x.headers.data ? r->x.headers.data : "", r->x.headers.len);
    buf_append(&all, r->x.body.data ? r->x.body.data : "", r->x.body.len);
    /* An artifact that cannot be written must not fail the check itself. */
    if (artifacts_save(r->task, e->opt->artifacts_dir, task_scenario(r->task), task_step(r->task), what, all.data,
                       all.len, NULL, 0, &f) != 0)
        fprintf(stderr, "telltale: %s\n", f.message);
    buf_free(&all);
    failure_clear(&f);
}

/* A hop as messages name it: its path when it stayed on the first origin. */
static void describe_url(struct request *r, const char *url, struct buf *out) {
    struct buf origin;
    buf_init(&origin, 0);
    if (url_origin(url, &origin) && strcmp(buf_str(&origin), request_origin(r)) == 0)
        url_path(url, out);
    else
        buf_puts(out, url);
    buf_free(&origin);
}

/* "POST /chain → 302, GET /next → 301": how the request got where it is;
 * long chains keep their first and last hops. */
static void describe_chain(struct request *r, struct buf *out) {
    for (int i = 0; i < r->nhops; i++) {
        if (r->nhops > 8 && i == 4) {
            buf_printf(out, ", ... (%d more)", r->nhops - 6);
            i = r->nhops - 2;
        }
        buf_printf(out, "%s%s ", i ? ", " : "", r->hops[i].method);
        describe_url(r, r->hops[i].url, out);
        buf_printf(out, " \xe2\x86\x92 %ld", r->hops[i].status);
    }
}

/* f's message gets " (after <chain>)" when redirects led to the failure. */
static void add_chain(struct request *r, struct failure *f) {
    struct buf msg;
    if (r->nhops == 0 || !f->message) return;
    buf_init(&msg, 0);
    buf_printf(&msg, "%s (after ", f->message);
    describe_chain(r, &msg);
    buf_puts(&msg, ")");
    free(f->message);
    f->message = buf_take(&msg);
}

static void record_hop(struct request *r, long status) {
    r->hops = xrealloc(r->hops, (size_t)(r->nhops + 1) * sizeof *r->hops);
    r->hops[r->nhops].status = status;
    memcpy(r->hops[r->nhops].method, r->method, sizeof r->method);
    r->hops[r->nhops].url = xstrdup(r->url);
    r->nhops++;
}

static bool is_redirect(long status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Set the handle up for the redirect to location and start it; 0, or -1
 * with f filled (too many redirects, not http(s), cannot start). */
static int next_hop(struct request *r, long status, const char *location, struct failure *f) {
    char scheme[16];
    struct buf origin;
    bool to_get;
    record_hop(r, status);
    if (r->nhops > r->follow) {
        struct buf chain;
        buf_init(&chain, 0);
        describe_chain(r, &chain);
        failure_set(f, FAILURE_HTTP, "too many redirects (more than %ld): %s", r->follow, buf_str(&chain));
        buf_free(&chain);
        return -1;
    }
    if (!url_scheme(location, scheme, sizeof scheme) || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        failure_set(f, FAILURE_HTTP, "redirect to %s, which is not an http(s) URL", location);
        add_chain(r, f);
        return -1;
    }
    /* 301 and 302 after POST, and 303 after anything but HEAD, continue as
     * GET without a body; 307 and 308 repeat the request as it was. */
    to_get = ((status == 301 || status == 302) && strcmp(r->method, "POST") == 0) ||
             (status == 303 && strcmp(r->method, "HEAD") != 0);
    if (to_get) {
        snprintf(r->method, sizeof r->method, "GET");
        r->body = false;
    }
    free(r->url);
    r->url = xstrdup(location);
    buf_init(&origin, 0);
    url_origin(r->url, &origin);
    apply_hop(r);
    build_headers(r, !r->body, strcmp(buf_str(&origin), request_origin(r)) != 0);
    buf_free(&origin);
    http_transfer_reset(&r->x);
    buf_reset(&r->sent);
    return http_start(task_engine(r->task)->http, &r->x, f);
}

/* This hop into the step's result, for the reports' request timings. */
static void record_request(struct request *r, long status) {
    struct request_record rec = {.url = r->url, .status = status};
    curl_off_t dns = 0, connect = 0, tls = 0, pre = 0, start = 0, total = 0;
    curl_easy_getinfo(r->x.easy, CURLINFO_NAMELOOKUP_TIME_T, &dns);
    curl_easy_getinfo(r->x.easy, CURLINFO_CONNECT_TIME_T, &connect);
    curl_easy_getinfo(r->x.easy, CURLINFO_APPCONNECT_TIME_T, &tls);
    curl_easy_getinfo(r->x.easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl_easy_getinfo(r->x.easy, CURLINFO_STARTTRANSFER_TIME_T, &start);
    curl_easy_getinfo(r->x.easy, CURLINFO_TOTAL_TIME_T, &total);
    memcpy(rec.method, r->method, sizeof rec.method);
    memcpy(rec.span_id, r->span_id, sizeof rec.span_id);
    rec.dns_ms = (double)dns / 1000.0;
    rec.connect_ms = connect > dns ? (double)(connect - dns) / 1000.0 : 0;
    rec.tls_ms = tls > connect ? (double)(tls - connect) / 1000.0 : 0;
    rec.ttfb_ms = start > pre ? (double)(start - pre) / 1000.0 : 0;
    rec.total_ms = (double)total / 1000.0;
    uint64_t now = loop_clock_ms(), took = (uint64_t)(total / 1000);
    task_record_request(r->task, &rec, now > took ? now - took : 0);
}

static int request_fail(lua_State *L, struct request *r, struct failure *f) {
    request_free(r);
    return core_raise_failure(L, f);
}

static int status_failure(lua_State *L, struct request *r, long code) {
    struct failure f = {0};
    struct buf msg, detail;
    buf_init(&msg, 0);
    buf_init(&detail, 0);
    buf_printf(&msg, "%s %s returned %ld (", r->method, r->url, code);
    if (r->nhops) {
        buf_puts(&msg, "after ");
        describe_chain(r, &msg);
        buf_puts(&msg, "; ");
    }
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

static int request_continue(lua_State *L, int status, lua_KContext ctx) {
    struct request *r = (struct request *)ctx;
    struct failure f = {0};
    long code = 0;
    char *final_url = NULL, *location = NULL;
    (void)status;

    if (r->x.result != CURLE_OK) {
        record_request(r, 0);
        http_transfer_failure(&r->x, r->method, &f);
        add_chain(r, &f);
        return request_fail(L, r, &f);
    }
    curl_easy_getinfo(r->x.easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(r->x.easy, CURLINFO_EFFECTIVE_URL, &final_url);
    save_artifact(r, code);
    record_request(r, code);
    /* libcurl resolves a relative Location even when it does not follow. */
    curl_easy_getinfo(r->x.easy, CURLINFO_REDIRECT_URL, &location);
    if (r->follow >= 0 && is_redirect(code) && location) {
        char *next = xstrdup(location);
        int rc = next_hop(r, code, next, &f);
        free(next);
        if (rc != 0) return request_fail(L, r, &f);
        struct task_wait w = {request_cancel, request_describe, r};
        return task_park(L, &w, (lua_KContext)r, request_continue);
    }

    http_response_push(L, &r->x, code, final_url ? final_url : r->url, r->method, r->hops, r->nhops); /* resp */

    if (!status_allowed(r, code)) return status_failure(L, r, code);
    request_free(r);
    return 1;
}

/* The request whose options table is at 1; checked: the shorthand has
 * checked them already, against the same names. */
static int start_request(lua_State *L, bool checked) {
    struct task *t = task_from_lua(L);
    struct request *r;
    struct failure f = {0};
    struct client *client;

    task_check_parkable(L);
    client = get_client(L);
    r = xcalloc(1, sizeof *r);
    r->task = t;
    /* Until the transfer starts, a raise while reading options must free
     * r: a to-be-closed guard owns it meanwhile. */
    *(struct request **)lua_newuserdatauv(L, sizeof r, 0) = r; /* opts, guard */
    luaL_setmetatable(L, "telltale.http.guard");
    lua_toclose(L, -1);
    configure(L, 1, checked, r, client);
    *(struct request **)lua_touserdata(L, -1) = NULL; /* the request now owns itself */
    if (http_start(task_engine(t)->http, &r->x, &f) != 0) {
        request_free(r);
        return core_raise_failure(L, &f);
    }
    struct task_wait w = {request_cancel, request_describe, r};
    return task_park(L, &w, (lua_KContext)r, request_continue);
}

/* http.request{ method=, url=, ... } → response */
static int http_request(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    opts_check_nargs(L, "http.request", lua_gettop(L), 1);
    return start_request(L, false);
}

static int guard_close(lua_State *L) {
    struct request **slot = lua_touserdata(L, 1);
    if (*slot) request_free(*slot);
    *slot = NULL;
    return 0;
}

/* http.get(url [, opts]) and friends: method and url folded into opts.
 * Upvalues: the method ("GET") and the name for messages ("http.get"). */
static int http_shorthand(lua_State *L) {
    const char *method = lua_tostring(L, lua_upvalueindex(1));
    const char *what = lua_tostring(L, lua_upvalueindex(2));
    luaL_checkstring(L, 1);
    opts_check_nargs(L, what, lua_gettop(L), 2);
    opts_check(L, 2, what, shorthand_opts);
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
    return start_request(L, true);
}

static int compare_path_length(const void *a, const void *b) {
    const struct cookie *x = a, *y = b;
    size_t lx = strlen(x->path), ly = strlen(y->path);
    return lx < ly ? 1 : lx > ly ? -1 : 0;
}

/* http.cookies(url) → { {name, value, domain, path, secure, httponly}, ... }:
 * what the scenario's jar would send with a request to url, longest path
 * first as a browser orders them. */
static int http_cookies(lua_State *L) {
    const char *url = luaL_checkstring(L, 1);
    struct client *client = get_client(L);
    struct curl_slist *jar = NULL;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *path = NULL;
    struct cookie *found = NULL;
    size_t n = 0;

    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) || curl_url_get(u, CURLUPART_PATH, &path, 0) ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        curl_free(scheme);
        curl_free(host);
        curl_free(path);
        curl_url_cleanup(u);
        return luaL_argerror(L, 1, "an http:// or https:// URL expected");
    }
    curl_easy_getinfo(client->easy, CURLINFO_COOKIELIST, &jar);
    for (struct curl_slist *l = jar; l; l = l->next) {
        struct cookie c;
        if (!cookie_jar_match(l->data, scheme, host, path, time(NULL), &c)) continue;
        found = xrealloc(found, (n + 1) * sizeof *found);
        found[n++] = c;
    }
    curl_slist_free_all(jar);
    curl_free(scheme);
    curl_free(host);
    curl_free(path);
    curl_url_cleanup(u);
    /* RFC 6265 §5.4: longer paths first.  Ties need no stable sort: the
     * jar's order is libcurl's hash order, not the cookies' age. */
    if (n > 1) qsort(found, n, sizeof *found, compare_path_length);
    lua_createtable(L, (int)n, 0); /* url, list */
    for (size_t i = 0; i < n; i++) {
        http_response_push_cookie(L, &found[i]); /* url, list, cookie */
        lua_rawseti(L, -2, (lua_Integer)i + 1);  /* url, list */
        cookie_clear(&found[i]);
    }
    free(found);
    return 1;
}

void http_lua_jar_push(lua_State *L) {
    struct client *client = get_client(L);
    struct curl_slist *jar = NULL;
    lua_Integer n = 0;
    curl_easy_getinfo(client->easy, CURLINFO_COOKIELIST, &jar);
    lua_newtable(L); /* list */
    for (struct curl_slist *l = jar; l; l = l->next) {
        lua_pushstring(L, l->data); /* list, line */
        lua_rawseti(L, -2, ++n);    /* list */
    }
    curl_slist_free_all(jar);
}

void http_lua_jar_add(lua_State *L, const char *line) {
    CURL *easy = get_client(L)->easy;
    /* The debug callback's data is the last request, gone by now: curl
     * would report the cookie it adds to it.  The next request sets
     * CURLOPT_VERBOSE again. */
    curl_easy_setopt(easy, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(easy, CURLOPT_COOKIELIST, line);
}

int luaopen_http(lua_State *L) {
    static const char *const methods[] = {"get", "post", "put", "patch", "delete", "head", "options", NULL};
    client_meta(L);
    luaL_newmetatable(L, "telltale.http.guard"); /* mt */
    lua_pushcfunction(L, guard_close);           /* mt, close */
    lua_setfield(L, -2, "__close");              /* mt */
    lua_pop(L, 1);                               /* */
    http_response_open(L);                       /* */
    lua_newtable(L);                             /* http */
    lua_pushcfunction(L, http_request);          /* http, fn */
    lua_setfield(L, -2, "request");              /* http */
    lua_pushcfunction(L, http_cookies);          /* http, fn */
    lua_setfield(L, -2, "cookies");              /* http */
    for (const char *const *m = methods; *m; m++) {
        char upper[16];
        size_t i;
        for (i = 0; (*m)[i]; i++) upper[i] = (char)toupper((unsigned char)(*m)[i]);
        upper[i] = '\0';
        lua_pushstring(L, upper);               /* http, method */
        lua_pushfstring(L, "http.%s", *m);      /* http, method, what */
        lua_pushcclosure(L, http_shorthand, 2); /* http, fn */
        lua_setfield(L, -2, *m);                /* http */
    }
    return 1;
}
