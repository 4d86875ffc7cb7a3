/* serve_alert.h — the alert state machine of `telltale serve` (loop
 * thread): outcomes of scenarios and heartbeats in, alerts out through
 * their routes, incidents kept in the state file. */
#ifndef TELLTALE_SERVE_ALERT_H
#define TELLTALE_SERVE_ALERT_H

#include <stdint.h>

#include "result.h"
#include "serve_run.h"
#include "serve_state.h"

/* One outcome of the check `check:name` (check is "scenario" or
 * "heartbeat"): pass -> fail after `threshold` consecutive failures
 * (alert), fail -> pass (recovered), and while still failing a re-notify
 * every renotify_ms (0 = never).  The state is saved before the alert goes
 * out through routes. */
void serve_record(struct serve *s, const char *check, const char *name, const struct strlist *routes, int threshold,
                  int64_t renotify_ms, const struct serve_outcome *o);
/* Every tick: re-post the alerts of open incidents to their Alertmanager
 * routes, each every `resend` (it forgets an alert not re-posted before
 * its endsAt, and loses all on a restart without storage). */
void serve_alert_tick(struct serve *s);
/* At exit: forget the alerts held firing. */
void serve_alert_free(struct serve *s);
/* Alerts decided before a crash or a stop but not delivered then: send
 * them now (after the state is loaded and the checks are built). */
void serve_resend_pending(struct serve *s);

#endif
