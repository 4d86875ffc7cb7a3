/* metrics.h — a run's results as Prometheus metrics, for one-shot runs:
 * a textfile for node_exporter's textfile collector (--prom-file), or a
 * push to a Pushgateway (--pushgateway).
 *
 * Series (labels `scenario`, and `step` for steps; names only, nothing from
 * vars, every value passed through redact_text):
 *   telltale_scenario_last_status            1 passed, 0 anything else
 *   telltale_scenario_last_duration_seconds
 *   telltale_scenario_last_success_timestamp_seconds   when it last passed
 *       (for --prom-file, kept from the file's previous content while failing)
 *   telltale_step_last_status                steps that ran (not skipped)
 *   telltale_step_last_duration_seconds
 *   telltale_runs_total{scenario,result,kind}  1 for this run's result: a
 *       one-shot process has seen one run; counting across runs is the job
 *       of `telltale serve` (or of sum_over_time on the pushed gauge).
 *   telltale_run_timestamp_seconds           when the run finished
 *   telltale_build_info{version}             1
 * With --location NAME every series carries location="NAME" too. */
#ifndef TELLTALE_METRICS_H
#define TELLTALE_METRICS_H

#include <stddef.h>

struct buf;
struct failure;
struct run_result;

/* Append the text exposition (format 0.0.4, written by prom.h) of r to out.  previous is the
 * exposition this one replaces, or NULL: a scenario failing now keeps the
 * last success timestamp it had there (one-shot runs have no other memory).
 * Two scenarios
 * with the same name would make duplicate series, which Prometheus and the
 * Pushgateway reject: only the first is exported, and a comment line in the
 * exposition says so.  Returns how many were left out. */
size_t metrics_format(const struct run_result *r, const char *previous, struct buf *out);
/* How many scenarios metrics_format leaves out, so main can warn. */
size_t metrics_duplicates(const struct run_result *r);

/* Write the exposition to path atomically, mode 0644 (atomic_file.h):
 * node_exporter never reads half a file (and ignores the temp file: it
 * reads *.prom only).  The file's previous content
 * gives failing scenarios their last success timestamp.  Returns 0, or -1 with f
 * filled (kind `internal`, naming the path). */
int metrics_write_file(const char *path, const struct run_result *r, struct failure *f);

/* PUT the exposition to a Pushgateway, replacing the metrics of its group.
 * url is the server (http://pgw:9091), pushed to url/metrics/job/telltale;
 * or a full group URL already holding /metrics/job/... (e.g. with an
 * instance), used as given.  Returns 0, or -1 with f filled (kind `network`
 * or `http`, with the gateway's own error text). */
int metrics_push(const char *url, const struct run_result *r, struct failure *f);

#endif
