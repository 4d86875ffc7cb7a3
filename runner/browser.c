/* browser.c — the DevTools-protocol driver; see browser.h.
 *
 * The process: spawn.h's (a process group of its own, so one kill ends
 * the renderers and the GPU helper too; default signals and an empty mask,
 * though run.c blocks SIGINT and SIGTERM for its signalfd), the two pipe
 * ends as fds 3 and 4.  A telltale killed with SIGKILL takes it along: the
 * pipe closes and Chromium exits on its EOF.
 *
 * Messages are decoded by json.c into a private Lua state: the driver needs
 * a handful of fields (id, method, sessionId, a few params) and the binding
 * decodes the reply again into the scenario's own state.  What the events
 * say about a page is browser_page.c's business.
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
#include <sys/wait.h>
#include <unistd.h>

#include "browser_page.h"
#include "buf.h"
#include "failure.h"
#include "json.h"
#include "loop.h"
#include "result.h"
#include "spawn.h"
#include "xalloc.h"

#define MAX_MESSAGE (64 * 1024 * 1024) /* a reply larger than this (a huge screenshot) kills the browser */
#define PROBE_EVERY_MS 3000
#define HUNG_MS 10000

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

static struct {
    struct loop *loop;
    int max_pages;
    lua_State *J; /* decodes messages */
    pid_t pid;    /* 0: no Chromium */
    struct spawn_child child;
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

void browser_fail_page_ops(struct browser_page *p, bool user_only, const struct failure *f) {
    fail_ops(p, 0, user_only, f);
}

void browser_events_seen(struct browser_page *p) {
    for (;;) {
        struct browser_op *op = B.ops;
        while (op && !(op->type == OP_EVENT && op->page == p && op->done && browser_seen(p, op->loader, op->event)))
            op = op->next;
        if (!op) return;
        op_complete(op, "{}", 2, NULL);
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

/* A command nobody waits for: its reply completes an operation with no callback. */
static void fire_and_forget(const char *method, const char *key, const char *id) {
    struct buf params;
    buf_init(&params, 0);
    buf_printf(&params, "{\"%s\":", key);
    json_write_string(&params, id, strlen(id));
    buf_puts(&params, "}");
    command(NULL, method, buf_str(&params), NULL, NULL, true);
    buf_free(&params);
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

/* Chromium on the pipe: its fd 3 reads what we write, its fd 4 is what we
 * read; a process group of its own (one kill ends its renderers too), and
 * its output to /dev/null.  When telltale dies, even by SIGKILL, the pipe
 * closes and Chromium exits (it ends on EOF of its DevTools pipe). */
static int spawn_chromium(const char *exe, int rfd, int wfd, struct failure *f) {
    char datadir[300];
    int null = open("/dev/null", O_RDWR | O_CLOEXEC), rc;
    const int extra[2] = {rfd, wfd};
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
    struct spawn_opts o = {.argv = (char *const *)argv,
                           .in = null,
                           .out = null,
                           .err = null,
                           .extra = extra,
                           .nextra = 2,
                           .own_group = true,
                           .pidfd = true};
    rc = spawn_start(&o, &B.child, f);
    if (null >= 0) close(null);
    return rc;
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
    if (spawn_chromium(exe, to[0], from[1], f) != 0) goto fail;
    B.pid = B.child.pid;
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
    spawn_signal(&B.child, SIGKILL);
    spawn_wait(&B.child, -1, &status);
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
    else if (WIFEXITED(status) && strstr(why, "exited"))
        failure_set(&f, FAILURE_NETWORK, "%s (exit status %d%s)", why, WEXITSTATUS(status),
                    WEXITSTATUS(status) == 127 ? ": it could not be started" : "");
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

static bool context_usable(const struct browser_context *c) { return c && c->id && c->gen == B.gen; }

/* p->ctx is usable. */
static void create_target(struct browser_page *p) {
    struct buf params;
    buf_init(&params, 0);
    buf_puts(&params, "{\"url\":\"about:blank\",\"browserContextId\":");
    json_write_string(&params, p->ctx->id, strlen(p->ctx->id));
    buf_puts(&params, "}");
    internal(p, false, "Target.createTarget", buf_str(&params), target_created);
    buf_free(&params);
}

/* Another page of the scenario may have made the context meanwhile (one
 * whose step gave up waiting, then a teardown opened a page): the first
 * context made is the scenario's, a later one is disposed at once. */
static void context_created(struct browser_page *p, struct msg *m) {
    if (!m->ctx) return open_fail(p, "creating a browser context", m->error);
    if (p->ctx && !context_usable(p->ctx)) {
        free(p->ctx->id);
        p->ctx->id = xstrdup(m->ctx);
        p->ctx->gen = B.gen;
    } else {
        fire_and_forget("Target.disposeBrowserContext", "browserContextId", m->ctx);
    }
    if (!p->ctx) return open_fail(p, "creating a page", "its scenario's browser context is gone");
    create_target(p);
}

static int begin_open(struct browser_page *p, struct failure *f) {
    if (!B.pid && start_chromium(f) != 0) return -1;
    p->state = PAGE_OPENING;
    p->chromium_gen = B.gen;
    if (p->open_op) p->open_op->gen = B.gen;
    if (context_usable(p->ctx))
        create_target(p);
    else
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

struct browser_context *browser_context_new(void) {
    return xcalloc(1, sizeof(struct browser_context));
}

void browser_context_free(struct browser_context *c) {
    if (!c) return;
    for (struct browser_page *p = B.pages; p; p = p->next)
        if (p->ctx == c) p->ctx = NULL;
    if (B.pid && context_usable(c)) fire_and_forget("Target.disposeBrowserContext", "browserContextId", c->id);
    free(c->id);
    free(c);
}

struct browser_page *browser_page_new(unsigned fail_on, struct browser_context *ctx) {
    struct browser_page *p = xcalloc(1, sizeof *p);
    p->fail_on = fail_on;
    p->ctx = ctx;
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

const char *browser_page_context(const struct browser_page *p) {
    return p->state == PAGE_READY && context_usable(p->ctx) ? p->ctx->id : NULL;
}

void browser_page_free(struct browser_page *p) {
    if (!p) return;
    for (struct browser_op *op = B.ops, *next; op; op = next) {
        next = op->next;
        if (op->page != p) continue;
        op->page = NULL;
        op->on_msg = NULL;
        browser_op_cancel(op);
    }
    if (B.pid && p->chromium_gen == B.gen && p->target && p->state != PAGE_DEAD)
        fire_and_forget("Target.closeTarget", "targetId", p->target);
    for (struct browser_page **pp = &B.pages; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    bool used_slot = p->state == PAGE_OPENING || p->state == PAGE_READY;
    free(p->target);
    free(p->session);
    browser_page_state_free(p);
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
    browser_msg_parse(B.J, text, len, &m);
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
        browser_page_event(p, &m);
    }
    browser_msg_free(&m);
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

struct browser_op *browser_wait_event(struct browser_page *p, const char *loader_id, const char *name,
                                      browser_op_fn *done, void *data, struct failure *f) {
    struct browser_op *op;
    if (!usable(p, f)) return NULL;
    op = op_new(OP_EVENT, p, done, data);
    op->loader = xstrdup(loader_id);
    op->event = xstrdup(name);
    return op;
}
