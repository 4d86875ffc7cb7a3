/* alert.c — alert payloads and their delivery; see alert.h.
 *
 * A delivery is one heap object that lives until its last attempt is
 * reported.  Each attempt runs on a worker thread (post_send for webhooks,
 * a child process for the exec hook) and hands its outcome back to the
 * loop thread, which reports it and arms the backoff timer for the next. */
#include "alert.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "buf.h"
#include "failure.h"
#include "json.h"
#include "loop.h"
#include "post.h"
#include "redact.h"
#include "spawn.h"
#include "worker.h"
#include "xalloc.h"

#define ALERT_TEXT_MAX 2000     /* a message longer than this is cut: alerts are read on phones */
#define EXEC_KILL_GRACE_MS 2000 /* a timed-out exec hook: SIGTERM, then SIGKILL this much later */

const char *alert_event_name(enum alert_event e) {
    switch (e) {
    case ALERT_FAILING: return "failing";
    case ALERT_STILL_FAILING: return "still_failing";
    case ALERT_RECOVERED: return "recovered";
    }
    return "?";
}

const char *alert_route_type_name(enum alert_route_type t) {
    switch (t) {
    case ALERT_SLACK: return "slack";
    case ALERT_WEBHOOK: return "webhook";
    case ALERT_EXEC: return "exec";
    case ALERT_ALERTMANAGER: return "alertmanager";
    }
    return "?";
}

static void format_iso(int64_t t, char *out, size_t len) {
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "key": "value" (redacted, cut to ALERT_TEXT_MAX) or "key": null. */
static void put_string(struct buf *out, const char *key, const char *value) {
    buf_printf(out, ",\"%s\":", key);
    if (!value) {
        buf_puts(out, "null");
        return;
    }
    char *clean = redact_text(value);
    size_t n = strlen(clean);
    json_write_string(out, clean, n > ALERT_TEXT_MAX ? ALERT_TEXT_MAX : n);
    free(clean);
}

void alert_format_json(const struct alert *a, struct buf *out) {
    char when[32], since[32], host[256] = "";
    gethostname(host, sizeof host - 1);
    format_iso(a->time, when, sizeof when);
    format_iso(a->since, since, sizeof since);
    buf_printf(out, "{\"version\":1");
    put_string(out, "event", alert_event_name(a->event));
    put_string(out, "check", a->check);
    put_string(out, "name", a->name);
    put_string(out, "file", a->file);
    put_string(out, "step", a->step);
    put_string(out, "kind", a->kind);
    put_string(out, "message", a->message);
    put_string(out, "run_id", a->run_id);
    put_string(out, "trace_id", a->trace_id);
    put_string(out, "artifacts_url", a->artifacts_url);
    buf_printf(out, ",\"failures\":%d", a->failures);
    put_string(out, "since", a->since ? since : NULL);
    put_string(out, "time", when);
    put_string(out, "host", host);
    put_string(out, "location", a->location);
    buf_puts(out, "}\n");
}

/* Slack mrkdwn treats &, < and > as markup: escape them as it asks. */
static void slack_escape(struct buf *out, const char *s) {
    char *clean = redact_text(s);
    size_t n = 0;
    for (const char *p = clean; *p && n < ALERT_TEXT_MAX; p++, n++) {
        if (*p == '&')
            buf_puts(out, "&amp;");
        else if (*p == '<')
            buf_puts(out, "&lt;");
        else if (*p == '>')
            buf_puts(out, "&gt;");
        else
            buf_append(out, p, 1);
    }
    free(clean);
}

void alert_format_slack(const struct alert *a, struct buf *out) {
    struct buf text;
    char since[32];
    buf_init(&text, 0);
    format_iso(a->since, since, sizeof since);
    buf_puts(&text, a->event == ALERT_RECOVERED ? ":large_green_circle: RECOVERED " : ":red_circle: FAILING ");
    if (a->event == ALERT_STILL_FAILING) buf_puts(&text, "(still) ");
    slack_escape(&text, a->check);
    buf_puts(&text, " *");
    slack_escape(&text, a->name);
    buf_puts(&text, "*");
    if (a->location) {
        buf_puts(&text, " in ");
        slack_escape(&text, a->location);
    }
    if (a->event != ALERT_RECOVERED) {
        if (a->step) {
            buf_puts(&text, " at step `");
            slack_escape(&text, a->step);
            buf_puts(&text, "`");
        }
        buf_puts(&text, "\n");
        if (a->kind) {
            buf_puts(&text, "[");
            slack_escape(&text, a->kind);
            buf_puts(&text, "] ");
        }
        if (a->message) slack_escape(&text, a->message);
        buf_printf(&text, "\n%d failure%s in a row since %s", a->failures, a->failures == 1 ? "" : "s", since);
    }
    if (a->run_id) {
        buf_puts(&text, "\nrun ");
        slack_escape(&text, a->run_id);
    }
    if (a->artifacts_url) {
        buf_puts(&text, " <");
        slack_escape(&text, a->artifacts_url);
        buf_puts(&text, "|artifacts>");
    }
    buf_puts(out, "{\"text\":");
    json_write_string(out, buf_str(&text), text.len);
    buf_puts(out, "}\n");
    buf_free(&text);
}

/* "key":"value" in an object being written: a comma unless first;
 * value redacted and cut like every alert text; nothing when value is
 * NULL or empty (Alertmanager, like Prometheus, treats an empty label as
 * absent: leaving it out keeps the label set one thing). */
static void put_member(struct buf *out, bool *first, const char *key, const char *value) {
    if (!value || !*value) return;
    if (!*first) buf_puts(out, ",");
    *first = false;
    json_write_string(out, key, strlen(key));
    buf_puts(out, ":");
    char *clean = redact_text(value);
    size_t n = strlen(clean);
    json_write_string(out, clean, n > ALERT_TEXT_MAX ? ALERT_TEXT_MAX : n);
    free(clean);
}

void alert_format_alertmanager(const struct alert *a, const struct alert_route *r, struct buf *out) {
    bool scenario = strcmp(a->check, "scenario") == 0, first = true;
    char starts[32], ends[32];
    struct buf summary;
    int64_t end = a->time;
    if (a->event != ALERT_RECOVERED)
        end += ALERT_AM_ENDS_AFTER_RESENDS * (r->resend_ms / 1000 > 0 ? r->resend_ms / 1000 : 1);
    format_iso(a->since ? a->since : a->time, starts, sizeof starts);
    format_iso(end, ends, sizeof ends);
    buf_init(&summary, 0);
    buf_printf(&summary, "%s %s %s", a->check, a->name, a->event == ALERT_RECOVERED ? "recovered" : "failing");
    if (a->event != ALERT_RECOVERED && a->step) buf_printf(&summary, " at step %s", a->step);
    if (a->location) buf_printf(&summary, " in %s", a->location);

    buf_puts(out, "[{\"labels\":{");
    put_member(out, &first, "alertname", scenario ? "TelltaleScenarioFailing" : "TelltaleHeartbeatFailing");
    put_member(out, &first, scenario ? "scenario" : "heartbeat", a->name);
    put_member(out, &first, "step", a->step);
    put_member(out, &first, "kind", a->kind);
    put_member(out, &first, "location", a->location);
    put_member(out, &first, "instance", a->instance);
    for (char **l = r->labels; l && l[0]; l += 2) put_member(out, &first, l[0], l[1]);
    buf_puts(out, "},\"annotations\":{");
    first = true;
    put_member(out, &first, "summary", buf_str(&summary));
    put_member(out, &first, "message", a->message);
    put_member(out, &first, "artifacts_url", a->artifacts_url);
    put_member(out, &first, "run_id", a->run_id);
    put_member(out, &first, "trace_id", a->trace_id);
    put_member(out, &first, "file", a->file);
    buf_printf(out, "},\"startsAt\":\"%s\",\"endsAt\":\"%s\"}]\n", starts, ends);
    buf_free(&summary);
}

/* ---- delivery ---- */

struct delivery {
    struct loop *loop;
    struct alert_route route; /* copy, owned */
    char *payload;
    size_t payload_len;
    struct alert_retry retry;
    int attempt;
    alert_result_fn *on_result;
    void *data;
    bool in_flight; /* a worker runs an attempt now */
    bool ok;        /* outcome of the attempt (worker writes, loop reads after) */
    char error[600];
    char *check;             /* ALERTMANAGER: "check:name", what a newer post supersedes */
    bool superseded;         /* a newer post of check through this route exists: no retry */
    bool *accepted;          /* ALERTMANAGER: per URL, it took the alert (worker writes) */
    struct loop_timer timer; /* backoff before the next attempt */
    struct delivery *prev, *next;
};

static struct delivery *deliveries; /* loop thread only */

static void unlink_delivery(struct delivery *d) {
    if (d->prev)
        d->prev->next = d->next;
    else
        deliveries = d->next;
    if (d->next) d->next->prev = d->prev;
}

static void free_delivery(struct delivery *d) {
    alert_route_free(&d->route);
    free(d->payload);
    free(d->check);
    free(d->accepted);
    free(d);
}

/* Worker thread: the exec hook gets the payload on stdin, stdout goes to
 * our stderr (the journal), and it must finish within the timeout — then
 * its process group gets SIGTERM, and SIGKILL after EXEC_KILL_GRACE_MS. */
static void run_exec(struct delivery *d) {
    int in[2], status = 0, r;
    struct spawn_child child;
    struct failure f = {0};

    if (pipe2(in, O_CLOEXEC) != 0) {
        snprintf(d->error, sizeof d->error, "exec hook %s: pipe: %s", d->route.argv[0], strerror(errno));
        return;
    }
    struct spawn_opts o = {.argv = d->route.argv,
                           .search_path = true,
                           .in = in[0],
                           .out = STDERR_FILENO,
                           .err = -1,
                           .own_group = true, /* a timeout kills what it started too */
                           .pidfd = true};
    r = spawn_start(&o, &child, &f);
    close(in[0]);
    if (r != 0) {
        snprintf(d->error, sizeof d->error, "exec hook %s could not be run: %s", d->route.argv[0], strerror(errno));
        close(in[1]);
        failure_clear(&f);
        return;
    }
    /* EPIPE: the hook did not read; its exit status says the rest. */
    (void)atomic_file_write_all(in[1], d->payload, d->payload_len);
    close(in[1]);
    r = spawn_wait(&child, d->retry.timeout_ms, &status);
    if (r == 0) {
        r = spawn_stop(&child, EXEC_KILL_GRACE_MS, &status);
        snprintf(d->error, sizeof d->error, "exec hook %s did not finish within %lld ms (stopped: %s)",
                 d->route.argv[0], (long long)d->retry.timeout_ms, r == 2 ? "SIGTERM, then SIGKILL" : "SIGTERM");
        return;
    }
    if (r < 0) {
        snprintf(d->error, sizeof d->error, "exec hook %s: waiting for it: %s", d->route.argv[0], strerror(errno));
        spawn_signal(&child, SIGKILL);
        while (waitpid(child.pid, NULL, 0) < 0 && errno == EINTR) continue;
        spawn_release(&child);
        return;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        d->ok = true;
    else if (WIFEXITED(status))
        snprintf(d->error, sizeof d->error, "exec hook %s exited with status %d", d->route.argv[0],
                 WEXITSTATUS(status));
    else
        snprintf(d->error, sizeof d->error, "exec hook %s killed by signal %d", d->route.argv[0], WTERMSIG(status));
}

/* Worker thread: the alert to every member of the cluster that has not
 * taken it yet (as Prometheus posts to every Alertmanager: they share
 * notifications by gossip, not alerts). */
static void run_alertmanager(struct delivery *d) {
    struct buf url, errors;
    buf_init(&url, 0);
    buf_init(&errors, 0);
    d->ok = true;
    for (size_t i = 0; d->route.urls[i]; i++) {
        struct failure f = {0};
        const char *base = d->route.urls[i];
        size_t len = strlen(base);
        if (d->accepted[i]) continue;
        while (len > 0 && base[len - 1] == '/') len--;
        buf_reset(&url);
        buf_printf(&url, "%.*s/api/v2/alerts", (int)len, base);
        struct post_request req = {.method = "POST",
                                   .url = buf_str(&url),
                                   .content_type = "application/json",
                                   .body = d->payload,
                                   .body_len = d->payload_len,
                                   .timeout_ms = (long)d->retry.timeout_ms,
                                   .attempts = 1};
        if (post_send(&req, &f) == 0) {
            d->accepted[i] = true;
        } else {
            d->ok = false;
            buf_printf(&errors, "%s%s", errors.len ? "; " : "", f.message ? f.message : "delivery failed");
        }
        failure_clear(&f);
    }
    snprintf(d->error, sizeof d->error, "%s", buf_str(&errors));
    buf_free(&url);
    buf_free(&errors);
}

static void run_attempt(void *arg) {
    struct delivery *d = arg;
    d->ok = false;
    d->error[0] = '\0';
    if (d->route.type == ALERT_EXEC) {
        run_exec(d);
    } else if (d->route.type == ALERT_ALERTMANAGER) {
        run_alertmanager(d);
    } else {
        struct failure f = {0};
        struct post_request req = {.method = "POST",
                                   .url = d->route.url,
                                   .content_type = "application/json",
                                   .body = d->payload,
                                   .body_len = d->payload_len,
                                   .timeout_ms = (long)d->retry.timeout_ms,
                                   .attempts = 1};
        if (post_send(&req, &f) == 0)
            d->ok = true;
        else
            snprintf(d->error, sizeof d->error, "%s", f.message ? f.message : "delivery failed");
        failure_clear(&f);
    }
}

static int start_attempt(struct delivery *d);

static void on_backoff(struct loop *loop, struct loop_timer *t) {
    (void)loop;
    (void)start_attempt(t->data); /* a failure is reported and freed inside */
}

static void finish(struct delivery *d) {
    unlink_delivery(d);
    free_delivery(d);
}

static void attempt_done(void *arg) {
    struct delivery *d = arg;
    bool final = d->ok || d->attempt >= d->retry.attempts || d->superseded;
    char *err = d->ok ? NULL : redact_text(d->error);
    d->in_flight = false;
    if (!d->on_result) { /* cancelled while running: already reported */
        free(err);
        finish(d);
        return;
    }
    d->on_result(d->data, d->route.name, d->attempt, d->ok, final, err);
    free(err);
    if (final) {
        finish(d);
        return;
    }
    int64_t pause = d->retry.backoff_ms << (d->attempt - 1 < 16 ? d->attempt - 1 : 16);
    loop_timer_start(d->loop, &d->timer, loop_now(d->loop) + (uint64_t)pause);
}

static void no_free(void *arg) { (void)arg; }

/* Returns 0, or -1 when no thread could be started (reported, d freed). */
static int start_attempt(struct delivery *d) {
    if (d->superseded) {
        d->on_result(d->data, d->route.name, d->attempt, false, true,
                     "superseded: a newer post of this alert replaced this retry");
        finish(d);
        return 0;
    }
    d->attempt++;
    d->in_flight = true;
    if (!worker_start(d->loop, run_attempt, attempt_done, no_free, d)) {
        d->in_flight = false;
        d->on_result(d->data, d->route.name, d->attempt, false, true, "cannot start a delivery thread");
        finish(d);
        return -1;
    }
    return 0;
}

/* A deep copy of the NULL-terminated list l (NULL stays NULL); its length
 * into *n when l is not NULL and n is given. */
static char **copy_list(char *const *l, size_t *n) {
    size_t len = 0;
    if (!l) return NULL;
    while (l[len]) len++;
    char **copy = xcalloc(len + 1, sizeof *copy);
    for (size_t i = 0; i < len; i++) copy[i] = xstrdup(l[i]);
    if (n) *n = len;
    return copy;
}

/* d is the newest post of its check through its route: the older ones
 * still waiting for a retry (or running one) make no further attempt. */
static void supersede(struct delivery *d) {
    for (struct delivery *o = deliveries; o; o = o->next)
        if (o->check && strcmp(o->check, d->check) == 0 && strcmp(o->route.name, d->route.name) == 0)
            o->superseded = true;
}

int alert_send(struct loop *loop, const struct alert_route *route, const struct alert *a,
               const struct alert_retry *retry, alert_result_fn *on_result, void *data) {
    struct delivery *d = xcalloc(1, sizeof *d);
    struct buf payload;
    size_t n_urls = 0;

    d->loop = loop;
    d->route.name = xstrdup(route->name);
    d->route.type = route->type;
    d->route.url = route->url ? xstrdup(route->url) : NULL;
    d->route.argv = copy_list(route->argv, NULL);
    d->route.urls = copy_list(route->urls, &n_urls);
    d->route.labels = copy_list(route->labels, NULL);
    d->route.resend_ms = route->resend_ms;
    buf_init(&payload, 0);
    if (route->type == ALERT_SLACK) {
        alert_format_slack(a, &payload);
    } else if (route->type == ALERT_ALERTMANAGER) {
        alert_format_alertmanager(a, route, &payload);
        d->accepted = xcalloc(n_urls + 1, sizeof *d->accepted);
        d->check = xmalloc(strlen(a->check) + strlen(a->name) + 2);
        snprintf(d->check, strlen(a->check) + strlen(a->name) + 2, "%s:%s", a->check, a->name);
        supersede(d);
    } else {
        alert_format_json(a, &payload);
    }
    d->payload_len = payload.len;
    d->payload = buf_take(&payload);
    d->retry = *retry;
    if (d->retry.attempts < 1) d->retry.attempts = 1;
    d->on_result = on_result;
    d->data = data;
    loop_timer_init(&d->timer, on_backoff, d);
    d->next = deliveries;
    if (deliveries) deliveries->prev = d;
    deliveries = d;
    return start_attempt(d);
}

void alert_cancel_pending(void) {
    struct delivery *d = deliveries, *next;
    for (; d; d = next) {
        next = d->next;
        if (d->in_flight) {
            /* Its worker is joined at exit; the data goes with the list below. */
            d->on_result(d->data, d->route.name, d->attempt, false, true,
                         "not delivered: serve stopped while the attempt was running");
            d->on_result = NULL;
            continue;
        }
        loop_timer_stop(d->loop, &d->timer);
        d->on_result(d->data, d->route.name, d->attempt, false, true,
                     "not delivered: serve stopped before the next attempt");
        finish(d);
    }
}

void alert_free_all(void) {
    while (deliveries) finish(deliveries);
}

static void free_list(char **l) {
    if (l)
        for (char **p = l; *p; p++) free(*p);
    free(l);
}

void alert_route_free(struct alert_route *r) {
    free(r->name);
    free(r->url);
    free_list(r->argv);
    free_list(r->urls);
    free_list(r->labels);
    memset(r, 0, sizeof *r);
}
