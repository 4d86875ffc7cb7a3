/* alert.h — what `telltale serve` says when a check changes state, and
 * getting it delivered.
 *
 * Payloads are written with the JSON string encoder (json_write_string),
 * never pasted together, and every text field passes through redact_text:
 * a failure message holding quotes, newlines or a secret cannot break the
 * payload, inject fields into it, or leak.  Routes: a Slack-compatible
 * incoming webhook ({"text": ...}), a generic JSON webhook (the alert
 * object below), an exec hook (the same object on stdin; argv run as
 * given, no shell) and Alertmanager (a list of one alert POSTed to
 * /api/v2/alerts of every URL of the cluster: stable labels, so that
 * Alertmanager deduplicates the re-posts and the other locations' alerts;
 * endsAt a few re-post intervals ahead while firing, so that the alert of
 * a canary that died resolves by itself).
 *
 * Delivery runs on worker threads (a slow webhook never stalls the
 * scheduler); a failed attempt is retried after a backoff that doubles, and
 * every attempt is reported to the caller, so none is lost silently. */
#ifndef TELLTALE_ALERT_H
#define TELLTALE_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct loop;

enum alert_event { ALERT_FAILING, ALERT_STILL_FAILING, ALERT_RECOVERED };

struct alert {
    enum alert_event event;
    const char *check; /* "scenario" or "heartbeat" */
    const char *name;
    const char *file;          /* scenario file, or NULL */
    const char *step;          /* failing step, or NULL */
    const char *kind;          /* failure kind (or "missing"/"failed" for heartbeats), NULL on recovery */
    const char *message;       /* one line, or NULL */
    const char *run_id;        /* the run that changed the state, or NULL */
    const char *trace_id;      /* its scenario's W3C trace id (the backend's traces), or NULL */
    const char *artifacts_url; /* link to the run's saved responses, or NULL */
    int failures;              /* consecutive failures */
    int64_t since;             /* Unix seconds: first failure of the incident */
    int64_t time;              /* Unix seconds: now */
    const char *location;      /* the canary's `location`, or NULL */
    const char *instance;      /* Alertmanager's `instance` label: serve's host name or `instance` */
};

enum alert_route_type { ALERT_SLACK, ALERT_WEBHOOK, ALERT_EXEC, ALERT_ALERTMANAGER };

struct alert_route {
    char *name;
    enum alert_route_type type;
    char *url;         /* SLACK, WEBHOOK */
    char **argv;       /* EXEC: NULL-terminated */
    char **urls;       /* ALERTMANAGER: every member of the cluster, NULL-terminated */
    char **labels;     /* ALERTMANAGER: extra labels, name then value, NULL-terminated */
    int64_t resend_ms; /* ALERTMANAGER: re-post a firing alert this often (endsAt: 4 of them ahead) */
};

/* endsAt of a firing Alertmanager alert: this many re-post intervals
 * ahead, as Prometheus does, so that a missed re-post or two is harmless
 * and a canary that stopped lets its alerts resolve by themselves. */
#define ALERT_AM_ENDS_AFTER_RESENDS 4

struct alert_retry {
    int attempts;       /* >= 1 */
    int64_t backoff_ms; /* pause after the first failed attempt; doubles */
    int64_t timeout_ms; /* per attempt */
};

/* The stable names: "failing", "still_failing", "recovered". */
const char *alert_event_name(enum alert_event e);
const char *alert_route_type_name(enum alert_route_type t);

/* Append the generic JSON object for a to out. */
void alert_format_json(const struct alert *a, struct buf *out);
/* Append the Slack incoming-webhook payload ({"text": ...}) for a to out. */
void alert_format_slack(const struct alert *a, struct buf *out);
/* Append the Alertmanager payload for a through route r (its labels and
 * resend_ms) to out: [{"labels":..., "annotations":..., "startsAt":...,
 * "endsAt":...}].  Labels: alertname (TelltaleScenarioFailing or
 * TelltaleHeartbeatFailing), scenario or heartbeat, step, kind, location,
 * instance (each left out when unknown), then the route's own; the run's
 * facts go in annotations, so the labels stay the same across re-posts.
 * endsAt is a->time on recovery, else ALERT_AM_ENDS_AFTER_RESENDS
 * re-posts ahead. */
void alert_format_alertmanager(const struct alert *a, const struct alert_route *r, struct buf *out);

/* Called on the loop thread after every attempt: ok, or error (one line,
 * redacted); final is true for the last call of this delivery. */
typedef void alert_result_fn(void *data, const char *route, int attempt, bool ok, bool final, const char *error);

/* Deliver a through route, copying what it needs (a, route may go away).
 * Returns 0, or -1 if no worker thread could be started (on_result is then
 * called once, final, before returning).  An Alertmanager post goes to
 * every URL of the route; an attempt that some refused is retried for
 * those only, and the result names them.  A retry of an Alertmanager post
 * that a newer post of the same check through the same route has
 * replaced is not made (reported final: "superseded"): a stale "firing"
 * arriving after a "resolved" would reopen the alert. */
int alert_send(struct loop *loop, const struct alert_route *route, const struct alert *a,
               const struct alert_retry *retry, alert_result_fn *on_result, void *data);
/* Deliveries waiting for their next attempt; serve waits for none of them
 * at shutdown but reports them (final, "not delivered: shutting down"). */
void alert_cancel_pending(void);
/* After worker_join_all at exit: free the deliveries whose attempt was
 * still running when serve stopped (already reported by the above). */
void alert_free_all(void);

void alert_route_free(struct alert_route *r);

#endif
