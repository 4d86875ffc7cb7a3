/* serve_metrics.h — `telltale serve`'s state as Prometheus text exposition
 * (format 0.0.4), served at /metrics.  Series shared with the one-shot
 * metrics (metrics.h) keep its names and labels; counters here count
 * across every run since serve started.
 *
 *   telltale_scenario_last_status{scenario}             1 passed, 0 failed (after the first run)
 *   telltale_scenario_last_duration_seconds{scenario}
 *   telltale_scenario_last_success_timestamp_seconds{scenario}
 *   telltale_step_last_status{scenario,step}            steps that ran
 *   telltale_step_last_duration_seconds{scenario,step}
 *   telltale_runs_total{scenario,result,kind}           counter
 *   telltale_runs_skipped_overlap_total{scenario}       counter: due while still running
 *   telltale_scenario_running{scenario}                 1 while a run is going
 *   telltale_scenario_next_run_timestamp_seconds{scenario}
 *   telltale_check_failing{check,name}                  1 while an incident is open (alerted)
 *   telltale_heartbeat_status{heartbeat}                1 on time, 0 late or failed
 *   telltale_heartbeat_last_ping_timestamp_seconds{heartbeat}
 *   telltale_heartbeat_pings_total{heartbeat,type}      counter: success, start, fail
 *   telltale_alert_deliveries_total{route,result}       counter: delivered, failed
 *   telltale_alert_delivery_attempt_errors_total{route} counter: failed attempts (retried or not)
 *   telltale_config_reloads_total{result}               counter: ok, error
 *   telltale_scheduler_last_loop_timestamp_seconds
 *   telltale_serve_start_timestamp_seconds
 *   telltale_build_info{version}
 * With the config's `location`, every series carries location="..." too. */
#ifndef TELLTALE_SERVE_METRICS_H
#define TELLTALE_SERVE_METRICS_H

struct buf;
struct serve;

/* Append the exposition of s to out (loop thread). */
void serve_metrics_format(const struct serve *s, struct buf *out);

#endif
