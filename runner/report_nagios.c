/* report_nagios.c — plugin output; see report_nagios.h.
 *
 * The first line is all most monitoring front ends show, and '|' starts
 * the perfdata in it: the summary is redacted, flattened to one line, and
 * any '|' in it becomes '/'. */
#include "report_nagios.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "redact.h"
#include "run.h"

#define SUMMARY_MAX 300 /* bytes of summary text: a status line, not a report */

static const char *const state_names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

/* Redacted, one line, no '|', at most max bytes of it. */
static void flat(struct buf *b, const char *s, size_t max) {
    char *clean = redact_text(s ? s : "");
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)clean; *p && n < max; p++, n++)
        buf_append(b, *p == '|' ? "/" : *p < 0x20 ? " " : (const char *)p, 1);
    if (strlen(clean) > max) buf_puts(b, "...");
    free(clean);
}

/* A label as the guidelines allow it: quoted, no quote or '=' inside. */
static void label(struct buf *b, const char *scenario, const char *step) {
    struct buf raw;
    char *clean;
    buf_init(&raw, 0);
    buf_printf(&raw, "%s%s%s", scenario, step ? "/" : "", step ? step : "");
    clean = redact_text(buf_str(&raw));
    buf_puts(b, "'");
    for (const unsigned char *p = (const unsigned char *)clean; *p; p++)
        buf_append(b, *p == '\'' || *p == '=' || *p < 0x20 ? "_" : (const char *)p, 1);
    buf_puts(b, "'");
    free(clean);
    buf_free(&raw);
}

static void threshold(struct buf *b, int64_t ms) {
    buf_puts(b, ";");
    if (ms > 0) buf_printf(b, "%g", (double)ms / 1000.0);
}

static void perfdata(struct buf *b, const struct run_result *r, const struct nagios_limits *lim) {
    for (size_t i = 0; i < r->nscenarios; i++) {
        const struct scenario_result *s = &r->scenarios[i];
        bool ran = s->status == SCENARIO_PASSED || s->status == SCENARIO_FAILED;
        buf_puts(b, i ? " " : "");
        label(b, s->name, NULL);
        /* U: "the actual value couldn't be determined" (it never ran). */
        if (ran)
            buf_printf(b, "=%.3fs", (double)s->duration_ms / 1000.0);
        else
            buf_puts(b, "=U");
        threshold(b, lim->warning_ms);
        threshold(b, lim->critical_ms);
        buf_puts(b, ";0;");
        for (size_t j = 0; lim->per_step && ran && j < s->nsteps; j++) {
            if (s->steps[j].status == STEP_SKIPPED) continue;
            buf_puts(b, " ");
            label(b, s->name, s->steps[j].name);
            buf_printf(b, "=%.3fs;;;0;", (double)s->steps[j].duration_ms / 1000.0);
        }
    }
}

/* The first step (or teardown) that failed, and how. */
static void describe_failure(struct buf *b, const struct scenario_result *s) {
    const struct step_result *st = NULL;
    for (size_t i = 0; !st && i < s->nsteps; i++)
        if (s->steps[i].status == STEP_FAILED) st = &s->steps[i];
    for (size_t i = 0; !st && i < s->nteardown; i++)
        if (s->teardown[i].status == STEP_FAILED) st = &s->teardown[i];
    flat(b, s->name, 80);
    if (s->status == SCENARIO_SKIPPED) {
        buf_puts(b, " did not run");
        return;
    }
    if (st) {
        buf_puts(b, " failed at step '");
        flat(b, st->name, 80);
        buf_puts(b, "'");
    } else {
        buf_puts(b, s->status == SCENARIO_ERROR ? " could not be loaded" : " failed");
    }
    if (s->failure.kind != FAILURE_NONE) {
        buf_printf(b, ": [%s] ", failure_kind_name(s->failure.kind));
        flat(b, s->failure.message, 160);
    }
}

static int retried_step(const struct scenario_result *s) {
    for (size_t i = 0; i < s->nsteps; i++)
        if (s->steps[i].attempts > 1) return (int)i;
    return -1;
}

/* The state of one scenario under the limits. */
static enum nagios_state scenario_state(const struct scenario_result *s, const struct nagios_limits *lim) {
    if (s->status == SCENARIO_ERROR) return NAGIOS_UNKNOWN;
    if (s->status != SCENARIO_PASSED) return NAGIOS_CRITICAL;
    if (lim->critical_ms > 0 && s->duration_ms > lim->critical_ms) return NAGIOS_CRITICAL;
    if (lim->warning_ms > 0 && s->duration_ms > lim->warning_ms) return NAGIOS_WARNING;
    if (retried_step(s) >= 0) return NAGIOS_WARNING;
    return NAGIOS_OK;
}

/* Why s is in its state, for the summary and its own line. */
static void scenario_reason(struct buf *b, const struct scenario_result *s, enum nagios_state st,
                            const struct nagios_limits *lim) {
    double secs = (double)s->duration_ms / 1000.0;
    int retried = retried_step(s);
    if (s->status != SCENARIO_PASSED) {
        describe_failure(b, s);
    } else if (st == NAGIOS_CRITICAL ||
               (st == NAGIOS_WARNING && lim->warning_ms > 0 && s->duration_ms > lim->warning_ms)) {
        flat(b, s->name, 80);
        buf_printf(b, " took %.3fs (%s %gs)", secs, st == NAGIOS_CRITICAL ? "critical" : "warning",
                   (double)(st == NAGIOS_CRITICAL ? lim->critical_ms : lim->warning_ms) / 1000.0);
    } else if (st == NAGIOS_WARNING) {
        flat(b, s->name, 80);
        buf_puts(b, " passed after a retry: step '");
        flat(b, s->steps[retried].name, 80);
        buf_printf(b, "' needed %d attempts", s->steps[retried].attempts);
    } else {
        flat(b, s->name, 80);
        buf_printf(b, " passed in %.3fs", secs);
    }
}

enum nagios_state report_nagios_format(struct buf *out, const struct run_result *r, int run_rc,
                                       const struct nagios_limits *lim) {
    enum nagios_state worst = NAGIOS_OK;
    size_t bad = 0;
    struct buf summary;
    buf_init(&summary, 0);
    for (size_t i = 0; i < r->nscenarios; i++) {
        enum nagios_state st = scenario_state(&r->scenarios[i], lim);
        if (st > worst) worst = st;
    }
    if (run_rc == EXIT_INTERNAL || r->interrupted_by) worst = NAGIOS_UNKNOWN;
    /* The summary names the scenarios in the worst state, the first few. */
    for (size_t i = 0; i < r->nscenarios; i++) {
        const struct scenario_result *s = &r->scenarios[i];
        if (worst == NAGIOS_OK || scenario_state(s, lim) != worst) continue;
        if (bad++ < 3) {
            buf_puts(&summary, bad > 1 ? "; " : "");
            scenario_reason(&summary, s, worst, lim);
        }
    }
    if (bad > 3) buf_printf(&summary, "; and %zu more", bad - 3);
    if (r->interrupted_by)
        buf_printf(&summary, "%sinterrupted by %s", summary.len ? "; " : "",
                   r->interrupted_by == SIGINT ? "SIGINT" : "SIGTERM");
    else if (run_rc == EXIT_INTERNAL)
        buf_printf(&summary, "%sinternal error (see the plugin's stderr)", summary.len ? "; " : "");
    if (worst == NAGIOS_OK)
        buf_printf(&summary, "%zu scenario%s passed in %.3fs", r->nscenarios, r->nscenarios == 1 ? "" : "s",
                   (double)r->duration_ms / 1000.0);
    buf_printf(out, "TELLTALE %s - ", state_names[worst]);
    buf_append(out, buf_str(&summary), summary.len > SUMMARY_MAX * 2 ? SUMMARY_MAX * 2 : summary.len);
    buf_puts(out, " | ");
    perfdata(out, r, lim);
    buf_puts(out, "\n");
    /* Long output: every scenario, with its trace id. */
    for (size_t i = 0; i < r->nscenarios; i++) {
        const struct scenario_result *s = &r->scenarios[i];
        buf_printf(out, "%s: ", state_names[scenario_state(s, lim)]);
        scenario_reason(out, s, scenario_state(s, lim), lim);
        if (s->trace_id[0]) buf_printf(out, " (trace %s)", s->trace_id);
        buf_puts(out, "\n");
    }
    buf_printf(out, "run %s\n", r->run_id);
    buf_free(&summary);
    return worst;
}

void report_nagios_unknown(struct buf *out, const char *why) {
    buf_puts(out, "TELLTALE UNKNOWN - ");
    flat(out, why && *why ? why : "could not run", SUMMARY_MAX);
    buf_puts(out, "\n");
}

/* ---- stderr, kept for the UNKNOWN line ---- */

static int saved_stderr = -1, kept_fd = -1;

int report_nagios_capture_stderr(void) {
    fflush(stderr);
    kept_fd = memfd_create("telltale-stderr", MFD_CLOEXEC);
    if (kept_fd < 0) return -1;
    saved_stderr = dup(STDERR_FILENO);
    if (saved_stderr < 0 || dup2(kept_fd, STDERR_FILENO) < 0) {
        if (saved_stderr >= 0) close(saved_stderr);
        close(kept_fd);
        saved_stderr = kept_fd = -1;
        return -1;
    }
    return 0;
}

void report_nagios_release_stderr(struct buf *first_line) {
    char chunk[4096];
    ssize_t n;
    bool first = true;
    if (kept_fd < 0) return;
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    lseek(kept_fd, 0, SEEK_SET);
    while ((n = read(kept_fd, chunk, sizeof chunk)) > 0) {
        if (write(STDERR_FILENO, chunk, (size_t)n) != n) break;
        for (ssize_t i = 0; first && i < n; i++) {
            if (chunk[i] == '\n') {
                first = false;
                break;
            }
            buf_append(first_line, &chunk[i], 1);
        }
    }
    close(kept_fd);
    saved_stderr = kept_fd = -1;
    if (strncmp(buf_str(first_line), "telltale: ", 10) == 0) {
        memmove(first_line->data, first_line->data + 10, first_line->len - 9);
        first_line->len -= 10;
    }
}
