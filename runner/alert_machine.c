/* alert_machine.c — serve's alert state machine; see alert_machine.h. */
#include "alert_machine.h"

struct alert_decision alert_machine_outcome(struct alert_machine *m, struct state_entry *e,
                                            const struct alert_outcome *o) {
    struct alert_decision d = {0};
    if (m->stopping) return d;
    d.save = true;
    if (o->ok) {
        if (e->incident) {
            d.send = true;
            d.event = ALERT_RECOVERED;
            d.failures = e->consecutive;
            d.since = e->incident_since;
        }
        e->failing = e->incident = false;
        e->consecutive = 0;
        e->last_success = o->now;
    } else {
        if (!e->failing || e->consecutive == 0) e->incident_since = o->now;
        e->failing = true;
        e->consecutive++;
        /* Every failure has a kind: an open incident without labels comes
         * from a state file older than them, and takes this failure's. */
        if (e->incident && !e->incident_kind) state_set_incident_labels(e, o->step, o->kind);
        if (!e->incident && e->consecutive >= o->threshold) {
            d.send = true;
            d.event = ALERT_FAILING;
            e->incident = true;
            state_set_incident_labels(e, o->step, o->kind);
            e->last_alert = o->now;
        } else if (e->incident && o->renotify_ms > 0 && (o->now - e->last_alert) * 1000 >= o->renotify_ms) {
            d.send = true;
            d.event = ALERT_STILL_FAILING;
            e->last_alert = o->now;
        }
        d.failures = e->consecutive;
        d.since = e->incident_since;
    }
    if (d.send) {
        /* A recovery says nothing of the failure: no step, kind or text. */
        bool rec = d.event == ALERT_RECOVERED;
        d.seq = e->pending_seq = ++m->seq;
        struct state_pending_text t = {.step = rec ? NULL : o->step,
                                       .kind = rec ? NULL : o->kind,
                                       .message = rec ? NULL : o->message,
                                       .run_id = o->run_id,
                                       .trace_id = o->trace_id,
                                       .artifacts_url = o->artifacts_url};
        state_set_pending(e, (int)d.event, &t);
    }
    return d;
}

struct alert_decision alert_machine_resend(struct alert_machine *m, struct state_entry *e) {
    struct alert_decision d = {0};
    if (!e->pending_event) return d;
    d.send = true;
    d.event = (enum alert_event)(e->pending_event - 1);
    d.failures = e->consecutive;
    d.since = e->incident_since;
    d.seq = e->pending_seq = ++m->seq;
    return d;
}

void alert_machine_track(struct alert_tracking *t, uint64_t seq, size_t routes) {
    *t = (struct alert_tracking){.seq = seq, .outstanding = routes};
}

bool alert_machine_route_done(const struct alert_machine *m, struct alert_tracking *t, bool ok) {
    if (!ok && m->stopping) t->keep = true;
    return t->outstanding > 0 && --t->outstanding == 0;
}

bool alert_machine_settle(struct alert_tracking *t, struct state_entry *e) {
    if (!e || e->pending_seq != t->seq || t->keep) return false;
    state_set_pending(e, -1, NULL);
    return true;
}

void alert_machine_stop(struct alert_machine *m) { m->stopping = true; }
