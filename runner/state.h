/* state.h — what `telltale serve` must remember across restarts: the last
 * status of every scenario and heartbeat, open incidents and when they were
 * last alerted, so a restart — even after kill -9 — neither re-alerts an
 * open incident nor forgets one.
 *
 * The file is small JSON, rewritten whole after every change: a temp file
 * in the same directory, fsync'd, renamed over the old one, and the
 * directory fsync'd, so a crash leaves either the old state or the new one,
 * never half of either. */
#ifndef TELLTALE_STATE_H
#define TELLTALE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct failure;

/* One check (a scenario or a heartbeat); times are Unix seconds, 0 = never. */
struct state_entry {
    char *key;              /* "scenario:NAME" or "heartbeat:NAME"; owned */
    bool failing;           /* the last result was a failure */
    bool incident;          /* a failing alert went out and no recovery yet */
    int consecutive;        /* failures in a row */
    int64_t incident_since; /* first failure of the open incident */
    int64_t last_alert;     /* last failing or re-notify alert sent */
    int64_t last_success;   /* last passing run, or last good ping */
    int64_t last_ping;      /* heartbeats: last ping of any kind */
    /* The step and kind the last incident was first alerted with: its
     * labels at Alertmanager, which tells alerts apart by them, so every
     * re-post and the recovery — after a restart too — carry these, not
     * the latest failure's.  Owned; set when an incident opens. */
    char *incident_step, *incident_kind;
    /* An alert decided but not yet delivered: a restart sends it again, so
     * a crash or a stop between the decision and the delivery does not
     * lose it.  The strings are owned. */
    int pending_event; /* 0 none, else enum alert_event + 1 */
    char *pending_step, *pending_kind, *pending_message, *pending_run_id, *pending_trace_id, *pending_artifacts_url;
    uint64_t pending_seq; /* in memory only: which delivery may clear it */
};

/* What a pending alert says besides its event; each may be NULL. */
struct state_pending_text {
    const char *step, *kind, *message; /* of a failure */
    const char *run_id, *trace_id, *artifacts_url;
};

/* Replace e's incident labels; the strings are copied. */
void state_set_incident_labels(struct state_entry *e, const char *step, const char *kind);

/* Replace e's pending alert (event < 0 or t NULL clears it); t's strings
 * are copied. */
void state_set_pending(struct state_entry *e, int event, const struct state_pending_text *t);

struct state {
    struct state_entry *entries;
    size_t len, alloc;
};

/* The entry for key, created (all zero) if absent. */
struct state_entry *state_get(struct state *s, const char *key);
/* The entry for key, or NULL. */
struct state_entry *state_find(const struct state *s, const char *key);
void state_free(struct state *s);

/* Read path into s (emptied first).  A missing file is an empty state, not
 * an error.  Returns 0, or -1 with f filled (kind `internal`: unreadable or
 * not telltale state JSON). */
int state_load(const char *path, struct state *s, struct failure *f);
/* Write s to path atomically (see above).  Returns 0 or -1 with f filled. */
int state_save(const char *path, const struct state *s, struct failure *f);

#endif
