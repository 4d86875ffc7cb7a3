/* serve_alert.c — the alert state machine of `telltale serve`: when a
 * check's outcome opens, repeats or closes an incident, and getting each
 * alert through its routes; see serve_alert.h.
 *
 * An alert is saved in the state file as pending before it goes out and
 * cleared once every route has it, so a crash or a stop in between sends
 * it again after the restart, exactly once.  Loop thread only. */
#include "serve_alert.h"

#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "xalloc.h"

/* One alert on its way through its routes.  When the last route is done
 * the check's pending alert is cleared from the state, unless serve was
 * stopping and a route did not get it: then a restart sends it again. */
struct delivery_ctx {
    struct serve *serve;
    char *key;    /* the state entry */
    uint64_t seq; /* matches entry->pending_seq while no newer alert replaced it */
    size_t outstanding;
    bool keep; /* a route missed it because serve stopped */
};

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
            if (s->stopping) ctx->keep = true;
        } else {
            serve_log("alert to %s failed (attempt %d of %d, retrying): %s", route, attempt, s->cfg.retry.attempts,
                      error);
        }
    }
    if (final && --ctx->outstanding == 0) {
        struct state_entry *e = state_find(&s->state, ctx->key);
        if (e && e->pending_seq == ctx->seq && !ctx->keep) {
            state_set_pending(e, -1, NULL, NULL, NULL, NULL);
            serve_save_state(s);
        }
        free(ctx->key);
        free(ctx);
    }
    if (!s->stopping) serve_publish(s);
}

static uint64_t alert_seq;

/* Send a through routes; the state entry e holds it as pending (saved
 * before this is called) until every route is done. */
static void send_alert(struct serve *s, struct state_entry *e, const struct strlist *routes, const struct alert *a) {
    struct delivery_ctx *ctx = xcalloc(1, sizeof *ctx);
    ctx->serve = s;
    ctx->key = xstrdup(e->key);
    ctx->seq = e->pending_seq;
    serve_log("alert %s: %s %s%s%s -> %zu route%s", alert_event_name(a->event), a->check, a->name,
              a->message ? ": " : "", a->message ? a->message : "", routes->len, routes->len == 1 ? "" : "s");
    ctx->outstanding = 1; /* held while sending: a route failing at once must not free ctx */
    for (size_t i = 0; i < routes->len; i++) {
        const struct alert_route *r = serve_config_route(&s->cfg, routes->items[i]);
        if (!r) continue;
        ctx->outstanding++;
        alert_send(s->loop, r, a, &s->cfg.retry, on_delivery, ctx);
    }
    if (--ctx->outstanding == 0) { /* no route at all: nothing is pending */
        if (e->pending_seq == ctx->seq) state_set_pending(e, -1, NULL, NULL, NULL, NULL);
        free(ctx->key);
        free(ctx);
    }
}

/* The state machine of one check: pass -> fail after `threshold`
 * consecutive failures (alert), fail -> pass (recovered), and while still
 * failing a re-notify every renotify_ms.  The state is saved before the
 * alert goes out: a crash in between loses that one alert rather than
 * repeating it after every restart. */
void serve_record(struct serve *s, const char *check, const char *name, const struct strlist *routes, int threshold,
                  int64_t renotify_ms, const struct serve_outcome *o) {
    struct buf key;
    int64_t now = serve_wall_ms() / 1000;
    struct alert a = {.check = check,
                      .name = name,
                      .file = o->file,
                      .step = o->step,
                      .kind = o->kind,
                      .message = o->message,
                      .run_id = o->run_id,
                      .trace_id = o->trace_id,
                      .artifacts_url = o->artifacts_url,
                      .time = now};
    bool send = false;
    buf_init(&key, 0);
    buf_printf(&key, "%s:%s", check, name);
    struct state_entry *e = state_get(&s->state, buf_str(&key));
    buf_free(&key);
    if (o->ok) {
        if (e->incident) {
            a.event = ALERT_RECOVERED;
            a.failures = e->consecutive;
            a.since = e->incident_since;
            a.kind = a.message = a.step = NULL;
            send = true;
        }
        e->failing = e->incident = false;
        e->consecutive = 0;
        e->last_success = now;
    } else {
        if (!e->failing || e->consecutive == 0) e->incident_since = now;
        e->failing = true;
        e->consecutive++;
        if (!e->incident && e->consecutive >= threshold) {
            a.event = ALERT_FAILING;
            e->incident = send = true;
            e->last_alert = now;
        } else if (e->incident && renotify_ms > 0 && (now - e->last_alert) * 1000 >= renotify_ms) {
            a.event = ALERT_STILL_FAILING;
            e->last_alert = now;
            send = true;
        }
        a.failures = e->consecutive;
        a.since = e->incident_since;
    }
    if (send) {
        e->pending_seq = ++alert_seq;
        state_set_pending(e, (int)a.event, a.step, a.kind, a.message, a.run_id);
    }
    serve_save_state(s);
    if (send) send_alert(s, e, routes, &a);
}

/* Alerts decided before a crash or a stop but not delivered then: send
 * them now, with what the state kept of them. */
void serve_resend_pending(struct serve *s) {
    for (size_t i = 0; i < s->state.len; i++) {
        struct state_entry *e = &s->state.entries[i];
        const struct strlist *routes = NULL;
        const char *file = NULL, *colon = strchr(e->key, ':');
        if (!e->pending_event || !colon) continue;
        for (size_t j = 0; j < s->n_scenarios && !routes; j++)
            if (strncmp(e->key, "scenario:", 9) == 0 && strcmp(s->scenarios[j]->conf.name, colon + 1) == 0) {
                routes = &s->scenarios[j]->conf.alerts;
                file = s->scenarios[j]->conf.path;
            }
        for (size_t j = 0; j < s->n_heartbeats && !routes; j++)
            if (strncmp(e->key, "heartbeat:", 10) == 0 && strcmp(s->heartbeats[j]->conf.name, colon + 1) == 0)
                routes = &s->heartbeats[j]->conf.alerts;
        if (!routes) continue; /* no longer configured */
        char *check = xstrndup(e->key, (size_t)(colon - e->key));
        struct alert a = {.event = (enum alert_event)(e->pending_event - 1),
                          .check = check,
                          .name = colon + 1,
                          .file = file,
                          .step = e->pending_step,
                          .kind = e->pending_kind,
                          .message = e->pending_message,
                          .run_id = e->pending_run_id,
                          .failures = e->consecutive,
                          .since = e->incident_since,
                          .time = serve_wall_ms() / 1000};
        serve_log("%s %s: sending the %s alert not delivered before the last stop", check, colon + 1,
                  alert_event_name(a.event));
        e->pending_seq = ++alert_seq;
        send_alert(s, e, routes, &a);
        free(check);
    }
}
