/* serve_metrics.c — serve's /metrics text; see serve_metrics.h. */
#include "serve_metrics.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "prom.h"
#include "serve_state.h"
#include "xalloc.h"

#define L1(k, v) (struct prom_label[]){{k, v}}, 1

static void scenario_samples(struct prom *p, const struct serve_scenario *sc) {
    const char *name = sc->conf.name;
    if (sc->last_status >= 0) { /* after its first run */
        prom_add_int(p, PROM_SCENARIO_LAST_STATUS, L1("scenario", name), sc->last_status == 1);
        prom_add_seconds(p, PROM_SCENARIO_LAST_DURATION, L1("scenario", name), sc->last_duration_ms);
        if (sc->last_success_ms)
            prom_add_seconds(p, PROM_SCENARIO_LAST_SUCCESS, L1("scenario", name), sc->last_success_ms);
    }
    for (size_t j = 0; j < sc->n_steps; j++) {
        struct prom_label l[2] = {{"scenario", name}, {"step", sc->steps[j].name}};
        if (sc->steps[j].status < 0) continue;
        prom_add_int(p, PROM_STEP_LAST_STATUS, l, 2, sc->steps[j].status);
        prom_add_seconds(p, PROM_STEP_LAST_DURATION, l, 2, sc->steps[j].duration_ms);
    }
    for (const struct serve_count *c = sc->runs; c; c = c->next) {
        struct prom_label l[3] = {{"scenario", name}, {"result", c->a}, {"kind", c->b}};
        prom_add_u64(p, PROM_RUNS_TOTAL, l, 3, c->n);
    }
    prom_add_u64(p, PROM_RUNS_SKIPPED_OVERLAP, L1("scenario", name), sc->overlaps_skipped);
    prom_add_int(p, PROM_SCENARIO_RUNNING, L1("scenario", name), sc->pid != 0);
    prom_add_seconds(p, PROM_SCENARIO_NEXT_RUN, L1("scenario", name), sc->next_due_ms);
}

static void heartbeat_samples(struct prom *p, const struct serve_heartbeat *h) {
    const char *name = h->conf.name;
    if (h->status >= 0) {
        prom_add_int(p, PROM_HEARTBEAT_STATUS, L1("heartbeat", name), h->status);
        prom_add_seconds(p, PROM_HEARTBEAT_LAST_PING, L1("heartbeat", name), h->last_ping_ms);
    }
    for (const struct serve_count *c = h->pings; c; c = c->next) {
        struct prom_label l[2] = {{"heartbeat", name}, {"type", c->a}};
        prom_add_u64(p, PROM_HEARTBEAT_PINGS, l, 2, c->n);
    }
}

/* A counter keyed by one or two labels (lb NULL: one). */
static void counts(struct prom *p, enum prom_family family, const char *la, const char *lb,
                   const struct serve_count *c) {
    prom_declare(p, family);
    for (; c; c = c->next) {
        struct prom_label l[2] = {{la, c->a}, {lb, c->b}};
        prom_add_u64(p, family, l, lb ? 2 : 1, c->n);
    }
}

void serve_metrics_format(const struct serve *s, struct buf *out) {
    struct prom *p = prom_new();
    prom_const_label(p, "location", s->cfg.location);
    /* Every family serve exports, with or without samples yet. */
    for (int f = 0; f < PROM_FAMILY_COUNT; f++)
        if (f != PROM_RUN_TIMESTAMP) prom_declare(p, (enum prom_family)f);
    for (size_t i = 0; i < s->n_scenarios; i++)
        if (!s->scenarios[i]->removed) scenario_samples(p, s->scenarios[i]);
    for (size_t i = 0; i < s->state.len; i++) {
        const struct state_entry *e = &s->state.entries[i];
        const char *colon = strchr(e->key, ':');
        if (!colon) continue;
        char *check = xstrndup(e->key, (size_t)(colon - e->key));
        struct prom_label l[2] = {{"check", check}, {"name", colon + 1}};
        prom_add_int(p, PROM_CHECK_FAILING, l, 2, e->incident);
        free(check);
    }
    for (size_t i = 0; i < s->n_heartbeats; i++) heartbeat_samples(p, s->heartbeats[i]);
    counts(p, PROM_ALERT_DELIVERIES, "route", "result", s->deliveries);
    counts(p, PROM_ALERT_ATTEMPT_ERRORS, "route", NULL, s->attempt_errors);
    counts(p, PROM_CONFIG_RELOADS, "result", NULL, s->reloads);
    prom_add_seconds(p, PROM_SCHEDULER_LAST_LOOP, NULL, 0, s->last_loop_ms);
    prom_add_seconds(p, PROM_SERVE_START, NULL, 0, s->started_ms);
    prom_add_int(p, PROM_BUILD_INFO, L1("version", TELLTALE_VERSION), 1);
    prom_format(p, out);
    prom_free(p);
}
