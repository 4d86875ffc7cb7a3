/* prom.h — the one Prometheus text exposition writer (format 0.0.4), used
 * by --prom-file and --pushgateway (metrics.c) and by serve's /metrics
 * (serve_metrics.c).
 *
 * Every family telltale exports is listed once below, with its type and
 * HELP text: the one-shot run and serve cannot drift apart.  Samples are
 * collected first and written at the end: each family once (HELP, TYPE,
 * then its samples), families sorted by name, samples by their labels, a
 * repeated series dropped (Prometheus rejects the whole scrape for one),
 * so the output passes `promtool check metrics`.  Label values are
 * redacted (redact_text), made valid UTF-8 and escaped as the format asks;
 * label names are the caller's constants. */
#ifndef TELLTALE_PROM_H
#define TELLTALE_PROM_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* id, name, type, HELP */
#define PROM_FAMILY_MAP(X)                                                                                             \
    X(SCENARIO_LAST_STATUS, "telltale_scenario_last_status", "gauge",                                                  \
      "Whether the scenario passed (1) or not (0) in its last run.")                                                   \
    X(SCENARIO_LAST_DURATION, "telltale_scenario_last_duration_seconds", "gauge",                                      \
      "Duration of the scenario's last run.")                                                                          \
    X(SCENARIO_LAST_SUCCESS, "telltale_scenario_last_success_timestamp_seconds", "gauge",                              \
      "When the scenario last passed (Unix time); while it fails, --prom-file keeps the value it had.")                \
    X(STEP_LAST_STATUS, "telltale_step_last_status", "gauge",                                                          \
      "Whether the step passed (1) or failed (0) in the last run; skipped steps are left out.")                        \
    X(STEP_LAST_DURATION, "telltale_step_last_duration_seconds", "gauge",                                              \
      "Duration of the step's last run, every attempt included.")                                                      \
    X(RUNS_TOTAL, "telltale_runs_total", "counter",                                                                    \
      "Finished scenario runs by result and failure kind (since serve started; a one-shot run counts its one run).")   \
    X(RUNS_SKIPPED_OVERLAP, "telltale_runs_skipped_overlap_total", "counter",                                          \
      "Starts skipped because the previous run of the scenario was still going.")                                      \
    X(SCENARIO_RUNNING, "telltale_scenario_running", "gauge", "1 while a run of the scenario is going.")               \
    X(SCENARIO_NEXT_RUN, "telltale_scenario_next_run_timestamp_seconds", "gauge",                                      \
      "When the scenario is due next (Unix time).")                                                                    \
    X(CHECK_FAILING, "telltale_check_failing", "gauge",                                                                \
      "1 while a scenario or heartbeat has an open incident (a failing alert went out, no recovery yet).")             \
    X(HEARTBEAT_STATUS, "telltale_heartbeat_status", "gauge",                                                          \
      "1 while the heartbeat is on time, 0 when late or failed.")                                                      \
    X(HEARTBEAT_LAST_PING, "telltale_heartbeat_last_ping_timestamp_seconds", "gauge",                                  \
      "When the heartbeat last pinged success or failure (Unix time).")                                                \
    X(HEARTBEAT_PINGS, "telltale_heartbeat_pings_total", "counter", "Pings received by type: success, start, fail.")   \
    X(ALERT_DELIVERIES, "telltale_alert_deliveries_total", "counter",                                                  \
      "Alerts by route and outcome: delivered, or failed after every attempt.")                                        \
    X(ALERT_ATTEMPT_ERRORS, "telltale_alert_delivery_attempt_errors_total", "counter",                                 \
      "Failed delivery attempts by route, retried or final.")                                                          \
    X(CONFIG_RELOADS, "telltale_config_reloads_total", "counter", "Configuration reloads (SIGHUP) by result.")         \
    X(SCHEDULER_LAST_LOOP, "telltale_scheduler_last_loop_timestamp_seconds", "gauge",                                  \
      "When the scheduler last went round its loop (Unix time).")                                                      \
    X(SERVE_START, "telltale_serve_start_timestamp_seconds", "gauge", "When serve started (Unix time).")               \
    X(RUN_TIMESTAMP, "telltale_run_timestamp_seconds", "gauge", "When the last run finished (Unix time).")             \
    X(BUILD_INFO, "telltale_build_info", "gauge", "The telltale version that produced these metrics, as a label.")

enum prom_family {
#define PROM_ENUM(id, name, type, help) PROM_##id,
    PROM_FAMILY_MAP(PROM_ENUM)
#undef PROM_ENUM
        PROM_FAMILY_COUNT
};

/* One label of a sample: a constant name, any value (NULL is ""). */
struct prom_label {
    const char *name;
    const char *value;
};

/* An exposition being collected.  Opaque: create with prom_new. */
struct prom;

struct prom *prom_new(void);
void prom_free(struct prom *p);

/* Write family (HELP and TYPE) even if it gets no sample; a sample
 * declares its family too. */
void prom_declare(struct prom *p, enum prom_family family);
/* A comment line ("# text", newlines flattened) written before every
 * family; parsers skip it. */
void prom_comment(struct prom *p, const char *text);
/* One sample of family: labels[0..n) and an integer value; a family with
 * no sample still gets its HELP and TYPE. */
void prom_add_int(struct prom *p, enum prom_family family, const struct prom_label *labels, size_t n, int64_t value);
void prom_add_u64(struct prom *p, enum prom_family family, const struct prom_label *labels, size_t n, uint64_t value);
/* The same, for a time or a duration in ms, exported in seconds. */
void prom_add_seconds(struct prom *p, enum prom_family family, const struct prom_label *labels, size_t n, int64_t ms);
/* The same with a value already in exposition form ("1764000000.250"),
 * e.g. carried over from a previous exposition; not checked. */
void prom_add_text(struct prom *p, enum prom_family family, const struct prom_label *labels, size_t n,
                   const char *value);
/* A label added, after the caller's, to every sample collected from now
 * on — the `location` of a canary, so that the same series from two
 * vantage points stay apart.  name is a constant; value is copied; NULL or
 * "" adds nothing.  At most PROM_CONST_LABELS. */
#define PROM_CONST_LABELS 2
void prom_const_label(struct prom *p, const char *name, const char *value);

/* 0 when s may name a location (the `location` label of every metric, the
 * alerts' and the reports' field): 1 to 63 letters, digits, '.', '_', '-'.
 * Otherwise -1 with the reason in err. */
int prom_check_location(const char *s, char *err, size_t errlen);

/* Append the series as it would be written, `name{a="x",b="y"}`, to out
 * (to find it in an earlier exposition). */
void prom_series(enum prom_family family, const struct prom_label *labels, size_t n, struct buf *out);

/* Append the exposition to out: the comments, then every declared family
 * in name order. */
void prom_format(const struct prom *p, struct buf *out);

/* Append value as a label value: redacted, invalid UTF-8 replaced by
 * U+FFFD, backslash, double quote and newline escaped, in double quotes. */
void prom_write_label_value(struct buf *out, const char *value);

#endif
