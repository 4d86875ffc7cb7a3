/* serve_alert.c — the alert state machine of `telltale serve`: when a
 * check's outcome opens, repeats or closes an incident, and getting each
 * alert through its routes; see serve_alert.h.
 *
 * The decisions are alert_machine.c's (pure, unit-tested); this file
 * feeds it serve's outcomes and carries its decisions out: the state file
 * saved before an alert goes out, the alert through each route, the
 * delivery results back.  Loop thread only. */
#include "serve_alert.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "alert_machine.h"
#include "clock.h"
#include "xalloc.h"

/* One alert on its way through its routes; the machine says when it is
 * done and whether the pending alert is cleared. */
struct delivery_ctx {
    struct serve *serve;
    char *key; /* the state entry */
    struct alert_tracking track;
};

static void settle(struct delivery_ctx *ctx) {
    struct serve *s = ctx->serve;
    if (alert_machine_settle(&ctx->track, state_find(&s->state, ctx->key))) serve_save_state(s);
    free(ctx->key);
    free(ctx);
}

/* Count and log one attempt's result; quiet: a success is not logged
 * (the minutely re-posts to Alertmanager would drown the log). */
static void count_result(struct serve *s, const char *route, int attempt, bool ok, bool final, const char *error,
                         bool quiet) {
    if (ok) {
        serve_count_add(&s->deliveries, route, "delivered", 1);
        if (!quiet) serve_log("alert delivered to %s (attempt %d)", route, attempt);
    } else {
        serve_count_add(&s->attempt_errors, route, NULL, 1);
        if (final) {
            serve_count_add(&s->deliveries, route, "failed", 1);
            serve_log("ALERT NOT DELIVERED to %s after %d attempt%s: %s", route, attempt, attempt == 1 ? "" : "s",
                      error);
        } else {
            serve_log("alert to %s failed (attempt %d of %d, retrying): %s", route, attempt, s->cfg.retry.attempts,
                      error);
        }
    }
}

static void on_delivery(void *data, const char *route, int attempt, bool ok, bool final, const char *error) {
    struct delivery_ctx *ctx = data;
    struct serve *s = ctx->serve;
    count_result(s, route, attempt, ok, final, error, false);
    if (final && alert_machine_route_done(&s->machine, &ctx->track, ok)) settle(ctx);
    if (!s->stopping) serve_publish(s);
}

/* The routes (and scenario file) of the check named by a state key, or
 * NULL when it is no longer configured. */
static const struct strlist *routes_of(struct serve *s, const char *key, const char **file) {
    const char *colon = strchr(key, ':');
    *file = NULL;
    if (!colon) return NULL;
    for (size_t j = 0; j < s->n_scenarios; j++)
        if (strncmp(key, "scenario:", 9) == 0 && strcmp(s->scenarios[j]->conf.name, colon + 1) == 0) {
            *file = s->scenarios[j]->conf.path;
            return &s->scenarios[j]->conf.alerts;
        }
    for (size_t j = 0; j < s->n_heartbeats; j++)
        if (strncmp(key, "heartbeat:", 10) == 0 && strcmp(s->heartbeats[j]->conf.name, colon + 1) == 0)
            return &s->heartbeats[j]->conf.alerts;
    return NULL;
}

/* ---- alerts held firing at Alertmanager ----
 *
 * Alertmanager holds state, not events: an alert it has not heard of for
 * its endsAt is resolved, and one it lost (a restart without storage) is
 * gone.  So while a check's incident is open, each of its Alertmanager
 * routes keeps a record here and the tick re-posts it every `resend`.  The
 * labels (step, kind) are the incident's first, kept in the state entry
 * across restarts: Alertmanager tells alerts apart by their labels, and a
 * re-post must be the same alert. */
struct serve_firing {
    char *key;                                                /* the state entry, "check:name" */
    char *route;                                              /* an Alertmanager route of the check */
    char *step, *kind;                                        /* the incident's labels (NULL: none) */
    char *message, *run_id, *trace_id, *artifacts_url, *file; /* the latest failure's, for the annotations */
    int failures;
    int64_t since;        /* Unix seconds */
    int64_t next_post_ms; /* wall clock: the next re-post */
    struct serve_firing *next;
};

static char *dup_or_null(const char *v) { return v ? xstrdup(v) : NULL; }

static void replace(char **field, const char *v) {
    free(*field);
    *field = dup_or_null(v);
}

static void free_firing(struct serve_firing *f) {
    free(f->key);
    free(f->route);
    free(f->step);
    free(f->kind);
    free(f->message);
    free(f->run_id);
    free(f->trace_id);
    free(f->artifacts_url);
    free(f->file);
    free(f);
}

static struct serve_firing *find_firing(struct serve *s, const char *key, const char *route) {
    for (struct serve_firing *f = s->firing; f; f = f->next)
        if (strcmp(f->key, key) == 0 && strcmp(f->route, route) == 0) return f;
    return NULL;
}

/* Forget every record of key (its incident is closed). */
static void drop_firing(struct serve *s, const char *key) {
    for (struct serve_firing **p = &s->firing; *p;) {
        struct serve_firing *f = *p;
        if (strcmp(f->key, key) != 0) {
            p = &f->next;
            continue;
        }
        *p = f->next;
        free_firing(f);
    }
}

/* The incident of e is open and o is its latest failure: keep (or, the
 * first time since this process started, make) a record for each of its
 * Alertmanager routes.  posting: the caller sends an alert now, so the
 * next re-post is one interval away; otherwise a new record is posted by
 * the next tick (serve restarted mid-incident: Alertmanager may have
 * lost it meanwhile). */
static void hold_firing(struct serve *s, const struct state_entry *e, const struct strlist *routes,
                        const struct serve_outcome *o, bool posting) {
    int64_t now = clock_wall_ms();
    for (size_t i = 0; i < routes->len; i++) {
        const struct alert_route *r = serve_config_route(&s->cfg, routes->items[i]);
        if (!r || r->type != ALERT_ALERTMANAGER) continue;
        struct serve_firing *f = find_firing(s, e->key, r->name);
        if (!f) {
            f = xcalloc(1, sizeof *f);
            f->key = xstrdup(e->key);
            f->route = xstrdup(r->name);
            f->step = dup_or_null(e->incident_step);
            f->kind = dup_or_null(e->incident_kind);
            f->next = s->firing;
            s->firing = f;
        }
        replace(&f->message, o->message);
        replace(&f->run_id, o->run_id);
        replace(&f->trace_id, o->trace_id);
        replace(&f->artifacts_url, o->artifacts_url);
        replace(&f->file, o->file);
        f->failures = e->consecutive;
        f->since = e->incident_since;
        if (posting || f->next_post_ms == 0) f->next_post_ms = posting ? now + r->resend_ms : now;
    }
}

/* The instance label: the config's, or the host name. */
static const char *instance_of(const struct serve *s, char *host, size_t len) {
    if (s->cfg.instance) return s->cfg.instance;
    host[0] = '\0';
    gethostname(host, len - 1);
    host[len - 1] = '\0';
    return host;
}

static void on_repost(void *data, const char *route, int attempt, bool ok, bool final, const char *error) {
    struct serve *s = data;
    count_result(s, route, attempt, ok, final, error, true);
    if (!s->stopping) serve_publish(s);
}

/* f's check is still configured with f's route, an Alertmanager one (a
 * reload may have changed either: then the alert is left to expire). */
static bool still_routed(struct serve *s, const struct serve_firing *f) {
    const char *file;
    const struct strlist *routes = routes_of(s, f->key, &file);
    const struct alert_route *r = serve_config_route(&s->cfg, f->route);
    if (!routes || !r || r->type != ALERT_ALERTMANAGER) return false;
    for (size_t i = 0; i < routes->len; i++)
        if (strcmp(routes->items[i], f->route) == 0) return true;
    return false;
}

void serve_alert_tick(struct serve *s) {
    int64_t now = clock_wall_ms();
    char host[256];
    if (s->stopping) return;
    for (struct serve_firing **p = &s->firing; *p;) {
        struct serve_firing *f = *p;
        if (!still_routed(s, f)) {
            *p = f->next;
            free_firing(f);
            continue;
        }
        p = &f->next;
        const struct alert_route *r = serve_config_route(&s->cfg, f->route);
        const char *colon = strchr(f->key, ':');
        if (now < f->next_post_ms || !colon) continue;
        char *check = xstrndup(f->key, (size_t)(colon - f->key));
        struct alert a = {.event = ALERT_STILL_FAILING,
                          .check = check,
                          .name = colon + 1,
                          .file = f->file,
                          .step = f->step,
                          .kind = f->kind,
                          .message = f->message,
                          .run_id = f->run_id,
                          .trace_id = f->trace_id,
                          .artifacts_url = f->artifacts_url,
                          .failures = f->failures,
                          .since = f->since,
                          .time = now / 1000,
                          .location = s->cfg.location,
                          .instance = instance_of(s, host, sizeof host)};
        alert_send(s->loop, r, &a, &s->cfg.retry, on_repost, s);
        f->next_post_ms = now + r->resend_ms;
        free(check);
    }
}

void serve_alert_free(struct serve *s) {
    while (s->firing) {
        struct serve_firing *f = s->firing;
        s->firing = f->next;
        free_firing(f);
    }
}

/* Send a through routes; the state entry e holds it as pending (saved
 * before this is called) until every route is done. */
static void send_alert(struct serve *s, struct state_entry *e, const struct strlist *routes, const struct alert *a,
                       uint64_t seq) {
    struct delivery_ctx *ctx = xcalloc(1, sizeof *ctx);
    ctx->serve = s;
    ctx->key = xstrdup(e->key);
    serve_log("alert %s: %s %s%s%s -> %zu route%s", alert_event_name(a->event), a->check, a->name,
              a->message ? ": " : "", a->message ? a->message : "", routes->len, routes->len == 1 ? "" : "s");
    /* One more than the routes, held while sending: a route failing at
     * once must not settle it before the others have started. */
    alert_machine_track(&ctx->track, seq, 1);
    for (size_t i = 0; i < routes->len; i++) {
        const struct alert_route *r = serve_config_route(&s->cfg, routes->items[i]);
        struct alert held = *a;
        if (!r) continue;
        if (r->type == ALERT_ALERTMANAGER) { /* the alert Alertmanager holds, recovery included */
            held.step = e->incident_step;
            held.kind = e->incident_kind;
        }
        ctx->track.outstanding++;
        alert_send(s->loop, r, &held, &s->cfg.retry, on_delivery, ctx);
    }
    if (alert_machine_route_done(&s->machine, &ctx->track, true)) settle(ctx); /* no route at all */
}

void serve_record(struct serve *s, const char *check, const char *name, const struct strlist *routes, int threshold,
                  int64_t renotify_ms, const struct serve_outcome *o) {
    struct buf key;
    int64_t now = clock_wall_ms() / 1000;
    struct alert_outcome in = {.ok = o->ok,
                               .threshold = threshold,
                               .renotify_ms = renotify_ms,
                               .now = now,
                               .step = o->step,
                               .kind = o->kind,
                               .message = o->message,
                               .run_id = o->run_id,
                               .trace_id = o->trace_id,
                               .artifacts_url = o->artifacts_url};
    buf_init(&key, 0);
    buf_printf(&key, "%s:%s", check, name);
    struct state_entry *e = state_get(&s->state, buf_str(&key));
    buf_free(&key);
    struct alert_decision d = alert_machine_outcome(&s->machine, e, &in);
    char host[256];
    if (d.save) serve_save_state(s);
    if (!o->ok && e->incident) hold_firing(s, e, routes, o, d.send);
    if (!d.send) {
        if (o->ok) drop_firing(s, e->key);
        return;
    }
    bool rec = d.event == ALERT_RECOVERED;
    struct alert a = {.event = d.event,
                      .check = check,
                      .name = name,
                      .file = o->file,
                      .step = rec ? NULL : o->step,
                      .kind = rec ? NULL : o->kind,
                      .message = rec ? NULL : o->message,
                      .run_id = o->run_id,
                      .trace_id = o->trace_id,
                      .artifacts_url = o->artifacts_url,
                      .failures = d.failures,
                      .since = d.since,
                      .time = now,
                      .location = s->cfg.location,
                      .instance = instance_of(s, host, sizeof host)};
    send_alert(s, e, routes, &a, d.seq);
    if (rec) drop_firing(s, e->key);
}

void serve_resend_pending(struct serve *s) {
    char host[256];
    for (size_t i = 0; i < s->state.len; i++) {
        struct state_entry *e = &s->state.entries[i];
        const char *file, *colon = strchr(e->key, ':');
        const struct strlist *routes = routes_of(s, e->key, &file);
        if (!e->pending_event || !routes) continue; /* nothing pending, or no longer configured */
        struct alert_decision d = alert_machine_resend(&s->machine, e);
        char *check = xstrndup(e->key, (size_t)(colon - e->key));
        struct alert a = {.event = d.event,
                          .check = check,
                          .name = colon + 1,
                          .file = file,
                          .step = e->pending_step,
                          .kind = e->pending_kind,
                          .message = e->pending_message,
                          .run_id = e->pending_run_id,
                          .trace_id = e->pending_trace_id,
                          .artifacts_url = e->pending_artifacts_url,
                          .failures = d.failures,
                          .since = d.since,
                          .time = clock_wall_ms() / 1000,
                          .location = s->cfg.location,
                          .instance = instance_of(s, host, sizeof host)};
        serve_log("%s %s: sending the %s alert not delivered before the last stop", check, colon + 1,
                  alert_event_name(a.event));
        send_alert(s, e, routes, &a, d.seq);
        free(check);
    }
}
