/* browser.c — the DevTools-protocol driver; see browser.h.
 *
 * The process: fork, a process group of its own (so one kill ends the
 * renderers and the GPU helper too), PR_SET_PDEATHSIG so a telltale killed
 * with SIGKILL takes it along, signals unblocked (run.c blocks SIGINT and
 * SIGTERM for its signalfd, and a child inherits the mask), the two pipe
 * ends dup'ed to fds 3 and 4.
 *
 * Messages are decoded by json.c into a private Lua state: the driver needs
 * a handful of fields (id, method, sessionId, a few params) and the binding
 * decodes the reply again into the scenario's own state.
 *
 * Liveness: while any operation is pending, a Browser.getVersion probe goes
 * out every PROBE_EVERY_MS; a probe unanswered for HUNG_MS means the browser
 * hangs, and it is killed like one that exited. */
#include "browser.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "failure.h"
#include "json.h"
#include "loop.h"
#include "result.h"
#include "xalloc.h"

#define MAX_MESSAGE (64 * 1024 * 1024) /* a reply larger than this (a huge screenshot) kills the browser */
#define PROBE_EVERY_MS 3000
#define HUNG_MS 10000
#define MAX_REQUESTS 2000 /* network requests kept per page */
#define MAX_CONSOLE 65536 /* bytes of console log kept per page */
#define NSEEN 8           /* navigations whose lifecycle events are remembered */
#define NFIELDS 8

struct msg;

enum page_state { PAGE_WAITING, PAGE_OPENING, PAGE_READY, PAGE_DEAD };
enum op_type { OP_COMMAND, OP_EVENT, OP_OPEN };

struct browser_op {
    struct browser_op *next;
    enum op_type type;
    int gen;                   /* the Chromium it waits on; 0 for a page waiting for a slot */
    int id;                    /* command id; 0 for events and openings */
    struct browser_page *page; /* NULL for browser-level commands, or once the page is gone */
    char *loader, *event;      /* OP_EVENT: what it waits for */
    browser_op_fn *done;       /* NULL once cancelled: the reply is dropped */
    void *data;
    bool internal; /* the driver's own command: fail_on does not apply */
    /* The driver's own commands get the parsed reply instead (m NULL: the
     * page is gone or the browser died; then nothing is left to do). */
    void (*on_msg)(struct browser_page *p, struct msg *m);
};

struct request {
    char *id, *method, *url, *type, *error;
    int status;
    double start, end; /* protocol timestamps, seconds */
};

struct browser_page {
    struct browser_page *next;
    enum page_state state;
    unsigned fail_on;
    int chromium_gen; /* which Chromium it lives in */
    char *context, *target, *session;
    struct browser_op *open_op; /* the caller's opening, until ready */
    int enabling;               /* enable commands not answered yet */
    struct strlist notes;       /* not yet taken */
    struct buf console;
    struct request *requests;
    size_t nrequests;
    struct {
        char *loader;
        unsigned seen; /* bits: 1 DOMContentLoaded, 2 load, 4 networkIdle */
    } nav[NSEEN];
    size_t nav_next;
};

/* One message's fields, copied out of the private Lua state. */
struct msg {
    long id;
    char *method, *session, *error;
    char *ctx, *target, *sess; /* result.browserContextId, .targetId, .sessionId */
    char *f[NFIELDS];          /* the event's params, see event_fields */
};

static struct {
    struct loop *loop;
    int max_pages;
    lua_State *J; /* decodes messages */
    pid_t pid;    /* 0: no Chromium */
    int gen;
    int to_fd, from_fd;
    struct loop_io in_io, out_io;
    struct buf in, out;
    char datadir[256];
    int next_id;
    struct loop_timer watch;
    int probe_id;
    uint64_t probe_sent_ms;
    struct browser_op *ops;
    struct browser_page *pages;
} B;

static void die(const char *why);
static void on_readable(struct loop *loop, struct loop_io *io, unsigned events);
static void start_waiting_pages(void);

/* ---- operations ---- */

static struct browser_op *op_new(enum op_type type, struct browser_page *p, browser_op_fn *done, void *data) {
    struct browser_op *op = xcalloc(1, sizeof *op);
    op->type = type;
    op->page = p;
    op->done = done;
    op->data = data;
    op->gen = type == OP_OPEN ? 0 : B.gen;
    op->next = B.ops;
    B.ops = op;
    if (!loop_timer_armed(&B.watch)) loop_timer_start(B.loop, &B.watch, loop_now(B.loop) + PROBE_EVERY_MS);
    return op;
}

static void op_unlink(struct browser_op *op) {
    if (op->type == OP_OPEN && op->page && op->page->open_op == op) op->page->open_op = NULL;
    for (struct browser_op **pp = &B.ops; *pp; pp = &(*pp)->next)
        if (*pp == op) {
            *pp = op->next;
            break;
        }
    free(op->loader);
    free(op->event);
    free(op);
}

/* Complete op: unlinked before the callback, which may resume a scenario
 * that sends, cancels or closes anything. */
static void op_complete(struct browser_op *op, const char *reply, size_t len, const struct failure *f) {
    browser_op_fn *done = op->done;
    void *data = op->data;
    op_unlink(op);
    if (done) done(reply, len, f, data);
}

void browser_op_cancel(struct browser_op *op) {
    if (!op) return;
    op->done = NULL;
    if (op->type != OP_COMMAND) op_unlink(op); /* a command stays until its reply, to match the id */
}

/* Fail every operation of page p (or, p NULL, of Chromium gen) with f.
 * Rescans after each callback: it may cancel or start anything. */
static void fail_ops(struct browser_page *p, int gen, bool user_only, const struct failure *f) {
    for (;;) {
        struct browser_op *op = B.ops;
        while (op &&
               !((p ? op->page == p : op->gen == gen) && (op->done || op->on_msg) && !(user_only && op->internal)))
            op = op->next;
        if (!op) return;
        if (op->type == OP_OPEN && op->page) op->page->open_op = NULL;
        if (op->on_msg)
            op_unlink(op);
        else
            op_complete(op, NULL, 0, f);
    }
}

/* ---- the pipe ---- */

static void on_writable(struct loop *loop, struct loop_io *io, unsigned events);

static void flush_out(void) {
    while (B.out.len > 0) {
        ssize_t n = write(B.to_fd, B.out.data, B.out.len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        if (n <= 0) {
            /* It exited: its end of fd 4 is closed too, and on_readable
             * sees that.  Failing here would complete operations inside
             * the call that is creating one. */
            buf_reset(&B.out);
            break;
        }
        memmove(B.out.data, B.out.data + n, B.out.len - (size_t)n);
        B.out.len -= (size_t)n;
        B.out.data[B.out.len] = '\0';
    }
    loop_io_set(B.loop, &B.out_io, B.out.len ? LOOP_WRITE : 0);
}

static void on_writable(struct loop *loop, struct loop_io *io, unsigned events) {
    (void)loop;
    (void)io;
    (void)events;
    flush_out();
}

/* Queue one command; returns its id. */
static int write_command(const char *session, const char *method, const char *params) {
    int id = ++B.next_id;
    buf_printf(&B.out, "{\"id\":%d,\"method\":", id);
    json_write_string(&B.out, method, strlen(method));
    buf_printf(&B.out, ",\"params\":%s", params && *params ? params : "{}");
    if (session) {
        buf_puts(&B.out, ",\"sessionId\":");
        json_write_string(&B.out, session, strlen(session));
    }
    buf_append(&B.out, "}", 2); /* the closing brace and the NUL that ends a message */
    if (!(B.out_io.events & LOOP_WRITE)) flush_out();
    return id;
}

static struct browser_op *command(struct browser_page *p, const char *method, const char *params, browser_op_fn *done,
                                  void *data, bool internal) {
    struct browser_op *op = op_new(OP_COMMAND, p, done, data);
    op->internal = internal;
    op->id = write_command(p ? p->session : NULL, method, params);
    return op;
}

/* ---- starting and stopping Chromium ---- */

/* The executable: $TELLTALE_CHROMIUM, else chromium on PATH. */
static int find_chromium(char *out, size_t len, struct failure *f) {
    const char *env = getenv("TELLTALE_CHROMIUM");
    const char *path = getenv("PATH");
    if (env && *env) {
        if (access(env, X_OK) == 0) return snprintf(out, len, "%s", env), 0;
        return failure_set(f, FAILURE_SCRIPT,
                           "browser: chromium not found at %s (TELLTALE_CHROMIUM; apt-get install chromium)", env);
    }
    for (const char *dir = path ? path : "/usr/bin:/bin"; *dir;) {
        const char *colon = strchr(dir, ':');
        size_t n = colon ? (size_t)(colon - dir) : strlen(dir);
        snprintf(out, len, "%.*s/chromium", (int)n, n ? dir : ".");
        if (access(out, X_OK) == 0) return 0;
        dir += n + (colon ? 1 : 0);
    }
    return failure_set(f, FAILURE_SCRIPT, "browser: chromium not found (apt-get install chromium)");
}

static void child(const char *exe, int rfd, int wfd) {
    char datadir[300];
    sigset_t none;
    int log;
    snprintf(datadir, sizeof datadir, "--user-data-dir=%s", B.datadir);
    const char *argv[] = {exe,
                          "--headless=new",
                          "--no-sandbox",
                          "--remote-debugging-pipe",
                          datadir,
                          "--no-first-run",
                          "--no-default-browser-check",
                          "--disable-gpu",
                          "--disable-dev-shm-usage",
                          "--disable-extensions",
                          "--disable-background-networking",
                          "--disable-component-update",
                          "--disable-sync",
                          "--disable-background-timer-throttling",
                          "--disable-renderer-backgrounding",
                          "--disable-backgrounding-occluded-windows",
                          "--mute-audio",
                          "about:blank",
                          NULL};
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL); /* SIG_IGN would survive exec */
    /* Out of the way of 3 and 4 first: the pipe ends may be those numbers. */
    rfd = fcntl(rfd, F_DUPFD, 10);
    wfd = fcntl(wfd, F_DUPFD, 10);
    if (rfd < 0 || wfd < 0 || dup2(rfd, 3) < 0 || dup2(wfd, 4) < 0) _exit(126);
    log = open("/dev/null", O_RDWR);
    if (log >= 0) {
        dup2(log, 0);
        dup2(log, 1);
        dup2(log, 2);
    }
    close_range(5, ~0U, 0);
    execv(exe, (char *const *)argv);
    _exit(127);
}

static int start_chromium(struct failure *f) {
    char exe[1024];
    int to[2] = {-1, -1}, from[2] = {-1, -1};
    const char *tmp = getenv("TMPDIR");
    if (find_chromium(exe, sizeof exe, f) != 0) return -1;
    snprintf(B.datadir, sizeof B.datadir, "%s/telltale-chromium-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(B.datadir))
        return failure_set(f, FAILURE_INTERNAL, "browser: cannot create a profile directory: %s", strerror(errno));
    if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0) {
        failure_set(f, FAILURE_INTERNAL, "browser: pipe: %s", strerror(errno));
        goto fail;
    }
    B.pid = fork();
    if (B.pid < 0) {
        B.pid = 0;
        failure_set(f, FAILURE_INTERNAL, "browser: fork: %s", strerror(errno));
        goto fail;
    }
    if (B.pid == 0) child(exe, to[0], from[1]);
    setpgid(B.pid, B.pid); /* also here: no race with the kill of the group */
    close(to[0]);
    close(from[1]);
    B.to_fd = to[1];
    B.from_fd = from[0];
    fcntl(B.to_fd, F_SETFL, O_NONBLOCK);
    fcntl(B.from_fd, F_SETFL, O_NONBLOCK);
    B.gen++;
    B.probe_id = 0;
    buf_init(&B.in, MAX_MESSAGE);
    buf_init(&B.out, 0);
    B.out_io = (struct loop_io){.fd = B.to_fd, .fn = on_writable};
    B.in_io.fd = B.from_fd;
    loop_io_set(B.loop, &B.in_io, LOOP_READ);
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (to[i] >= 0) close(to[i]);
        if (from[i] >= 0) close(from[i]);
    }
    rmdir(B.datadir);
    return -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Kill the group, reap, forget.  Returns the wait status. */
static int stop_chromium(void) {
    int status = 0;
    if (!B.pid) return 0;
    loop_io_set(B.loop, &B.in_io, 0);
    loop_io_set(B.loop, &B.out_io, 0);
    kill(-B.pid, SIGKILL);
    kill(B.pid, SIGKILL);
    while (waitpid(B.pid, &status, 0) < 0 && errno == EINTR) {
    }
    close(B.to_fd);
    close(B.from_fd);
    buf_free(&B.in);
    buf_free(&B.out);
    nftw(B.datadir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    B.pid = 0;
    return status;
}

/* The browser is gone: everything that used it fails with why. */
static void die(const char *why) {
    struct failure f = {0};
    int gen = B.gen;
    int status = stop_chromium();
    loop_timer_stop(B.loop, &B.watch);
    if (WIFSIGNALED(status) && strstr(why, "exited"))
        failure_set(&f, FAILURE_NETWORK, "%s (killed by signal %d)", why, WTERMSIG(status));
    else
        failure_set(&f, FAILURE_NETWORK, "%s", why);
    for (struct browser_page *p = B.pages; p; p = p->next)
        if (p->chromium_gen == gen && p->state != PAGE_WAITING) p->state = PAGE_DEAD;
    fail_ops(NULL, gen, false, &f);
    for (struct browser_op *op = B.ops, *next; op; op = next) { /* cancelled commands left */
        next = op->next;
        if (op->gen == gen) op_unlink(op);
    }
    failure_clear(&f);
    start_waiting_pages();
}

static void on_watch(struct loop *loop, struct loop_timer *timer) {
    (void)timer;
    if (!B.pid || !B.ops) return;
    if (B.probe_id && loop_now(loop) - B.probe_sent_ms >= HUNG_MS) {
        die("the browser did not answer for 10s");
        return;
    }
    if (!B.probe_id) {
        B.probe_id = write_command(NULL, "Browser.getVersion", NULL);
        B.probe_sent_ms = loop_now(loop);
    }
    loop_timer_start(loop, &B.watch, loop_now(loop) + PROBE_EVERY_MS);
}

void browser_init(struct loop *loop, int max_pages) {
    if (!B.loop) {
        B.loop = loop;
        B.in_io.fn = on_readable;
        loop_timer_init(&B.watch, on_watch, NULL);
    }
    B.max_pages = max_pages > 0 ? max_pages : 2;
}

void browser_shutdown(void) {
    stop_chromium();
    while (B.ops) op_unlink(B.ops); /* replies that will never come (a context being disposed) */
    if (B.loop) loop_timer_stop(B.loop, &B.watch);
    if (B.J) lua_close(B.J);
    B.J = NULL;
}

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

static int parse(lua_State *J) {
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

static void msg_free(struct msg *m) {
    free(m->method);
    free(m->session);
    free(m->error);
    free(m->ctx);
    free(m->target);
    free(m->sess);
    for (int k = 0; k < NFIELDS; k++) free(m->f[k]);
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
        fail_ops(p, 0, true, &f);
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
    for (;;) {
        struct browser_op *op = B.ops;
        while (op && !(op->type == OP_EVENT && op->page == p && op->done && browser_seen(p, op->loader, op->event)))
            op = op->next;
        if (!op) return;
        op_complete(op, "{}", 2, NULL);
    }
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

static void on_event(struct browser_page *p, struct msg *m) {
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
        fail_ops(p, 0, false, &f);
        failure_clear(&f);
    }
}

/* ---- opening a page ---- */

static void open_fail(struct browser_page *p, const char *what, const char *error) {
    struct failure f = {0};
    struct browser_op *op = p->open_op;
    failure_set(&f, FAILURE_NETWORK, "browser: %s: %s", what, error ? error : "no answer");
    p->open_op = NULL;
    p->state = PAGE_DEAD;
    if (op) op_complete(op, NULL, 0, &f);
    failure_clear(&f);
    start_waiting_pages();
}

/* The driver's own command on behalf of p: to p's session, or to the
 * browser itself. */
static void internal(struct browser_page *p, bool on_session, const char *method, const char *params,
                     void (*on_msg)(struct browser_page *, struct msg *)) {
    struct browser_op *op = op_new(OP_COMMAND, p, NULL, NULL);
    op->internal = true;
    op->on_msg = on_msg;
    op->id = write_command(on_session ? p->session : NULL, method, params);
}

static void enabled(struct browser_page *p, struct msg *m) {
    if (m->error) return open_fail(p, "enabling the page", m->error);
    if (--p->enabling > 0) return;
    p->state = PAGE_READY;
    if (p->open_op) {
        struct browser_op *op = p->open_op;
        p->open_op = NULL;
        op_complete(op, "{}", 2, NULL);
    }
}

static void attached(struct browser_page *p, struct msg *m) {
    static const char *const enable[][2] = {
        {"Page.enable", NULL},
        {"Runtime.enable", NULL},
        {"Network.enable", NULL},
        {"Log.enable", NULL},
        {"Page.setLifecycleEventsEnabled", "{\"enabled\":true}"},
        /* Every page acts focused: timers and rAF of a page in the
         * background would otherwise be throttled. */
        {"Emulation.setFocusEmulationEnabled", "{\"enabled\":true}"},
    };
    if (!m->sess) return open_fail(p, "attaching to the page", m->error);
    p->session = xstrdup(m->sess);
    p->enabling = (int)(sizeof enable / sizeof enable[0]);
    for (size_t i = 0; i < sizeof enable / sizeof enable[0]; i++)
        internal(p, true, enable[i][0], enable[i][1], enabled);
}

static void target_created(struct browser_page *p, struct msg *m) {
    struct buf params;
    if (!m->target) return open_fail(p, "creating a page", m->error);
    p->target = xstrdup(m->target);
    buf_init(&params, 0);
    buf_puts(&params, "{\"flatten\":true,\"targetId\":");
    json_write_string(&params, p->target, strlen(p->target));
    buf_puts(&params, "}");
    internal(p, false, "Target.attachToTarget", buf_str(&params), attached);
    buf_free(&params);
}

static void context_created(struct browser_page *p, struct msg *m) {
    struct buf params;
    if (!m->ctx) return open_fail(p, "creating a browser context", m->error);
    p->context = xstrdup(m->ctx);
    buf_init(&params, 0);
    buf_puts(&params, "{\"url\":\"about:blank\",\"browserContextId\":");
    json_write_string(&params, p->context, strlen(p->context));
    buf_puts(&params, "}");
    internal(p, false, "Target.createTarget", buf_str(&params), target_created);
    buf_free(&params);
}

static int begin_open(struct browser_page *p, struct failure *f) {
    if (!B.pid && start_chromium(f) != 0) return -1;
    p->state = PAGE_OPENING;
    p->chromium_gen = B.gen;
    if (p->open_op) p->open_op->gen = B.gen;
    internal(p, false, "Target.createBrowserContext", "{\"disposeOnDetach\":true}", context_created);
    return 0;
}

static int pages_in_use(void) {
    int n = 0;
    for (struct browser_page *p = B.pages; p; p = p->next) n += p->state == PAGE_OPENING || p->state == PAGE_READY;
    return n;
}

/* A slot is free: open the pages that waited longest (the list is newest
 * first, so the last waiting one). */
static void start_waiting_pages(void) {
    while (pages_in_use() < B.max_pages) {
        struct browser_page *oldest = NULL;
        struct failure f = {0};
        for (struct browser_page *p = B.pages; p; p = p->next)
            if (p->state == PAGE_WAITING && p->open_op) oldest = p;
        if (!oldest) return;
        if (begin_open(oldest, &f) != 0) {
            struct browser_op *op = oldest->open_op;
            oldest->open_op = NULL;
            oldest->state = PAGE_DEAD;
            op_complete(op, NULL, 0, &f);
        }
        failure_clear(&f);
    }
}

struct browser_page *browser_page_new(unsigned fail_on) {
    struct browser_page *p = xcalloc(1, sizeof *p);
    p->fail_on = fail_on;
    buf_init(&p->console, 0);
    p->next = B.pages;
    B.pages = p;
    return p;
}

struct browser_op *browser_page_open(struct browser_page *p, browser_op_fn *done, void *data, struct failure *f) {
    char exe[1024];
    if (!B.pid && find_chromium(exe, sizeof exe, f) != 0) return NULL; /* the clear error, at once */
    p->state = PAGE_WAITING;
    p->open_op = op_new(OP_OPEN, p, done, data);
    if (pages_in_use() < B.max_pages && begin_open(p, f) != 0) {
        op_unlink(p->open_op);
        p->open_op = NULL;
        p->state = PAGE_DEAD;
        return NULL;
    }
    return p->open_op;
}

bool browser_page_waiting(const struct browser_page *p) { return p->state == PAGE_WAITING; }

void browser_page_free(struct browser_page *p) {
    if (!p) return;
    for (struct browser_op *op = B.ops, *next; op; op = next) {
        next = op->next;
        if (op->page != p) continue;
        op->page = NULL;
        op->on_msg = NULL;
        browser_op_cancel(op);
    }
    if (B.pid && p->chromium_gen == B.gen && p->context && p->state != PAGE_DEAD) {
        struct buf params;
        buf_init(&params, 0);
        buf_puts(&params, "{\"browserContextId\":");
        json_write_string(&params, p->context, strlen(p->context));
        buf_puts(&params, "}");
        command(NULL, "Target.disposeBrowserContext", buf_str(&params), NULL, NULL, true);
        buf_free(&params);
    }
    for (struct browser_page **pp = &B.pages; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    bool used_slot = p->state == PAGE_OPENING || p->state == PAGE_READY;
    free(p->context);
    free(p->target);
    free(p->session);
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
    free(p);
    if (used_slot) start_waiting_pages();
}

/* ---- dispatch ---- */

static struct browser_page *page_of_session(const char *session) {
    for (struct browser_page *p = B.pages; session && p; p = p->next)
        if (p->session && strcmp(p->session, session) == 0) return p;
    return NULL;
}

static void on_reply(struct msg *m, const char *text, size_t len) {
    struct browser_op *op = B.ops;
    if (m->id == B.probe_id) {
        B.probe_id = 0;
        return;
    }
    while (op && !(op->type == OP_COMMAND && op->id == m->id)) op = op->next;
    if (!op) return;
    if (op->on_msg) {
        struct browser_page *p = op->page;
        void (*on_msg)(struct browser_page *, struct msg *) = op->on_msg;
        op_unlink(op);
        if (p) on_msg(p, m);
        return;
    }
    op_complete(op, text, len, NULL);
}

static void dispatch(const char *text, size_t len) {
    struct msg m = {0};
    struct browser_page *p;
    if (!B.J && !(B.J = luaL_newstate())) return;
    lua_pushcfunction(B.J, parse);                          /* parse */
    lua_pushlightuserdata(B.J, &m);                         /* parse, m */
    lua_pushlstring(B.J, text, len);                        /* parse, m, text */
    if (lua_pcall(B.J, 2, 0, 0) != LUA_OK) lua_pop(B.J, 1); /* out of memory: the message is lost */
    lua_settop(B.J, 0);
    if (m.id) {
        on_reply(&m, text, len);
    } else if (m.method && strcmp(m.method, "Target.detachedFromTarget") == 0) {
        if ((p = page_of_session(m.f[0])) && p->state == PAGE_READY) {
            struct failure f = {0};
            failure_set(&f, FAILURE_NETWORK, "the page was closed");
            p->state = PAGE_DEAD;
            fail_ops(p, 0, false, &f);
            failure_clear(&f);
        }
    } else if (m.method && (p = page_of_session(m.session))) {
        on_event(p, &m);
    }
    msg_free(&m);
}

static void on_readable(struct loop *loop, struct loop_io *io, unsigned events) {
    char chunk[65536];
    int gen = B.gen;
    (void)loop;
    (void)io;
    (void)events;
    for (;;) {
        ssize_t n = read(B.from_fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        if (n <= 0) return die("the browser exited");
        if (buf_append(&B.in, chunk, (size_t)n) != BUF_OK) return die("the browser sent a message over 64 MB");
    }
    /* One message at a time, taken out of the buffer first: a callback may
     * resume a scenario that sends, or kill the browser. */
    while (B.pid && B.gen == gen && B.in.len) {
        char *nul = memchr(B.in.data, '\0', B.in.len);
        size_t len;
        char *text;
        if (!nul) break;
        len = (size_t)(nul - B.in.data);
        text = xstrndup(B.in.data, len);
        memmove(B.in.data, nul + 1, B.in.len - len - 1);
        B.in.len -= len + 1;
        B.in.data[B.in.len] = '\0';
        dispatch(text, len);
        free(text);
    }
}

/* ---- the rest of the surface ---- */

static bool usable(const struct browser_page *p, struct failure *f) {
    if (p->state == PAGE_READY && B.pid && p->chromium_gen == B.gen) return true;
    failure_set(f, FAILURE_NETWORK, "the browser exited (the page is gone)");
    return false;
}

struct browser_op *browser_send(struct browser_page *p, const char *method, const char *params, browser_op_fn *done,
                                void *data, struct failure *f) {
    if (!usable(p, f)) return NULL;
    return command(p, method, params, done, data, false);
}

bool browser_seen(const struct browser_page *p, const char *loader_id, const char *name) {
    unsigned bit = strcmp(name, "DOMContentLoaded") == 0 ? 1 : strcmp(name, "load") == 0 ? 2 : 4;
    for (size_t i = 0; i < NSEEN; i++)
        if (p->nav[i].loader && strcmp(p->nav[i].loader, loader_id) == 0) return (p->nav[i].seen & bit) != 0;
    return false;
}

struct browser_op *browser_wait_event(struct browser_page *p, const char *loader_id, const char *name,
                                      browser_op_fn *done, void *data, struct failure *f) {
    struct browser_op *op;
    if (!usable(p, f)) return NULL;
    op = op_new(OP_EVENT, p, done, data);
    op->loader = xstrdup(loader_id);
    op->event = xstrdup(name);
    return op;
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
