/* wrap.c — `telltale wrap`: run a cron job, record it, ping a heartbeat;
 * see wrap.h.
 *
 * The order of events: start ping, run the command (its output teed
 * through and its tail kept), success or fail ping with the tail, the log
 * line, the exit code.  Every failure to record is printed to stderr — the
 * one channel cron always has — naming what was not delivered and why. */
#include "wrap.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic_file.h"
#include "buf.h"
#include "clock.h"
#include "duration.h"
#include "failure.h"
#include "json.h"
#include "post.h"
#include "result.h"
#include "run.h"
#include "spawn.h"
#include "utf8.h"
#include "wrap_tail.h"
#include "xalloc.h"

#define DEFAULT_TAIL_LINES 20
#define MAX_TAIL_LINES 10000
#define PING_TIMEOUT_MS 5000 /* per attempt */
#define PING_ATTEMPTS 3      /* worst case about 16 s per ping */
#define DRAIN_MS 200         /* after the command exits, how long a child it left may keep writing */
#define MAX_NAME 128
#define PUMP_CHUNKS 16      /* reads per pipe per loop turn */
#define KILL_GRACE_MS 10000 /* after --timeout's SIGTERM, before SIGKILL */

static const char wrap_usage_text[] =
    "usage: telltale wrap NAME [options] -- COMMAND [ARG...]\n"
    "\n"
    "Runs COMMAND (no shell), passes its output through, pings a heartbeat before and after,\n"
    "appends a JSON line to a log, and exits with COMMAND's exit code.\n"
    "\n"
    "options:\n"
    "  --ping URL        telltale serve base URL: pings URL/ping/NAME/start, then URL/ping/NAME\n"
    "                    or URL/ping/NAME/fail (default: $TELLTALE_PING_URL)\n"
    "  --check-url URL   a check's own URL (healthchecks.io style): pings URL/start, then URL or URL/fail\n"
    "  --log FILE        append a JSON line per run to FILE\n"
    "                    (default: $XDG_STATE_HOME/telltale/wrap.log or ~/.local/state/telltale/wrap.log)\n"
    "  --no-log          no log line\n"
    "  --tail N          lines of output kept for the log and the fail ping (default 20, at most 16 KiB)\n"
    "  --timeout D       stop COMMAND after D (e.g. 30m): SIGTERM, then SIGKILL 10s later; a failure\n"
    "  -h, --help        this help\n"
    "\n"
    "NAME: letters, digits, '.', '_' and '-'.\n"
    "exit codes: COMMAND's own (128+N if killed by signal N; 127 not found, 126 not executable,\n"
    "            124 stopped by --timeout);\n"
    "            3 if COMMAND succeeded but a ping or the --log could not be written; 2 usage error\n";

struct wrap_opts {
    const char *name;
    const char *ping_base; /* --ping / TELLTALE_PING_URL: BASE/ping/NAME[/start|/fail] */
    const char *check_url; /* --check-url: URL[/start|/fail] */
    char *log_path;        /* NULL: no log */
    bool log_explicit;     /* --log given: failing to write it is an error */
    int tail_lines;
    int64_t timeout_ms; /* --timeout: SIGTERM after it, SIGKILL KILL_GRACE_MS later; 0 = none */
    char **cmd;         /* NULL-terminated argv of the command */
};

/* What the command did. */
struct outcome {
    int exit_code;       /* what a shell would report: 128+N for signal N, 126/127 if it could not run */
    int signal;          /* the signal that killed it, 0 if none */
    bool timed_out;      /* stopped by --timeout */
    int64_t started_ms;  /* wall clock, Unix ms */
    int64_t duration_ms; /* monotonic */
    char error[256];     /* why it could not run; empty if it ran */
    struct buf tail;     /* the end of its output (wrap_tail.h) */
    uint64_t output_bytes;
};

/* ---- small helpers ---- */

static int wrap_usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "telltale wrap: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see 'telltale wrap --help')\n");
    return EXIT_USAGE;
}

static bool valid_name(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > MAX_NAME || s[0] == '-' || s[0] == '.') return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '.' || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

static bool http_url(const char *s) { return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0; }

/* ---- running the command ---- */

/* Signals the wrapper forwards to the command rather than dying of: a
 * `kill` of the wrapper stops the job, and the job's death is recorded.
 * They are blocked and read from a signalfd (spawn.h's one policy). */
static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_FORWARDED (sizeof forwarded / sizeof *forwarded)

/* The command while it runs. */
struct running {
    struct spawn_child child;
    int fds[2];          /* its stdout and stderr pipes (our ends); -1 once at end of file */
    int sigfd;           /* the forwarded signals */
    bool exited;         /* reaped: its pid may be someone else's now */
    int wstatus;         /* as waitpid set it */
    int64_t start;       /* monotonic */
    int64_t drain_until; /* monotonic: after the exit, how long its heirs may keep writing */
    int64_t kill_at;     /* monotonic: next signal from --timeout; 0: none */
    int kills;           /* signals sent by --timeout */
};

/* Read what is there from *fd, at most PUMP_CHUNKS reads so a command (or
 * a daemon it left) writing without pause cannot keep us from the loop;
 * tee it to `to` and keep its tail.  Closes *fd (setting it to -1) at end
 * of file. */
static void pump(int *fd, int to, struct outcome *o) {
    char chunk[65536];
    for (int reads = 0; reads < PUMP_CHUNKS;) {
        ssize_t n = read(*fd, chunk, sizeof chunk);
        if (n > 0) {
            (void)atomic_file_write_all(to, chunk, (size_t)n); /* our stdout gone: keep capturing */
            wrap_tail_append(&o->tail, chunk, (size_t)n);
            o->output_bytes += (uint64_t)n;
            reads++;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        close(*fd);
        *fd = -1;
        return;
    }
}

static void note_error(struct outcome *o, const char *fmt, const char *arg, int err) {
    snprintf(o->error, sizeof o->error, fmt, arg, strerror(err));
    fprintf(stderr, "telltale wrap: %s\n", o->error);
    wrap_tail_append(&o->tail, "telltale wrap: ", 15);
    wrap_tail_append(&o->tail, o->error, strlen(o->error));
    wrap_tail_append(&o->tail, "\n", 1);
}

/* Start cmd with its output into two pipes; fills r.  Returns 0, or -1
 * (o->error says why, o->exit_code is 126 or 127). */
static int start_command(char **cmd, struct running *r, const sigset_t *mask, struct outcome *o) {
    int out[2] = {-1, -1}, err[2] = {-1, -1}, rc = -1;
    struct failure f = {0};
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        o->exit_code = 126;
        note_error(o, "cannot run '%s': pipe: %s", cmd[0], errno);
        goto cleanup;
    }
    /* Its own signal mask back, every disposition default: what a process
     * started by cron expects.  Our process group: ^C at a terminal
     * reaches it directly. */
    struct spawn_opts so = {
        .argv = cmd, .search_path = true, .in = -1, .out = out[1], .err = err[1], .mask = mask, .pidfd = true};
    if (spawn_start(&so, &r->child, &f) != 0) {
        int e = errno;
        o->exit_code = (e == ENOENT || e == ENOTDIR) ? 127 : 126;
        note_error(o, "cannot run '%s': %s", cmd[0], e);
        goto cleanup;
    }
    r->fds[0] = out[0], r->fds[1] = err[0];
    out[0] = err[0] = -1;
    fcntl(r->fds[0], F_SETFL, O_NONBLOCK);
    fcntl(r->fds[1], F_SETFL, O_NONBLOCK);
    rc = 0;
cleanup:
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0) close(out[i]);
        if (err[i] >= 0) close(err[i]);
    }
    failure_clear(&f);
    return rc;
}

/* Pass the signals that arrived on to the command — not after it was
 * reaped (pid reuse). */
static void forward_signals(struct running *r) {
    struct signalfd_siginfo si;
    while (read(r->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        /* ^C and ^\ from the terminal (SI_KERNEL) went to its whole
         * foreground group, the command included; a second copy could make
         * it quit harder.  A hangup SIGHUP reaches only the session leader:
         * pass. */
        if ((si.ssi_signo == SIGINT || si.ssi_signo == SIGQUIT) && si.ssi_code == SI_KERNEL) continue;
        if (!r->exited) spawn_signal(&r->child, (int)si.ssi_signo);
    }
}

/* How long poll may sleep (ms, -1: no limit), acting on --timeout when it
 * is due; returns -2 when the wait is over (exited and drained). */
static int next_wait(struct running *r, int open_pipes, struct outcome *o) {
    int64_t now = clock_mono_ms(), left;
    if (r->exited) {
        /* Done when both pipes are closed — or, if a child the command
         * left behind holds them open (a daemon it started), after
         * DRAIN_MS: the job is over, its heirs are not our business. */
        left = r->drain_until - now;
        return open_pipes == 0 || left <= 0 ? -2 : (int)left;
    }
    if (!r->kill_at) return -1;
    if (r->kill_at <= now) {
        /* Past --timeout: ask, then, if it is still there after the
         * grace, insist.  Its death is then recorded as usual. */
        spawn_signal(&r->child, r->kills++ == 0 ? SIGTERM : SIGKILL);
        o->timed_out = true;
        r->kill_at = r->kills == 1 ? now + KILL_GRACE_MS : 0;
        if (!r->kill_at) return -1;
    }
    left = r->kill_at - now;
    return left > INT_MAX ? INT_MAX : (int)left;
}

/* Tee the output, forward signals, reap, until the command is gone and
 * its pipes are drained. */
static void supervise(struct running *r, struct outcome *o) {
    for (;;) {
        struct pollfd p[4];
        int which[4], n = 0, open_pipes = 0, ms;
        for (int i = 0; i < 2; i++)
            if (r->fds[i] >= 0) p[n] = (struct pollfd){.fd = r->fds[i], .events = POLLIN}, which[n++] = i, open_pipes++;
        if ((ms = next_wait(r, open_pipes, o)) == -2) break;
        p[n] = (struct pollfd){.fd = r->sigfd, .events = POLLIN}, which[n++] = 2;
        if (!r->exited) p[n] = (struct pollfd){.fd = r->child.pidfd, .events = POLLIN}, which[n++] = 3;
        int got = poll(p, (nfds_t)n, ms);
        if (got < 0 && errno != EINTR) {
            /* Cannot happen with valid arguments; wait the plain way. */
            if (!r->exited) spawn_wait(&r->child, -1, &r->wstatus);
            r->exited = true;
            break;
        }
        for (int i = 0; got > 0 && i < n; i++) {
            if (!p[i].revents) continue;
            if (which[i] < 2) pump(&r->fds[which[i]], which[i] == 0 ? STDOUT_FILENO : STDERR_FILENO, o);
            if (which[i] == 2) forward_signals(r);
            if (which[i] == 3 && spawn_reap(&r->child, &r->wstatus) == 1) {
                r->exited = true;
                o->duration_ms = clock_mono_ms() - r->start;
                r->drain_until = clock_mono_ms() + DRAIN_MS;
            }
        }
    }
}

/* The outcome from the wait status, as a shell would say it. */
static void judge(const struct running *r, int64_t timeout_ms, struct outcome *o) {
    if (WIFSIGNALED(r->wstatus)) {
        o->signal = WTERMSIG(r->wstatus);
        o->exit_code = 128 + o->signal;
    } else {
        o->exit_code = WEXITSTATUS(r->wstatus);
    }
    if (o->timed_out) {
        /* 124 as timeout(1) says it, whatever the command made of the
         * signal: a job that had to be stopped did not succeed. */
        char d[32];
        duration_format(timeout_ms, d, sizeof d);
        snprintf(o->error, sizeof o->error, "timed out after %s (--timeout), stopped with %s", d,
                 r->kills > 1 ? "SIGTERM, then SIGKILL" : "SIGTERM");
        fprintf(stderr, "telltale wrap: %s\n", o->error);
        o->exit_code = 124;
    }
}

/* Run cmd to completion, or until timeout_ms (0: none) has passed and it
 * has been stopped; fills o.  Returns 0, or -1 if nothing could be
 * started (o->error says why, o->exit_code is 126 or 127). */
static int run_command(char **cmd, int64_t timeout_ms, struct outcome *o) {
    struct running r = {.child = {.pidfd = -1}, .fds = {-1, -1}, .start = clock_mono_ms()};
    struct failure f = {0};
    sigset_t orig;
    int rc = -1;

    o->started_ms = clock_wall_ms();
    r.kill_at = timeout_ms > 0 ? r.start + timeout_ms : 0;
    r.sigfd = spawn_signalfd(forwarded, N_FORWARDED, &orig, &f);
    if (r.sigfd < 0) {
        o->exit_code = 126;
        note_error(o, "cannot run '%s': %s", cmd[0], errno);
        goto cleanup;
    }
    if (start_command(cmd, &r, &orig, o) != 0) goto cleanup;
    supervise(&r, o);
    judge(&r, timeout_ms, o);
    rc = 0;
cleanup:
    for (int i = 0; i < 2; i++)
        if (r.fds[i] >= 0) close(r.fds[i]);
    spawn_release(&r.child);
    if (o->duration_ms == 0) o->duration_ms = clock_mono_ms() - r.start;
    if (r.sigfd >= 0) {
        /* Signals that came after the command was reaped were for it:
         * taken, not forwarded, and not left pending for the unblock. */
        r.exited = true;
        forward_signals(&r);
        close(r.sigfd);
        sigprocmask(SIG_SETMASK, &orig, NULL);
    }
    failure_clear(&f);
    return rc;
}

/* ---- JSON, pings, log ---- */

/* A JSON string of any bytes: argv and errno texts are not promised to be
 * UTF-8, and the receiving end may parse strictly. */
static void json_text(struct buf *b, const char *s) {
    struct buf clean;
    buf_init(&clean, 0);
    utf8_append_sanitized(&clean, s, strlen(s));
    json_write_string(b, buf_str(&clean), clean.len);
    buf_free(&clean);
}

static void json_str(struct buf *b, const char *key, const char *value) {
    json_write_string(b, key, strlen(key));
    buf_puts(b, ":");
    if (value)
        json_text(b, value);
    else
        buf_puts(b, "null");
}

static void json_common(struct buf *b, const struct wrap_opts *w) {
    char host[256] = "";
    char when[40];
    gethostname(host, sizeof host - 1);
    buf_puts(b, "{");
    json_str(b, "name", w->name);
    buf_puts(b, ",");
    json_str(b, "host", host);
    buf_puts(b, ",");
    result_format_time(clock_wall_ms(), when, sizeof when);
    json_str(b, "time", when);
}

/* The end-of-run fields shared by the ping body and the log line. */
static void json_outcome(struct buf *b, const struct wrap_opts *w, const struct outcome *o) {
    char when[40];
    struct buf tail;
    buf_init(&tail, 0);
    wrap_tail_text(&o->tail, w->tail_lines, &tail);
    result_format_time(o->started_ms, when, sizeof when);
    buf_puts(b, ",");
    json_str(b, "started_at", when);
    buf_printf(b, ",\"duration_ms\":%lld,\"exit_code\":%d,\"signal\":", (long long)o->duration_ms, o->exit_code);
    if (o->signal)
        buf_printf(b, "%d", o->signal);
    else
        buf_puts(b, "null");
    buf_puts(b, ",");
    json_str(b, "error", o->error[0] ? o->error : NULL);
    buf_printf(b, ",\"timed_out\":%s", o->timed_out ? "true" : "false");
    buf_printf(b, ",\"output_bytes\":%llu,", (unsigned long long)o->output_bytes);
    json_str(b, "output_tail", buf_str(&tail));
    buf_free(&tail);
}

static void ping_url(const struct wrap_opts *w, const char *suffix, struct buf *url) {
    const char *base = w->check_url ? w->check_url : w->ping_base;
    size_t len = strlen(base);
    while (len > 0 && base[len - 1] == '/') len--;
    if (w->check_url)
        buf_printf(url, "%.*s%s", (int)len, base, suffix);
    else
        buf_printf(url, "%.*s/ping/%s%s", (int)len, base, w->name, suffix);
}

/* Returns 0 when delivered (or when no ping is configured), -1 after
 * saying loudly on stderr what was not delivered. */
static int ping(const struct wrap_opts *w, const char *suffix, const struct buf *body, struct buf *errors) {
    struct failure f = {0};
    struct buf url;
    int rc;
    if (!w->check_url && !w->ping_base) return 0;
    buf_init(&url, 0);
    ping_url(w, suffix, &url);
    rc = post_send(&(struct post_request){.method = "POST",
                                          .url = buf_str(&url),
                                          .content_type = "application/json",
                                          .body = buf_str(body),
                                          .body_len = body->len,
                                          .timeout_ms = PING_TIMEOUT_MS,
                                          .attempts = PING_ATTEMPTS},
                   &f);
    if (rc != 0) {
        fprintf(stderr, "telltale wrap: %s: HEARTBEAT PING NOT DELIVERED: %s\n", w->name, f.message);
        if (errors->len) buf_puts(errors, "; ");
        buf_puts(errors, f.message);
    }
    failure_clear(&f);
    buf_free(&url);
    return rc;
}

/* mkdir -p for the default log's directory. */
static void make_parents(const char *path) {
    char *copy = xstrdup(path);
    for (char *p = copy + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(copy, 0700);
            *p = '/';
        }
    free(copy);
}

/* Append line to the log in one write: O_APPEND keeps lines from
 * concurrent wraps whole.  Returns 0, or -1 with errno. */
static int append_log(const char *path, const struct buf *line) {
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    ssize_t n;
    int e;
    if (fd < 0) return -1;
    n = write(fd, buf_str(line), line->len);
    e = errno;
    if (close(fd) != 0 && n >= 0) return -1;
    errno = e;
    return n == (ssize_t)line->len ? 0 : -1;
}

static char *default_log_path(void) {
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    struct buf p;
    buf_init(&p, 0);
    if (state && state[0] == '/')
        buf_printf(&p, "%s/telltale/wrap.log", state);
    else if (home && home[0] == '/')
        buf_printf(&p, "%s/.local/state/telltale/wrap.log", home);
    else
        return buf_free(&p), NULL;
    return buf_take(&p);
}

/* ---- options ---- */

enum { OPT_PING = 256, OPT_CHECK_URL, OPT_LOG, OPT_NO_LOG, OPT_TAIL, OPT_TIMEOUT };

static const struct option wrap_options[] = {
    {"ping", required_argument, NULL, OPT_PING},
    {"check-url", required_argument, NULL, OPT_CHECK_URL},
    {"log", required_argument, NULL, OPT_LOG},
    {"no-log", no_argument, NULL, OPT_NO_LOG},
    {"tail", required_argument, NULL, OPT_TAIL},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Returns 0, -1 after --help, or a usage exit code. */
static int parse_wrap(int argc, char **argv, struct wrap_opts *w) {
    bool no_log = false;
    const char *log = NULL;
    int c;
    if (argc < 3 || strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0) {
        fputs(wrap_usage_text, argc < 3 ? stderr : stdout);
        return argc < 3 ? EXIT_USAGE : -1;
    }
    w->name = argv[2];
    if (!valid_name(w->name))
        return wrap_usage_error("invalid NAME '%s': letters, digits, '.', '_' and '-' (at most 128)", w->name);
    w->tail_lines = DEFAULT_TAIL_LINES;
    opterr = 0;
    optind = 3;
    /* '+': the first non-option ends the options; the command's own
     * arguments are never looked at. */
    while ((c = getopt_long(argc, argv, "+h", wrap_options, NULL)) != -1) {
        switch (c) {
        case OPT_PING: w->ping_base = optarg; break;
        case OPT_CHECK_URL: w->check_url = optarg; break;
        case OPT_LOG: log = optarg; break;
        case OPT_NO_LOG: no_log = true; break;
        case OPT_TAIL: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || end == optarg || n < 0 || n > MAX_TAIL_LINES)
                return wrap_usage_error("invalid --tail '%s': expected 0..10000 lines", optarg);
            w->tail_lines = (int)n;
            break;
        }
        case OPT_TIMEOUT: {
            struct failure f = {0};
            if (duration_parse(optarg, &w->timeout_ms, &f) != 0 || w->timeout_ms == 0) {
                int rc = wrap_usage_error("invalid --timeout: %s", f.message ? f.message : "must be more than 0");
                failure_clear(&f);
                return rc;
            }
            break;
        }
        case 'h': fputs(wrap_usage_text, stdout); return -1;
        default: return wrap_usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) return wrap_usage_error("%s: no command given (telltale wrap NAME -- COMMAND ...)", w->name);
    w->cmd = argv + optind;
    if (w->ping_base && w->check_url) return wrap_usage_error("%s", "give --ping or --check-url, not both");
    if (!w->ping_base && !w->check_url && getenv("TELLTALE_PING_URL") && *getenv("TELLTALE_PING_URL"))
        w->ping_base = getenv("TELLTALE_PING_URL");
    /* A typo here means a job that never pings: refuse it now. */
    if (w->ping_base && !http_url(w->ping_base))
        return wrap_usage_error("invalid ping URL '%s': expected http:// or https://", w->ping_base);
    if (w->check_url && !http_url(w->check_url))
        return wrap_usage_error("invalid --check-url '%s': expected http:// or https://", w->check_url);
    if (no_log && log) return wrap_usage_error("%s", "give --log or --no-log, not both");
    if (log)
        w->log_path = xstrdup(log), w->log_explicit = true;
    else if (!no_log)
        w->log_path = default_log_path();
    return 0;
}

/* ---- the command ---- */

int wrap_main(int argc, char **argv) {
    struct wrap_opts w = {0};
    struct outcome o = {0};
    struct buf body, errors, line;
    bool recorded = true; /* every ping delivered, the log written */
    int rc = parse_wrap(argc, argv, &w);

    if (rc != 0) {
        free(w.log_path);
        return rc < 0 ? EXIT_PASSED : rc;
    }
    signal(SIGPIPE, SIG_IGN); /* a closed stdout must not kill the wrapper before it pings */
    buf_init(&body, 0);
    buf_init(&errors, 0);
    buf_init(&line, 0);
    buf_init(&o.tail, 0);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "telltale wrap: cannot initialise libcurl; running %s without pings\n", w.cmd[0]);
        w.ping_base = w.check_url = NULL;
        recorded = false;
    }

    /* Start ping: a failure is loud, but the job still runs — a monitor
     * being down is no reason to skip a backup. */
    json_common(&body, &w);
    buf_puts(&body, "}");
    if (ping(&w, "/start", &body, &errors) != 0) recorded = false;

    run_command(w.cmd, w.timeout_ms, &o);

    buf_reset(&body);
    json_common(&body, &w);
    buf_puts(&body, ",");
    json_str(&body, "command", w.cmd[0]);
    json_outcome(&body, &w, &o);
    buf_puts(&body, "}");
    if (ping(&w, o.exit_code == 0 ? "" : "/fail", &body, &errors) != 0) recorded = false;

    if (w.log_path) {
        json_common(&line, &w);
        buf_puts(&line, ",\"command\":[");
        for (char **a = w.cmd; *a; a++) {
            if (a != w.cmd) buf_puts(&line, ",");
            json_text(&line, *a);
        }
        buf_puts(&line, "]");
        json_outcome(&line, &w, &o);
        buf_puts(&line, ",\"ping\":");
        if (!w.ping_base && !w.check_url)
            buf_puts(&line, "null");
        else
            json_write_string(&line, errors.len ? buf_str(&errors) : "ok", errors.len ? errors.len : 2);
        buf_puts(&line, "}\n");
        if (!w.log_explicit) make_parents(w.log_path);
        if (append_log(w.log_path, &line) != 0) {
            fprintf(stderr, "telltale wrap: %s: cannot append to log %s: %s\n", w.name, w.log_path, strerror(errno));
            /* Only the log asked for counts as not recorded: a default
             * location that is not writable must not fail a good job. */
            if (w.log_explicit) recorded = false;
        }
    }

    rc = o.exit_code;
    if (rc == 0 && !recorded) {
        fprintf(stderr, "telltale wrap: %s: the command succeeded but its run was not recorded; exiting %d\n", w.name,
                EXIT_INTERNAL);
        rc = EXIT_INTERNAL;
    }
    curl_global_cleanup();
    buf_free(&body);
    buf_free(&errors);
    buf_free(&line);
    buf_free(&o.tail);
    free(w.log_path);
    return rc;
}
