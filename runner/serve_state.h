/* serve_state.h — the scheduler's runtime state, shared by serve.c (which
 * owns and changes it, on the loop thread), serve_alert.c and serve_run.c
 * (which act on one check or run of it) and serve_metrics.c (which formats
 * it, on the loop thread too: the HTTP thread only ever reads the snapshot
 * serve_publish copies out under serve->mu).  The helpers below are
 * serve_state.c's, so none of those files needs serve.c. */
#ifndef TELLTALE_SERVE_STATE_H
#define TELLTALE_SERVE_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "alert_machine.h"
#include "buf.h"
#include "loop.h"
#include "serve_config.h"
#include "state.h"

/* A counter keyed by up to two label values. */
struct serve_count {
    char *a, *b;
    uint64_t n;
    struct serve_count *next;
};

struct serve_step {
    char *name;
    int status; /* 1 passed, 0 failed, -1 skipped (not exported) */
    int64_t duration_ms;
};

struct serve;
struct serve_firing; /* serve_alert.c */

struct serve_scenario {
    struct serve *serve;             /* back to the daemon, for the timer callback */
    struct serve_scenario_conf conf; /* owned copy; replaced on reload */
    struct loop_timer timer;         /* next start */
    int64_t base_ms;                 /* wall clock (Unix ms) of the next start before jitter */
    int64_t next_due_ms;             /* wall clock (Unix ms) of the next start */
    int64_t start_by_ms;             /* wall clock: /health fails if not started by then */
    pid_t pid;                       /* running child, 0 when idle */
    uint64_t started_mono;           /* loop_now when the child started */
    bool killed;                     /* the watchdog sent SIGKILL */
    char *report_path;               /* the child's --json */
    char *vars_path;                 /* the child's --vars-file: secrets, removed when the run ends */
    char *run_dir;                   /* artifacts sub-directory of this run, or NULL */
    bool removed;                    /* gone from the config: freed once reaped */
    /* the last finished run */
    int last_status; /* 1 passed, 0 failed, -1 none yet */
    int64_t last_duration_ms;
    int64_t last_success_ms; /* Unix ms, 0 = never (since this process started or from state) */
    struct serve_step *steps;
    size_t n_steps;
    struct serve_count *runs;  /* a = result, b = kind */
    uint64_t overlaps_skipped; /* due while the previous run was still going */
};

struct serve_heartbeat {
    struct serve_heartbeat_conf conf;
    int64_t last_ping_ms;      /* Unix ms of the last success or fail ping, or the baseline */
    int64_t last_start_ms;     /* Unix ms of the last /start ping, 0 = none */
    int64_t late_at_ms;        /* Unix ms at which the next late failure is counted */
    int status;                /* 1 ok, 0 failing, -1 nothing yet */
    struct serve_count *pings; /* a = "success" | "start" | "fail" */
};

struct serve {
    const char *config_path;
    char exe[4096];   /* our own binary, for the child runs */
    char *tmp_dir;    /* reports and vars files of the runs */
    unsigned run_seq; /* numbers the runs' files in tmp_dir */
    struct loop *loop;
    struct serve_config cfg;
    struct serve_scenario **scenarios;
    size_t n_scenarios;
    struct serve_heartbeat **heartbeats;
    size_t n_heartbeats;
    struct state state;
    struct alert_machine machine;       /* decides the alerts (serve_alert.c wires it) */
    struct serve_firing *firing;        /* alerts held firing at Alertmanager routes (serve_alert.c) */
    struct serve_count *deliveries;     /* a = route, b = "delivered" | "failed" */
    struct serve_count *attempt_errors; /* a = route */
    struct serve_count *reloads;        /* a = "ok" | "error" */
    const char *state_override;         /* --state FILE: wins over the config's, across reloads */
    struct loop_timer tick_timer;       /* heartbeats, watchdog, /health: every second */
    struct loop_timer stop_timer;       /* SIGKILL for runs still going after the stop bound */
    bool curl_ready, mu_ready;          /* set up by serve_main: torn down at exit */
    int64_t started_ms;                 /* Unix ms */
    int64_t last_loop_ms;               /* Unix ms of the last scheduler tick; written under mu */
    bool stopping;

    /* published for the HTTP thread, under mu */
    pthread_mutex_t mu;
    struct buf metrics_text;
    char *health_problem; /* NULL when healthy */
    int64_t health_at_ms; /* when health_problem was computed */
    char **hb_names;      /* heartbeats a ping may name */
    size_t n_hb_names;
};

/* One log line on stderr, "telltale serve: ...", secrets redacted. */
void serve_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copy the metrics text and the health verdict out for the HTTP thread. */
void serve_publish(struct serve *s);
/* Write the state file; a failure is logged, loudly. */
void serve_save_state(struct serve *s);

/* Counter helpers (loop thread). */
void serve_count_add(struct serve_count **list, const char *a, const char *b, uint64_t n);
void serve_count_free(struct serve_count **list);

#endif
