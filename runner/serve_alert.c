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

static void on_delivery(void *data, const char *route, int attempt, bool ok, bool final, const char *error) {
    struct delivery_ctx *ctx = data;
    struct serve *s = ctx->serve;
    if (ok) {
        serve_count_add(&s->deliveries, route, "delivered", 1);
        serve_log("alert delivered to %s (attempt %d)", route, attempt);
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
    if (final && alert_machine_route_done(&s->machine, &ctx->track, ok)) settle(ctx);
    if (!s->stopping) serve_publish(s);
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
        if (!r) continue;
        ctx->track.outstanding++;
        alert_send(s->loop, r, a, &s->cfg.retry, on_delivery, ctx);
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
                               .run_id = o->run_id};
    buf_init(&key, 0);
    buf_printf(&key, "%s:%s", check, name);
    struct state_entry *e = state_get(&s->state, buf_str(&key));
    buf_free(&key);
    struct alert_decision d = alert_machine_outcome(&s->machine, e, &in);
    if (d.save) serve_save_state(s);
    if (!d.send) return;
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
                      .time = now};
    send_alert(s, e, routes, &a, d.seq);
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

void serve_resend_pending(struct serve *s) {
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
                          .failures = d.failures,
                          .since = d.since,
                          .time = clock_wall_ms() / 1000};
        serve_log("%s %s: sending the %s alert not delivered before the last stop", check, colon + 1,
                  alert_event_name(a.event));
        send_alert(s, e, routes, &a, d.seq);
        free(check);
    }
}
