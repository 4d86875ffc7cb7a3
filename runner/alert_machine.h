/* alert_machine.h — serve's alert state machine, pure: events in,
 * decisions out, no I/O, no clock, no globals.  serve_alert.c wires it to
 * the loop, the routes and the state file; the unit tests drive it alone.
 *
 * Per check (a state entry "scenario:NAME" or "heartbeat:NAME"):
 *   - pass -> failing after `threshold` consecutive failures: FAILING;
 *   - while the incident stays open, a failure at least renotify_ms after
 *     the last alert: STILL_FAILING (0 = never);
 *   - a pass while an incident is open: RECOVERED.
 * An alert decided is written into the entry as pending before it goes
 * out, and cleared once every route has had its final attempt — unless
 * serve was stopping and a route missed it: then the next start sends it
 * again (alert_machine_resend), exactly once.  After alert_machine_stop no
 * outcome decides anything: no one would be left to send the alert. */
#ifndef TELLTALE_ALERT_MACHINE_H
#define TELLTALE_ALERT_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "state.h"

struct alert_machine {
    uint64_t seq;  /* the last pending alert's id */
    bool stopping; /* serve is stopping: outcomes decide nothing */
};

/* One outcome of a check. */
struct alert_outcome {
    bool ok;
    int threshold;                                 /* failures in a row before FAILING, >= 1 */
    int64_t renotify_ms;                           /* 0: never re-notify */
    int64_t now;                                   /* Unix seconds */
    const char *step, *kind, *message;             /* of a failure; borrowed */
    const char *run_id, *trace_id, *artifacts_url; /* of the run; borrowed */
};

/* What the caller must do. */
struct alert_decision {
    bool save;              /* the entry changed: write the state file (before sending) */
    bool send;              /* an alert goes out through the check's routes */
    enum alert_event event; /* when send */
    int failures;           /* consecutive failures, for the payload */
    int64_t since;          /* Unix seconds: first failure of the incident */
    uint64_t seq;           /* when send: the delivery's id (alert_machine_settle) */
};

/* A delivery of one alert through its routes, followed to its end. */
struct alert_tracking {
    uint64_t seq;       /* the alert it carries */
    size_t outstanding; /* routes without a final result yet */
    bool keep;          /* a route missed it because serve was stopping */
};

/* Feed one outcome of entry e.  Returns the decision (all false while
 * stopping: e is not touched then). */
struct alert_decision alert_machine_outcome(struct alert_machine *m, struct state_entry *e,
                                            const struct alert_outcome *o);

/* After a restart: if e holds a pending alert, a decision to send it again
 * (event, failures and since as saved; e->pending_seq renewed); otherwise
 * send is false. */
struct alert_decision alert_machine_resend(struct alert_machine *m, struct state_entry *e);

/* A delivery of decision seq is starting through `routes` routes. */
void alert_machine_track(struct alert_tracking *t, uint64_t seq, size_t routes);
/* One route of t had its final attempt (ok or not).  Returns true when it
 * was the last: then call alert_machine_settle. */
bool alert_machine_route_done(const struct alert_machine *m, struct alert_tracking *t, bool ok);
/* t is complete: clear e's pending alert unless a newer alert replaced it
 * (or e is NULL: the check is gone) or a route missed it while stopping.
 * Returns true when e changed (write the state file). */
bool alert_machine_settle(struct alert_tracking *t, struct state_entry *e);

/* serve is stopping: from now on outcomes decide nothing. */
void alert_machine_stop(struct alert_machine *m);

#endif
