/* serve_config.h — the `telltale serve` configuration: a Lua file that sets
 * (or returns a table with) scenarios, heartbeats, alert routes and where
 * state lives.  Read in a fresh Lua state of its own; unknown keys are
 * errors, as in `telltale check`, so a typo never silently disables an
 * alert.  See README "Canary mode: telltale serve". */
#ifndef TELLTALE_SERVE_CONFIG_H
#define TELLTALE_SERVE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "cron.h"
#include "result.h"

struct serve_scenario_conf {
    char *name;       /* default: the file name without .lua */
    char *path;       /* resolved against the config file's directory */
    char *schedule;   /* as written, e.g. "every 1m" (reload compares it) */
    int64_t every_ms; /* 0 when cron is used */
    struct cron cron;
    bool has_cron;
    int64_t jitter_ms;         /* random delay in [0, jitter] added to each start */
    int64_t timeout_ms;        /* the run's --timeout (default: the interval, at most 5m) */
    struct strlist vars;       /* "NAME=VALUE": the config's vars, then the scenario's */
    struct strlist alerts;     /* route names */
    int failures_before_alert; /* >= 1 */
    int64_t renotify_ms;       /* 0 = never re-notify */
};

struct serve_heartbeat_conf {
    char *name;
    int64_t period_ms, grace_ms;
    struct strlist alerts;
    int failures_before_alert;
    int64_t renotify_ms;
};

struct serve_config {
    struct serve_scenario_conf *scenarios;
    size_t n_scenarios;
    struct serve_heartbeat_conf *heartbeats;
    size_t n_heartbeats;
    struct alert_route *routes;
    size_t n_routes;
    char *state_file;    /* default: telltale-state.json next to the config */
    char *artifacts_dir; /* NULL: runs save no artifacts */
    char *artifacts_url; /* base URL the alert links to (+ /RUN-DIR/) */
    struct alert_retry retry;
    int64_t health_grace_ms; /* a scenario not started by its due time + this: /health fails */
    int64_t run_grace_ms;    /* the runs' --grace, and the SIGTERM bound on top of it */
    char *location;          /* where this canary runs (a metrics label, an alert field), or NULL */
    char *instance;          /* Alertmanager's `instance` label; default: the host name */
};

/* Load path into cfg.  Returns 0, or -1 with a message in err naming the
 * file and the key ("serve.lua: scenarios[2]: unknown key 'evry'"). */
int serve_config_load(const char *path, struct serve_config *cfg, char *err, size_t errlen);
void serve_config_free(struct serve_config *cfg);

/* Deep copies, for the scheduler keeping its own across reloads. */
void serve_scenario_conf_copy(struct serve_scenario_conf *dst, const struct serve_scenario_conf *src);
void serve_scenario_conf_free(struct serve_scenario_conf *c);
void serve_heartbeat_conf_copy(struct serve_heartbeat_conf *dst, const struct serve_heartbeat_conf *src);
void serve_heartbeat_conf_free(struct serve_heartbeat_conf *c);

/* The route called name, or NULL. */
const struct alert_route *serve_config_route(const struct serve_config *cfg, const char *name);

#endif
