/* browser_page.c — what a page saw; see browser_page.h.
 *
 * Events arrive decoded into a struct msg (the fields event_fields names).
 * Exceptions, console errors, CSP violations and failed sub-resources
 * become notes ("js_error: ...", "resource: ..."), which the binding moves
 * into the step's log; one that matches the page's fail_on fails the
 * operation waiting on the page at once.  Everything also goes into the
 * console log and the request list the artifacts save. */
#include "browser_page.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failure.h"
#include "json.h"
#include "xalloc.h"

#define MAX_REQUESTS 2000 /* network requests kept per page */
#define MAX_CONSOLE 65536 /* bytes of console log kept per page */

/* ---- decoding ---- */

/* The params each event needs, as dotted paths (numbers index arrays). */
static const struct {
    const char *method;
    const char *fields[NFIELDS];
} event_fields[] = {
    {"Runtime.exceptionThrown",
     {"params.exceptionDetails.exception.description", "params.exceptionDetails.text", "params.exceptionDetails.url",
      "params.exceptionDetails.lineNumber"}},
    {"Runtime.consoleAPICalled",
     {"params.type", "params.args.1.value", "params.args.1.description", "params.args.2.value",
      "params.args.2.description", "params.args.3.value", "params.args.3.description"}},
    {"Log.entryAdded", {"params.entry.level", "params.entry.text", "params.entry.url", "params.entry.source"}},
    {"Network.requestWillBeSent",
     {"params.requestId", "params.request.method", "params.request.url", "params.type", "params.timestamp"}},
    {"Network.responseReceived",
     {"params.requestId", "params.response.status", "params.response.url", "params.type", "params.timestamp"}},
    {"Network.loadingFailed",
     {"params.requestId", "params.errorText", "params.blockedReason", "params.type", "params.timestamp",
      "params.canceled"}},
    {"Network.loadingFinished", {"params.requestId", "params.timestamp"}},
    {"Page.lifecycleEvent", {"params.frameId", "params.loaderId", "params.name"}},
    {"Target.detachedFromTarget", {"params.sessionId"}},
};

/* The value at a dotted path below the table at idx, copied; NULL if absent. */
static char *field(lua_State *J, int idx, const char *path) {
    char key[64];
    char *v = NULL;
    int depth = 0;
    lua_pushvalue(J, idx); /* t */
    while (*path) {
        size_t n = strcspn(path, ".");
        char *end;
        long i;
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        path += n + (path[n] == '.');
        if (!lua_istable(J, -1)) break;
        i = strtol(key, &end, 10);
        if (*end == '\0' && end != key)
            lua_rawgeti(J, -1, i); /* t, v */
        else
            lua_getfield(J, -1, key); /* t, v */
        depth++;
        if (!*path) {
            if (lua_type(J, -1) == LUA_TSTRING || lua_type(J, -1) == LUA_TNUMBER)
                v = xstrdup(lua_tostring(J, -1));
            else if (lua_isboolean(J, -1))
                v = xstrdup(lua_toboolean(J, -1) ? "true" : "false");
        }
    }
    lua_pop(J, depth + 1);
    return v;
}

static int parse_message(lua_State *J) {
    struct msg *m = lua_touserdata(J, 1);
    size_t len;
    const char *text = lua_tolstring(J, 2, &len);
    char err[200];
    if (json_decode(J, text, len, err, sizeof err) != 0 || !lua_istable(J, -1)) return 0; /* msg */
    lua_getfield(J, -1, "id");                                                            /* msg, id */
    m->id = lua_isinteger(J, -1) ? (long)lua_tointeger(J, -1) : 0;
    lua_pop(J, 1); /* msg */
    m->method = field(J, -1, "method");
    m->session = field(J, -1, "sessionId");
    m->error = field(J, -1, "error.message");
    m->ctx = field(J, -1, "result.browserContextId");
    m->target = field(J, -1, "result.targetId");
    m->sess = field(J, -1, "result.sessionId");
    for (size_t i = 0; m->method && i < sizeof event_fields / sizeof event_fields[0]; i++)
        if (strcmp(event_fields[i].method, m->method) == 0)
            for (int k = 0; k < NFIELDS && event_fields[i].fields[k]; k++)
                m->f[k] = field(J, -1, event_fields[i].fields[k]);
    return 0;
}

void browser_msg_free(struct msg *m) {
    free(m->method);
    free(m->session);
    free(m->error);
    free(m->ctx);
    free(m->target);
    free(m->sess);
    for (int k = 0; k < NFIELDS; k++) free(m->f[k]);
}

void browser_msg_parse(lua_State *J, const char *text, size_t len, struct msg *m) {
    lua_pushcfunction(J, parse_message);                /* parse */
    lua_pushlightuserdata(J, m);                        /* parse, m */
    lua_pushlstring(J, text, len);                      /* parse, m, text */
    if (lua_pcall(J, 2, 0, 0) != LUA_OK) lua_pop(J, 1); /* out of memory: the message is lost */
    lua_settop(J, 0);
}

/* ---- page events ---- */

static void add_note(struct browser_page *p, const char *kind, const char *text) {
    struct failure f = {0};
    struct buf line;
    buf_init(&line, 0);
    buf_printf(&line, "%s: %s", kind, text);
    strlist_push(&p->notes, buf_str(&line));
    if (browser_note_fails(p, buf_str(&line))) {
        failure_set(&f, FAILURE_ASSERTION, "page: %s", buf_str(&line));
        browser_fail_page_ops(p, true, &f);
        failure_clear(&f);
    }
    buf_free(&line);
}

static void console_line(struct browser_page *p, const char *level, const char *text) {
    if (p->console.len < MAX_CONSOLE) buf_printf(&p->console, "[%s] %s\n", level, text);
}

static struct request *find_request(const struct browser_page *p, const char *id) {
    for (size_t i = p->nrequests; id && i-- > 0;)
        if (strcmp(p->requests[i].id, id) == 0) return &p->requests[i];
    return NULL;
}

/* Noise a page did not ask for: the icon the browser fetches on its own. */
static bool is_favicon(const char *url) {
    const char *q = url ? strstr(url, "/favicon.ico") : NULL;
    return q && (q[12] == '\0' || q[12] == '?');
}

static void on_network(struct browser_page *p, const char *method, char **f) {
    struct request *r = find_request(p, f[0]);
    struct buf note;
    if (strcmp(method, "Network.requestWillBeSent") == 0) {
        if (r) { /* a redirect: the same id goes on */
            free(r->url);
            r->url = xstrdup(f[2] ? f[2] : "");
            return;
        }
        if (p->nrequests == MAX_REQUESTS || !f[0]) return;
        p->requests = xrealloc(p->requests, (p->nrequests + 1) * sizeof *p->requests);
        r = &p->requests[p->nrequests++];
        *r = (struct request){.id = xstrdup(f[0]),
                              .method = xstrdup(f[1] ? f[1] : "GET"),
                              .url = xstrdup(f[2] ? f[2] : ""),
                              .type = xstrdup(f[3] ? f[3] : ""),
                              .start = f[4] ? strtod(f[4], NULL) : 0};
        return;
    }
    if (!r) return;
    buf_init(&note, 0);
    if (strcmp(method, "Network.responseReceived") == 0) {
        r->status = f[1] ? (int)strtol(f[1], NULL, 10) : 0;
        if (r->status >= 400 && !is_favicon(r->url)) {
            buf_printf(&note, "%s %s returned %d (%s)", r->method, r->url, r->status, r->type);
            add_note(p, "resource", buf_str(&note));
        }
    } else if (strcmp(method, "Network.loadingFailed") == 0) {
        r->end = f[4] ? strtod(f[4], NULL) : 0;
        free(r->error);
        r->error = xstrdup(f[2] ? f[2] : f[1] ? f[1] : "failed");
        /* Cancelled: the page navigated away, or the test stopped it. */
        if (!(f[5] && strcmp(f[5], "true") == 0) && !is_favicon(r->url)) {
            buf_printf(&note, "%s %s failed: %s", r->method, r->url, f[1] ? f[1] : "error");
            if (f[2]) buf_printf(&note, " (blocked: %s)", f[2]);
            buf_printf(&note, " (%s)", r->type);
            add_note(p, "resource", buf_str(&note));
        }
    } else {
        r->end = f[1] ? strtod(f[1], NULL) : 0;
    }
    buf_free(&note);
}

static void on_lifecycle(struct browser_page *p, char **f) {
    static const char *const names[] = {"DOMContentLoaded", "load", "networkIdle"};
    size_t slot = NSEEN;
    unsigned bit = 0;
    if (!f[1] || !f[2]) return;
    for (unsigned i = 0; i < 3; i++)
        if (strcmp(f[2], names[i]) == 0) bit = 1u << i;
    if (!bit) return;
    for (size_t i = 0; i < NSEEN; i++)
        if (p->nav[i].loader && strcmp(p->nav[i].loader, f[1]) == 0) slot = i;
    if (slot == NSEEN) {
        slot = p->nav_next++ % NSEEN;
        free(p->nav[slot].loader);
        p->nav[slot].loader = xstrdup(f[1]);
        p->nav[slot].seen = 0;
    }
    p->nav[slot].seen |= bit;
    browser_events_seen(p);
}

/* "TypeError: x is not a function" and where: the first line of the
 * exception's description (its stack follows), else the text. */
static void on_exception(struct browser_page *p, char **f) {
    const char *what = f[0] ? f[0] : f[1] ? f[1] : "exception";
    struct buf note;
    buf_init(&note, 0);
    buf_printf(&note, "uncaught exception: %.*s", (int)strcspn(what, "\n"), what);
    if (f[2] && *f[2]) buf_printf(&note, " (%s:%ld)", f[2], f[3] ? strtol(f[3], NULL, 10) + 1 : 0);
    console_line(p, "exception", buf_str(&note) + 20);
    add_note(p, "js_error", buf_str(&note));
    buf_free(&note);
}

static void on_console(struct browser_page *p, char **f) {
    struct buf text;
    buf_init(&text, 0);
    for (int i = 1; i + 1 < NFIELDS; i += 2)
        if (f[i] || f[i + 1]) buf_printf(&text, "%s%s", text.len ? " " : "", f[i] ? f[i] : f[i + 1]);
    console_line(p, f[0] ? f[0] : "log", buf_str(&text));
    if (f[0] && strcmp(f[0], "error") == 0) {
        char *line = xstrdup(buf_str(&text));
        buf_reset(&text);
        buf_printf(&text, "console.error: %s", line);
        add_note(p, "js_error", buf_str(&text));
        free(line);
    }
    buf_free(&text);
}

/* Log entries from the browser itself: CSP violations, deprecations.
 * Network ones repeat what the network events said. */
static void on_log(struct browser_page *p, char **f) {
    if (!f[1] || (f[3] && strcmp(f[3], "network") == 0)) return;
    console_line(p, f[0] ? f[0] : "log", f[1]);
    if (!f[0] || strcmp(f[0], "error") != 0) return;
    /* A Content-Security-Policy violation blocked a load: a resource that
     * never arrived, as a 404 would be (no network event reports it). */
    if ((f[3] && strcmp(f[3], "security") == 0) || strstr(f[1], "Content Security Policy"))
        add_note(p, "resource", f[1]);
    else
        add_note(p, "js_error", f[1]);
}

void browser_page_event(struct browser_page *p, struct msg *m) {
    if (strncmp(m->method, "Network.", 8) == 0)
        on_network(p, m->method, m->f);
    else if (strcmp(m->method, "Page.lifecycleEvent") == 0)
        on_lifecycle(p, m->f);
    else if (strcmp(m->method, "Runtime.exceptionThrown") == 0)
        on_exception(p, m->f);
    else if (strcmp(m->method, "Runtime.consoleAPICalled") == 0)
        on_console(p, m->f);
    else if (strcmp(m->method, "Log.entryAdded") == 0)
        on_log(p, m->f);
    else if (strcmp(m->method, "Inspector.targetCrashed") == 0) {
        struct failure f = {0};
        failure_set(&f, FAILURE_NETWORK, "the page crashed");
        p->state = PAGE_DEAD;
        browser_fail_page_ops(p, false, &f);
        failure_clear(&f);
    }
}
bool browser_seen(const struct browser_page *p, const char *loader_id, const char *name) {
    unsigned bit = strcmp(name, "DOMContentLoaded") == 0 ? 1 : strcmp(name, "load") == 0 ? 2 : 4;
    for (size_t i = 0; i < NSEEN; i++)
        if (p->nav[i].loader && strcmp(p->nav[i].loader, loader_id) == 0) return (p->nav[i].seen & bit) != 0;
    return false;
}
void browser_take_notes(struct browser_page *p, struct strlist *out) {
    for (size_t i = 0; i < p->notes.len; i++) strlist_push(out, p->notes.items[i]);
    strlist_free(&p->notes);
}

bool browser_note_fails(const struct browser_page *p, const char *note) {
    return ((p->fail_on & BROWSER_FAIL_JS) && strncmp(note, "js_error: ", 10) == 0) ||
           ((p->fail_on & BROWSER_FAIL_RESOURCE) && strncmp(note, "resource: ", 10) == 0);
}

int browser_request_status(const struct browser_page *p, const char *id) {
    const struct request *r = find_request(p, id);
    return r ? r->status : 0;
}

void browser_console(const struct browser_page *p, struct buf *out) {
    buf_append(out, p->console.data ? p->console.data : "", p->console.len);
}

void browser_requests(const struct browser_page *p, struct buf *out) {
    for (size_t i = 0; i < p->nrequests; i++) {
        const struct request *r = &p->requests[i];
        char status[16], ms[32];
        snprintf(status, sizeof status, "%d", r->status);
        if (r->end > r->start && r->start > 0)
            snprintf(ms, sizeof ms, "%.0fms", (r->end - r->start) * 1000);
        else
            snprintf(ms, sizeof ms, "-");
        buf_printf(out, "%s %s %s %s %s\n", r->method,
                   r->error    ? r->error
                   : r->status ? status
                               : "-",
                   ms, r->type, r->url);
    }
    if (p->nrequests == MAX_REQUESTS) buf_printf(out, "(only the first %d requests are kept)\n", MAX_REQUESTS);
}

void browser_page_state_free(struct browser_page *p) {
    strlist_free(&p->notes);
    buf_free(&p->console);
    for (size_t i = 0; i < p->nrequests; i++) {
        struct request *r = &p->requests[i];
        free(r->id);
        free(r->method);
        free(r->url);
        free(r->type);
        free(r->error);
    }
    free(p->requests);
    for (size_t i = 0; i < NSEEN; i++) free(p->nav[i].loader);
}
