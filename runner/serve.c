/* serve.c — `telltale serve`: the scheduler, the child runs, the alert
 * state machine and heartbeats; see serve.h.
 *
 * Each scheduled run is a child process: this binary again, as
 * `telltale run SCENARIO --json REPORT ...`.  A scenario that crashes,
 * leaks or hangs takes its own process down, never the daemon; one run of
 * a scenario at a time is "is its pid still set"; and stopping is
 * forwarding SIGTERM, which `run` already turns into aborted steps and
 * teardowns bounded by --grace.
 *
 * Everything here runs on the loop thread: timers for the schedule and a
 * 1 s tick (heartbeat deadlines, watchdog, /health), a signalfd for
 * SIGCHLD, SIGHUP, SIGTERM and SIGINT, and the worker posts of alert
 * deliveries and pings.  The HTTP thread (serve_http.c) only reads what
 * serve_publish() copies out under serve->mu.  The alert state machine is
 * alert_machine.c, wired to routes and the state file by serve_alert.c. */
#include "serve.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "clock.h"
#include "failure.h"
#include "json.h"
#include "random.h"
#include "redact.h"
#include "serve_alert.h"
#include "serve_http.h"
#include "serve_metrics.h"
#include "serve_run.h"
#include "serve_schedule.h"
#include "serve_state.h"
#include "spawn.h"
#include "worker.h"
#include "xalloc.h"

#define ALERT_TAIL_BYTES 1024 /* of a failed job's output, in its heartbeat alert */

#define EXIT_OK 0
#define EXIT_USAGE 2
#define EXIT_INTERNAL 3
#define TICK_MS 1000
#define WATCHDOG_SLACK_MS 5000 /* beyond the child's own --timeout + --grace */

/* ---- what the HTTP thread sees ---- */

static void publish_names(struct serve *s) {
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n_hb_names; i++) free(s->hb_names[i]);
    free(s->hb_names);
    s->n_hb_names = s->n_heartbeats;
    s->hb_names = xcalloc(s->n_heartbeats + 1, sizeof *s->hb_names);
    for (size_t i = 0; i < s->n_heartbeats; i++) s->hb_names[i] = xstrdup(s->heartbeats[i]->conf.name);
    pthread_mutex_unlock(&s->mu);
}

/* ---- schedule helpers ---- */

static void free_scenario(struct serve_scenario *sc) {
    serve_scenario_conf_free(&sc->conf);
    free(sc->report_path);
    free(sc->vars_path);
    free(sc->run_dir);
    serve_run_free_steps(sc);
    serve_count_free(&sc->runs);
    free(sc);
}

static void drop_removed(struct serve *s, struct serve_scenario *sc) {
    for (size_t i = 0; i < s->n_scenarios; i++)
        if (s->scenarios[i] == sc) {
            memmove(&s->scenarios[i], &s->scenarios[i + 1], (s->n_scenarios - i - 1) * sizeof *s->scenarios);
            s->n_scenarios--;
            break;
        }
    free_scenario(sc);
}

/* A child ended with wait status st: read its report, count, alert. */
static void finished(struct serve *s, struct serve_scenario *sc, int st) {
    lua_State *L = luaL_newstate();
    struct serve_outcome o = {.file = sc->conf.path};
    const char *result = NULL;
    struct buf msg, url;
    buf_init(&msg, 0);
    buf_init(&url, 0);
    sc->pid = 0;

    if (serve_run_read_report(L, sc, &o, &result) != 0) {
        result = "error";
        o.kind = "internal";
        if (sc->killed)
            buf_printf(&msg, "telltale run was killed: it ran past its timeout (%lld ms) and grace",
                       (long long)sc->conf.timeout_ms);
        else if (WIFSIGNALED(st))
            buf_printf(&msg, "telltale run was killed by signal %d and wrote no report", WTERMSIG(st));
        else
            buf_printf(&msg, "telltale run exited with status %d and wrote no report", WEXITSTATUS(st));
        o.message = buf_str(&msg);
        o.step = NULL;
        o.run_id = NULL;
        o.trace_id = NULL;
        sc->last_duration_ms = (int64_t)(loop_now(s->loop) - sc->started_mono);
        serve_run_free_steps(sc);
    }
    o.ok = strcmp(result, "passed") == 0;
    sc->last_status = o.ok;
    if (o.ok) sc->last_success_ms = clock_wall_ms();
    serve_count_add(&sc->runs, result, o.ok ? "" : (o.kind ? o.kind : ""), 1);
    if (s->cfg.artifacts_url && sc->run_dir) {
        buf_printf(&url, "%s/%s/", s->cfg.artifacts_url, sc->run_dir);
        o.artifacts_url = buf_str(&url);
    }
    if (s->stopping && !o.ok)
        serve_log("scenario %s: run stopped with serve (%s)", sc->conf.name, o.message ? o.message : result);
    else if (o.ok)
        serve_log("scenario %s passed in %lld ms (run %s)", sc->conf.name, (long long)sc->last_duration_ms,
                  o.run_id ? o.run_id : "?");
    else
        serve_log("scenario %s %s%s%s: [%s] %s (run %s)", sc->conf.name, result, o.step ? " at step " : "",
                  o.step ? o.step : "", o.kind ? o.kind : "?", o.message ? o.message : "", o.run_id ? o.run_id : "?");
    if (sc->report_path) unlink(sc->report_path);
    if (sc->vars_path) unlink(sc->vars_path);
    /* A run we aborted ourselves (stopping, or removed by a reload) says
     * nothing about the system it checks. */
    if (!s->stopping && !sc->removed)
        serve_record(s, "scenario", sc->conf.name, &sc->conf.alerts, sc->conf.failures_before_alert,
                     sc->conf.renotify_ms, &o);
    lua_close(L);
    buf_free(&msg);
    buf_free(&url);
    if (sc->removed) drop_removed(s, sc);
    serve_publish(s);
}

static void reap(struct serve *s) {
    for (size_t i = 0; i < s->n_scenarios; i++) {
        struct serve_scenario *sc = s->scenarios[i];
        int st;
        if (sc->pid && waitpid(sc->pid, &st, WNOHANG) == sc->pid) {
            finished(s, sc, st);
            i = (size_t)-1; /* the list may have changed: start over */
        }
    }
}

static size_t running(const struct serve *s) {
    size_t n = 0;
    for (size_t i = 0; i < s->n_scenarios; i++) n += s->scenarios[i]->pid != 0;
    return n;
}

/* ---- schedule ---- */

/* Arm sc's next start after base (wall ms): the next cron time, or base +
 * every; the jitter is added to the start, not to the base, so it never
 * accumulates. */
static void schedule(struct serve *s, struct serve_scenario *sc, int64_t base) {
    int64_t next = serve_schedule_next(&sc->conf, base), wait;
    if (next == SERVE_SCHEDULE_NEVER)
        serve_log("SCENARIO %s NOT SCHEDULED: its cron expression never fires again", sc->conf.name);
    sc->base_ms = next;
    sc->next_due_ms = next + (int64_t)random_below((uint64_t)sc->conf.jitter_ms + 1);
    wait = sc->next_due_ms - clock_wall_ms();
    loop_timer_start(s->loop, &sc->timer, loop_now(s->loop) + (uint64_t)(wait > 0 ? wait : 0));
}

/* A scenario is due: start it unless its last run is still going (that is
 * counted, and /health notices when it goes on past the grace), and arm
 * the next start.  `every` counts from the previous due time, not from
 * now, so runs do not drift; after a long stall it restarts from now. */
static void on_due(struct loop *loop, struct loop_timer *t) {
    struct serve_scenario *sc = t->data;
    struct serve *s = sc->serve;
    int64_t now = clock_wall_ms();
    bool started = false;
    (void)loop;
    if (s->stopping) return;
    if (sc->pid) {
        sc->overlaps_skipped++;
        serve_log("scenario %s due but its previous run is still going: skipped", sc->conf.name);
    } else {
        serve_run_start(s, sc);
        started = sc->pid != 0;
    }
    schedule(s, sc, serve_schedule_rebase(&sc->conf, sc->base_ms, now));
    if (started) sc->start_by_ms = sc->next_due_ms + s->cfg.health_grace_ms;
    serve_publish(s);
}

/* ---- heartbeats ---- */

static struct serve_heartbeat *find_heartbeat(struct serve *s, const char *name) {
    for (size_t i = 0; i < s->n_heartbeats; i++)
        if (strcmp(s->heartbeats[i]->conf.name, name) == 0) return s->heartbeats[i];
    return NULL;
}

static void heartbeat_result(struct serve *s, struct serve_heartbeat *h, const struct serve_outcome *o) {
    serve_record(s, "heartbeat", h->conf.name, &h->conf.alerts, h->conf.failures_before_alert, h->conf.renotify_ms, o);
}

/* What a /fail ping's body (wrap's JSON) says of the job: its exit code,
 * signal or timeout, and the last lines of its output, appended to msg so
 * the alert tells on-call what the job printed before it failed. */
static void describe_job_failure(const struct serve_ping *p, struct buf *msg) {
    char err[128];
    lua_State *L;
    if (p->body_len == 0 || !(L = luaL_newstate())) return;
    if (json_decode(L, p->body, p->body_len, err, sizeof err) == 0 && lua_istable(L, -1)) { /* job */
        if (lua_getfield(L, -1, "timed_out") == LUA_TBOOLEAN && lua_toboolean(L, -1))       /* job, t */
            buf_puts(msg, "; timed out");
        lua_pop(L, 1);                                    /* job */
        if (lua_getfield(L, -1, "signal") == LUA_TNUMBER) /* job, sig */
            buf_printf(msg, "; killed by signal %d", (int)lua_tointeger(L, -1));
        else if (lua_getfield(L, -2, "exit_code") == LUA_TNUMBER) /* job, sig, code */
            buf_printf(msg, "; exit code %d", (int)lua_tointeger(L, -1));
        lua_settop(L, 1);                                /* job */
        if (lua_getfield(L, -1, "error") == LUA_TSTRING) /* job, error */
            buf_printf(msg, "; %s", lua_tostring(L, -1));
        lua_pop(L, 1);                                                                    /* job */
        if (lua_getfield(L, -1, "output_tail") == LUA_TSTRING && lua_rawlen(L, -1) > 0) { /* job, tail */
            size_t len;
            const char *tail = lua_tolstring(L, -1, &len);
            /* The end matters most: what it printed just before failing. */
            size_t keep = len > ALERT_TAIL_BYTES ? ALERT_TAIL_BYTES : len;
            while (keep > 0 && ((unsigned char)tail[len - keep] & 0xC0) == 0x80) keep--; /* a whole character */
            buf_puts(msg, "; output ends:\n");
            buf_append(msg, tail + len - keep, keep);
        }
    }
    lua_close(L);
}

static void on_ping(struct loop *loop, void *data) {
    struct serve_ping *p = data;
    struct serve *s = p->serve;
    struct serve_heartbeat *h = find_heartbeat(s, p->name);
    static const char *const types[] = {"success", "start", "fail"};
    (void)loop;
    /* Removed by a reload since; or serve is stopping, its alerts already
     * cancelled: an alert decided now would have no one to send it. */
    if (!h || s->stopping) goto cleanup;
    serve_count_add(&h->pings, types[p->type], NULL, 1);
    if (p->type == PING_START) {
        h->last_start_ms = p->at_ms;
    } else {
        struct buf key;
        struct serve_outcome o = {.ok = p->type == PING_SUCCESS};
        h->last_ping_ms = p->at_ms;
        h->late_at_ms = p->at_ms + h->conf.period_ms + h->conf.grace_ms;
        h->status = o.ok;
        buf_init(&key, 0);
        buf_printf(&key, "heartbeat:%s", h->conf.name);
        state_get(&s->state, buf_str(&key))->last_ping = p->at_ms / 1000;
        buf_free(&key);
        struct buf msg;
        buf_init(&msg, 0);
        if (!o.ok) {
            buf_puts(&msg, "the job reported failure (/fail ping)");
            describe_job_failure(p, &msg);
            o.kind = "failed";
            o.message = buf_str(&msg);
        }
        serve_log("heartbeat %s: %s ping", h->conf.name, types[p->type]);
        heartbeat_result(s, h, &o);
        buf_free(&msg);
    }
    serve_publish(s);
cleanup:
    free(p);
}

static void check_heartbeats(struct serve *s, int64_t now) {
    for (size_t i = 0; i < s->n_heartbeats; i++) {
        struct serve_heartbeat *h = s->heartbeats[i];
        char period[32], grace[32], ago[32];
        struct buf msg;
        if (now < h->late_at_ms) continue;
        buf_init(&msg, 0);
        snprintf(period, sizeof period, "%llds", (long long)(h->conf.period_ms / 1000));
        snprintf(grace, sizeof grace, "%llds", (long long)(h->conf.grace_ms / 1000));
        snprintf(ago, sizeof ago, "%llds", (long long)((now - h->last_ping_ms) / 1000));
        buf_printf(&msg, "no ping for %s (expected every %s, grace %s)", ago, period, grace);
        struct serve_outcome o = {.ok = false, .kind = "missing", .message = buf_str(&msg)};
        h->status = 0;
        /* Late again one period later if still nothing: that is what
         * counts towards failures_before_alert and re-notify. */
        h->late_at_ms = now + h->conf.period_ms;
        serve_log("heartbeat %s late: %s", h->conf.name, buf_str(&msg));
        heartbeat_result(s, h, &o);
        buf_free(&msg);
    }
}

/* ---- the tick: heartbeats, watchdog, health ---- */

static void on_tick(struct loop *loop, struct loop_timer *t) {
    struct serve *s = t->data;
    int64_t now = clock_wall_ms();
    pthread_mutex_lock(&s->mu); /* /health reads it on the HTTP thread */
    s->last_loop_ms = now;
    pthread_mutex_unlock(&s->mu);
    if (!s->stopping) check_heartbeats(s, now);
    serve_alert_tick(s);
    for (size_t i = 0; i < s->n_scenarios; i++) {
        struct serve_scenario *sc = s->scenarios[i];
        uint64_t limit = (uint64_t)(sc->conf.timeout_ms + s->cfg.run_grace_ms + WATCHDOG_SLACK_MS);
        if (sc->pid && !sc->killed && loop_now(loop) - sc->started_mono > limit) {
            serve_log("scenario %s: run still going %llu ms after its start: killed", sc->conf.name,
                      (unsigned long long)limit);
            kill(sc->pid, SIGKILL);
            sc->killed = true;
        }
    }
    serve_publish(s);
    loop_timer_start(loop, t, loop_now(loop) + TICK_MS);
}

/* ---- building the runtime from a config, and reloading ---- */

static struct serve_scenario *new_scenario(struct serve *s, const struct serve_scenario_conf *conf) {
    struct serve_scenario *sc = xcalloc(1, sizeof *sc);
    sc->serve = s;
    serve_scenario_conf_copy(&sc->conf, conf);
    sc->last_status = -1;
    loop_timer_init(&sc->timer, on_due, sc);
    return sc;
}

/* The first start: now (plus jitter) for `every`, the next cron time. */
static void schedule_first(struct serve *s, struct serve_scenario *sc) {
    int64_t now = clock_wall_ms();
    schedule(s, sc, serve_schedule_first_base(&sc->conf, now));
    sc->start_by_ms = sc->next_due_ms + s->cfg.health_grace_ms;
}

static struct serve_heartbeat *new_heartbeat(struct serve *s, const struct serve_heartbeat_conf *conf) {
    struct serve_heartbeat *h = xcalloc(1, sizeof *h);
    struct buf key;
    serve_heartbeat_conf_copy(&h->conf, conf);
    buf_init(&key, 0);
    buf_printf(&key, "heartbeat:%s", conf->name);
    const struct state_entry *e = state_find(&s->state, buf_str(&key));
    buf_free(&key);
    /* Never pinged (or unknown before this start): the period counts from
     * now, so a fresh deployment is not late at once. */
    h->last_ping_ms = e && e->last_ping ? e->last_ping * 1000 : clock_wall_ms();
    h->late_at_ms = h->last_ping_ms + conf->period_ms + conf->grace_ms;
    if (h->late_at_ms < clock_wall_ms() && e && e->last_ping)
        h->late_at_ms = clock_wall_ms(); /* late already: say so now */
    h->status = e && e->failing ? 0 : (e && e->last_ping ? 1 : -1);
    return h;
}

static void free_heartbeat(struct serve_heartbeat *h) {
    serve_heartbeat_conf_free(&h->conf);
    serve_count_free(&h->pings);
    free(h);
}

static void build(struct serve *s) {
    s->n_scenarios = s->cfg.n_scenarios;
    s->scenarios = xcalloc(s->n_scenarios + 1, sizeof *s->scenarios);
    for (size_t i = 0; i < s->n_scenarios; i++) {
        s->scenarios[i] = new_scenario(s, &s->cfg.scenarios[i]);
        schedule_first(s, s->scenarios[i]);
    }
    s->n_heartbeats = s->cfg.n_heartbeats;
    s->heartbeats = xcalloc(s->n_heartbeats + 1, sizeof *s->heartbeats);
    for (size_t i = 0; i < s->n_heartbeats; i++) s->heartbeats[i] = new_heartbeat(s, &s->cfg.heartbeats[i]);
}

static int load_config(struct serve *s, struct serve_config *cfg) {
    char err[1024];
    if (serve_config_load(s->config_path, cfg, err, sizeof err) != 0) {
        serve_log("config error: %s", err);
        return -1;
    }
    if (s->state_override) {
        free(cfg->state_file);
        cfg->state_file = xstrdup(s->state_override);
    }
    return 0;
}

/* SIGHUP: read the config again; on any error keep running the old one.
 * Scenarios and heartbeats are matched by name: their counters, last
 * results and running child carry over; a changed schedule restarts from
 * now; a removed scenario's running child finishes unreported. */
static void reload(struct serve *s) {
    struct serve_config cfg;
    struct serve_scenario **scs;
    struct serve_heartbeat **hbs;
    size_t nsc = 0;

    if (load_config(s, &cfg) != 0) {
        serve_log("reload failed: still running the previous configuration");
        serve_count_add(&s->reloads, "error", NULL, 1);
        serve_publish(s);
        return;
    }
    scs = xcalloc(cfg.n_scenarios + s->n_scenarios + 1, sizeof *scs);
    for (size_t i = 0; i < cfg.n_scenarios; i++) {
        struct serve_scenario *sc = NULL;
        for (size_t j = 0; j < s->n_scenarios && !sc; j++)
            if (s->scenarios[j] && !s->scenarios[j]->removed &&
                strcmp(s->scenarios[j]->conf.name, cfg.scenarios[i].name) == 0) {
                sc = s->scenarios[j];
                s->scenarios[j] = NULL;
            }
        if (sc) {
            bool same = strcmp(sc->conf.schedule, cfg.scenarios[i].schedule) == 0 &&
                        sc->conf.jitter_ms == cfg.scenarios[i].jitter_ms;
            serve_scenario_conf_free(&sc->conf);
            serve_scenario_conf_copy(&sc->conf, &cfg.scenarios[i]);
            if (!same) schedule_first(s, sc);
        } else {
            sc = new_scenario(s, &cfg.scenarios[i]);
            schedule_first(s, sc);
        }
        scs[nsc++] = sc;
    }
    for (size_t j = 0; j < s->n_scenarios; j++) {
        struct serve_scenario *sc = s->scenarios[j];
        if (!sc) continue;
        loop_timer_stop(s->loop, &sc->timer);
        if (sc->pid) {
            sc->removed = true; /* dropped when reaped */
            scs[nsc++] = sc;
        } else {
            free_scenario(sc);
        }
    }
    free(s->scenarios);
    s->scenarios = scs;
    s->n_scenarios = nsc;

    hbs = xcalloc(cfg.n_heartbeats + 1, sizeof *hbs);
    for (size_t i = 0; i < cfg.n_heartbeats; i++) {
        struct serve_heartbeat *h = NULL;
        for (size_t j = 0; j < s->n_heartbeats && !h; j++)
            if (s->heartbeats[j] && strcmp(s->heartbeats[j]->conf.name, cfg.heartbeats[i].name) == 0) {
                h = s->heartbeats[j];
                s->heartbeats[j] = NULL;
            }
        if (h) {
            serve_heartbeat_conf_free(&h->conf);
            serve_heartbeat_conf_copy(&h->conf, &cfg.heartbeats[i]);
            h->late_at_ms = h->last_ping_ms + h->conf.period_ms + h->conf.grace_ms;
        } else {
            h = new_heartbeat(s, &cfg.heartbeats[i]);
        }
        hbs[i] = h;
    }
    for (size_t j = 0; j < s->n_heartbeats; j++)
        if (s->heartbeats[j]) free_heartbeat(s->heartbeats[j]);
    free(s->heartbeats);
    s->heartbeats = hbs;
    s->n_heartbeats = cfg.n_heartbeats;

    serve_config_free(&s->cfg);
    s->cfg = cfg;
    serve_count_add(&s->reloads, "ok", NULL, 1);
    serve_log("configuration reloaded: %zu scenario%s, %zu heartbeat%s", cfg.n_scenarios,
              cfg.n_scenarios == 1 ? "" : "s", cfg.n_heartbeats, cfg.n_heartbeats == 1 ? "" : "s");
    publish_names(s);
    serve_publish(s);
}

/* ---- signals and stopping ---- */

static void kill_all(struct serve *s, int sig) {
    for (size_t i = 0; i < s->n_scenarios; i++)
        if (s->scenarios[i]->pid) kill(s->scenarios[i]->pid, sig);
}

static void on_stop_deadline(struct loop *loop, struct loop_timer *t) {
    struct serve *s = t->data;
    (void)loop;
    serve_log("runs still going after the stop bound: killed");
    kill_all(s, SIGKILL);
}

/* SIGTERM/SIGINT: start nothing new, pass the signal to the runs (they
 * abort their steps and run teardowns within --grace), SIGKILL whatever
 * is left after grace + a margin.  A second signal kills at once. */
static void begin_stop(struct serve *s, int sig) {
    if (s->stopping) {
        serve_log("second signal: killing the runs");
        kill_all(s, SIGKILL);
        return;
    }
    s->stopping = true;
    alert_machine_stop(&s->machine);
    serve_log("stopping (%s): %zu run%s to finish", strsignal(sig), running(s), running(s) == 1 ? "" : "s");
    for (size_t i = 0; i < s->n_scenarios; i++) loop_timer_stop(s->loop, &s->scenarios[i]->timer);
    kill_all(s, SIGTERM);
    loop_timer_start(s->loop, &s->stop_timer, loop_now(s->loop) + (uint64_t)(s->cfg.run_grace_ms + WATCHDOG_SLACK_MS));
}

static void on_signal(struct loop *loop, struct loop_io *io, unsigned events) {
    struct serve *s = io->data;
    struct signalfd_siginfo si;
    (void)loop;
    (void)events;
    while (read(io->fd, &si, sizeof si) == (ssize_t)sizeof si) {
        switch (si.ssi_signo) {
        case SIGCHLD: reap(s); break;
        case SIGHUP: reload(s); break;
        default: begin_stop(s, (int)si.ssi_signo); break;
        }
    }
}

/* ---- the command ---- */

static const char serve_usage[] = "usage: telltale serve CONFIG [--listen ADDR] [--state FILE]\n"
                                  "\n"
                                  "Run the scenarios of CONFIG on their schedules, alert on state changes,\n"
                                  "serve /metrics, /health and /ping/NAME.  SIGHUP reloads CONFIG; SIGTERM stops.\n"
                                  "\n"
                                  "  --listen ADDR   HTTP address (default 127.0.0.1:9464; port 0 picks a free one)\n"
                                  "  --state FILE    state file (default: the config's state_file)\n"
                                  "  -h, --help      this help\n";

/* Only our own run-N.json and vars-N.json live there. */
static void remove_tmp_dir(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *de;
    struct buf p;
    buf_init(&p, 0);
    while (d && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "run-", 4) != 0 && strncmp(de->d_name, "vars-", 5) != 0) continue;
        buf_reset(&p);
        buf_printf(&p, "%s/%s", dir, de->d_name);
        unlink(buf_str(&p));
    }
    if (d) closedir(d);
    rmdir(dir);
    buf_free(&p);
}

/* Read from a signalfd on the loop; blocked in every thread. */
static const int handled_signals[] = {SIGCHLD, SIGHUP, SIGTERM, SIGINT};

/* Options into s and *listen.  Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct serve *s, const char **listen) {
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"state", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': *listen = optarg; break;
        case 's': s->state_override = optarg; break;
        case 'h': fputs(serve_usage, stdout); return EXIT_OK;
        default:
            fprintf(stderr, "telltale serve: unknown or incomplete option '%s'\n%s", argv[optind - 1], serve_usage);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "telltale serve: expected one CONFIG file\n%s", serve_usage);
        return EXIT_USAGE;
    }
    s->config_path = argv[optind];
    return -1;
}

/* What must exist before the first run: our binary's path, the state,
 * the report directory, libcurl, the signalfd, the loop.  Returns 0, or
 * -1 after logging why. */
static int start_up(struct serve *s, struct loop_io *sigio, struct failure *f) {
    char tmpl[4200];
    ssize_t n = readlink("/proc/self/exe", s->exe, sizeof s->exe - 1);
    if (n <= 0) {
        serve_log("cannot find our own binary (/proc/self/exe): %s", strerror(errno));
        return -1;
    }
    s->exe[n] = '\0';
    if (state_load(s->cfg.state_file, &s->state, f) != 0) {
        /* Starting with an empty state would forget open incidents. */
        serve_log("%s (move it away to start from an empty state)", f->message);
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/telltale-serve.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpl)) {
        serve_log("cannot create a directory for run reports (%s): %s", tmpl, strerror(errno));
        return -1;
    }
    s->tmp_dir = xstrdup(tmpl);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    s->curl_ready = true;
    /* Block before any thread exists: the HTTP and worker threads inherit
     * the mask, so these signals reach only the signalfd. */
    signal(SIGPIPE, SIG_IGN);
    sigio->fd = spawn_signalfd(handled_signals, sizeof handled_signals / sizeof *handled_signals, NULL, f);
    if (sigio->fd < 0) {
        serve_log("%s", f->message);
        return -1;
    }
    s->loop = loop_new();
    if (!s->loop) {
        serve_log("cannot set up the event loop: %s", strerror(errno));
        return -1;
    }
    loop_timer_init(&s->tick_timer, on_tick, s);
    loop_timer_init(&s->stop_timer, on_stop_deadline, s);
    sigio->fn = on_signal;
    sigio->data = s;
    loop_io_set(s->loop, sigio, LOOP_READ);
    pthread_mutex_init(&s->mu, NULL);
    s->mu_ready = true;
    buf_init(&s->metrics_text, 0);
    return 0;
}

/* Stop what is left: runs (the loop failed with runs going: they must not
 * outlive us), deliveries, the HTTP thread; save the state; free. */
static void shut_down(struct serve *s, struct serve_http *http, struct loop_io *sigio) {
    s->stopping = true;
    alert_machine_stop(&s->machine);
    if (running(s) > 0) {
        kill_all(s, SIGKILL);
        for (size_t i = 0; i < s->n_scenarios; i++)
            if (s->scenarios[i]->pid) waitpid(s->scenarios[i]->pid, NULL, 0);
    }
    alert_cancel_pending(); /* reported as not delivered, kept pending for the next start */
    serve_http_stop(http);
    if (http) {
        /* pings posted before the HTTP thread stopped: taken, not acted on */
        loop_timer_start(s->loop, &s->tick_timer, loop_now(s->loop));
        loop_run_once(s->loop);
        loop_timer_stop(s->loop, &s->tick_timer);
        loop_timer_stop(s->loop, &s->stop_timer);
    }
    if (s->state.len) serve_save_state(s);
    /* A delivery still running after that (a webhook hanging past its
     * timeout) keeps its data and libcurl: the process is ending anyway. */
    int left_running = worker_join_all();
    if (left_running == 0) alert_free_all();
    for (size_t i = 0; i < s->n_scenarios; i++) free_scenario(s->scenarios[i]);
    for (size_t i = 0; i < s->n_heartbeats; i++) free_heartbeat(s->heartbeats[i]);
    free(s->scenarios);
    free(s->heartbeats);
    serve_count_free(&s->deliveries);
    serve_count_free(&s->attempt_errors);
    serve_count_free(&s->reloads);
    serve_alert_free(s);
    if (s->mu_ready) {
        for (size_t i = 0; i < s->n_hb_names; i++) free(s->hb_names[i]);
        free(s->hb_names);
        buf_free(&s->metrics_text);
        free(s->health_problem);
        pthread_mutex_destroy(&s->mu);
    }
    if (sigio->fd >= 0) close(sigio->fd);
    loop_free(s->loop);
    if (s->tmp_dir) remove_tmp_dir(s->tmp_dir);
    free(s->tmp_dir);
    serve_config_free(&s->cfg);
    state_free(&s->state);
    if (s->curl_ready && left_running == 0) curl_global_cleanup();
    redact_reset();
}

int serve_main(int argc, char **argv) {
    struct serve *s = xcalloc(1, sizeof *s);
    struct serve_http *http = NULL;
    struct loop_io sigio = {.fd = -1};
    struct failure f = {0};
    const char *listen = "127.0.0.1:9464";
    char err[1024];
    int rc = parse_args(argc, argv, s, &listen), port = 0;

    if (rc >= 0) goto cleanup;
    rc = EXIT_USAGE;
    if (load_config(s, &s->cfg) != 0) goto cleanup;
    rc = EXIT_INTERNAL;
    if (start_up(s, &sigio, &f) != 0) goto cleanup;
    s->started_ms = s->last_loop_ms = clock_wall_ms();
    build(s);
    serve_resend_pending(s);
    publish_names(s);
    serve_publish(s);
    http = serve_http_start(s, listen, on_ping, &port, err, sizeof err);
    if (!http) {
        serve_log("%s", err);
        rc = EXIT_USAGE;
        goto cleanup;
    }
    serve_log("listening on port %d (%s): %zu scenario%s, %zu heartbeat%s, state in %s", port, listen, s->n_scenarios,
              s->n_scenarios == 1 ? "" : "s", s->n_heartbeats, s->n_heartbeats == 1 ? "" : "s", s->cfg.state_file);
    loop_timer_start(s->loop, &s->tick_timer, loop_now(s->loop) + TICK_MS);
    while (!(s->stopping && running(s) == 0))
        if (loop_run_once(s->loop) != 0 && errno != EINTR) {
            serve_log("event loop failed: %s", strerror(errno));
            goto cleanup;
        }
    rc = EXIT_OK;
    serve_log("stopped");
cleanup:
    shut_down(s, http, &sigio);
    failure_clear(&f);
    free(s);
    return rc;
}
