/* serve_metrics.c — serve's /metrics text; see serve_metrics.h. */
#include "serve_metrics.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "metrics.h"
#include "redact.h"
#include "serve_state.h"
#include "xalloc.h"

static void family(struct buf *out, const char *name, const char *type, const char *help) {
    buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* `,name="value"` (the first label without the comma), redacted and escaped. */
static void label(struct buf *out, bool first, const char *name, const char *value) {
    char *clean = redact_text(value ? value : "");
    buf_printf(out, "%s%s=", first ? "" : ",", name);
    metrics_write_label_value(out, clean);
    free(clean);
}

static double seconds(int64_t ms) { return (double)ms / 1000.0; }

static void scenario_gauge(struct buf *out, const struct serve *s, const char *metric, const char *type,
                           const char *help, int which) {
    family(out, metric, type, help);
    for (size_t i = 0; i < s->n_scenarios; i++) {
        const struct serve_scenario *sc = s->scenarios[i];
        if (sc->removed) continue;
        if (which <= 2 && sc->last_status < 0) continue;
        if (which == 2 && sc->last_success_ms == 0) continue;
        buf_printf(out, "%s{", metric);
        label(out, true, "scenario", sc->conf.name);
        switch (which) {
        case 0: buf_printf(out, "} %d\n", sc->last_status == 1); break;
        case 1: buf_printf(out, "} %.3f\n", seconds(sc->last_duration_ms)); break;
        case 2: buf_printf(out, "} %.3f\n", seconds(sc->last_success_ms)); break;
        case 3: buf_printf(out, "} %llu\n", (unsigned long long)sc->overlaps_skipped); break;
        case 4: buf_printf(out, "} %d\n", sc->pid != 0); break;
        default: buf_printf(out, "} %.3f\n", seconds(sc->next_due_ms)); break;
        }
    }
}

static void step_gauge(struct buf *out, const struct serve *s, const char *metric, const char *help, bool status) {
    family(out, metric, "gauge", help);
    for (size_t i = 0; i < s->n_scenarios; i++) {
        const struct serve_scenario *sc = s->scenarios[i];
        for (size_t j = 0; !sc->removed && j < sc->n_steps; j++) {
            if (sc->steps[j].status < 0) continue;
            buf_printf(out, "%s{", metric);
            label(out, true, "scenario", sc->conf.name);
            label(out, false, "step", sc->steps[j].name);
            if (status)
                buf_printf(out, "} %d\n", sc->steps[j].status);
            else
                buf_printf(out, "} %.3f\n", seconds(sc->steps[j].duration_ms));
        }
    }
}

static void counts(struct buf *out, const char *metric, const char *first_label, const char *first_value,
                   const char *la, const char *lb, const struct serve_count *c) {
    for (; c; c = c->next) {
        buf_printf(out, "%s{", metric);
        if (first_label) label(out, true, first_label, first_value);
        label(out, first_label == NULL, la, c->a);
        if (lb) label(out, false, lb, c->b);
        buf_printf(out, "} %llu\n", (unsigned long long)c->n);
    }
}

void serve_metrics_format(const struct serve *s, struct buf *out) {
    scenario_gauge(out, s, "telltale_scenario_last_status", "gauge",
                   "Whether the scenario passed (1) or not (0) in its last run.", 0);
    scenario_gauge(out, s, "telltale_scenario_last_duration_seconds", "gauge", "Duration of the scenario's last run.",
                   1);
    scenario_gauge(out, s, "telltale_scenario_last_success_timestamp_seconds", "gauge",
                   "When the scenario last passed (Unix time).", 2);
    step_gauge(out, s, "telltale_step_last_status",
               "Whether the step passed (1) or failed (0) in the last run; skipped steps are left out.", true);
    step_gauge(out, s, "telltale_step_last_duration_seconds",
               "Duration of the step's last run, every attempt included.", false);

    family(out, "telltale_runs_total", "counter", "Finished runs by result and failure kind since serve started.");
    for (size_t i = 0; i < s->n_scenarios; i++)
        if (!s->scenarios[i]->removed)
            counts(out, "telltale_runs_total", "scenario", s->scenarios[i]->conf.name, "result", "kind",
                   s->scenarios[i]->runs);
    scenario_gauge(out, s, "telltale_runs_skipped_overlap_total", "counter",
                   "Starts skipped because the previous run of the scenario was still going.", 3);
    scenario_gauge(out, s, "telltale_scenario_running", "gauge", "1 while a run of the scenario is going.", 4);
    scenario_gauge(out, s, "telltale_scenario_next_run_timestamp_seconds", "gauge",
                   "When the scenario is due next (Unix time).", 5);

    family(out, "telltale_check_failing", "gauge",
           "1 while a scenario or heartbeat has an open incident (a failing alert went out, no recovery yet).");
    for (size_t i = 0; i < s->state.len; i++) {
        const struct state_entry *e = &s->state.entries[i];
        const char *colon = strchr(e->key, ':');
        if (!colon) continue;
        char *check = xstrndup(e->key, (size_t)(colon - e->key));
        buf_puts(out, "telltale_check_failing{");
        label(out, true, "check", check);
        label(out, false, "name", colon + 1);
        buf_printf(out, "} %d\n", e->incident);
        free(check);
    }

    family(out, "telltale_heartbeat_status", "gauge", "1 while the heartbeat is on time, 0 when late or failed.");
    for (size_t i = 0; i < s->n_heartbeats; i++) {
        const struct serve_heartbeat *h = s->heartbeats[i];
        if (h->status < 0) continue;
        buf_puts(out, "telltale_heartbeat_status{");
        label(out, true, "heartbeat", h->conf.name);
        buf_printf(out, "} %d\n", h->status);
    }
    family(out, "telltale_heartbeat_last_ping_timestamp_seconds", "gauge",
           "When the heartbeat last pinged success or failure (Unix time).");
    for (size_t i = 0; i < s->n_heartbeats; i++) {
        const struct serve_heartbeat *h = s->heartbeats[i];
        if (h->status < 0) continue;
        buf_puts(out, "telltale_heartbeat_last_ping_timestamp_seconds{");
        label(out, true, "heartbeat", h->conf.name);
        buf_printf(out, "} %.3f\n", seconds(h->last_ping_ms));
    }
    family(out, "telltale_heartbeat_pings_total", "counter", "Pings received by type: success, start, fail.");
    for (size_t i = 0; i < s->n_heartbeats; i++)
        counts(out, "telltale_heartbeat_pings_total", "heartbeat", s->heartbeats[i]->conf.name, "type", NULL,
               s->heartbeats[i]->pings);

    family(out, "telltale_alert_deliveries_total", "counter",
           "Alerts by route and outcome: delivered, or failed after every attempt.");
    counts(out, "telltale_alert_deliveries_total", NULL, NULL, "route", "result", s->deliveries);
    family(out, "telltale_alert_delivery_attempt_errors_total", "counter",
           "Failed delivery attempts by route, retried or final.");
    counts(out, "telltale_alert_delivery_attempt_errors_total", NULL, NULL, "route", NULL, s->attempt_errors);
    family(out, "telltale_config_reloads_total", "counter", "Configuration reloads (SIGHUP) by result.");
    counts(out, "telltale_config_reloads_total", NULL, NULL, "result", NULL, s->reloads);

    family(out, "telltale_scheduler_last_loop_timestamp_seconds", "gauge",
           "When the scheduler last went round its loop (Unix time).");
    buf_printf(out, "telltale_scheduler_last_loop_timestamp_seconds %.3f\n", seconds(s->last_loop_ms));
    family(out, "telltale_serve_start_timestamp_seconds", "gauge", "When serve started (Unix time).");
    buf_printf(out, "telltale_serve_start_timestamp_seconds %.3f\n", seconds(s->started_ms));
    family(out, "telltale_build_info", "gauge", "The telltale version, as a label.");
    buf_puts(out, "telltale_build_info{");
    label(out, true, "version", TELLTALE_VERSION);
    buf_puts(out, "} 1\n");
}
