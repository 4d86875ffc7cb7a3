/* metrics.c — Prometheus exposition of a run; see metrics.h. */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "buf.h"
#include "failure.h"
#include "post.h"
#include "redact.h"
#include "result.h"
#include "utf8.h"
#include "xalloc.h"

#define PUSH_TIMEOUT_MS 10000
#define PUSH_ATTEMPTS 3
#define PREVIOUS_CAP (16u << 20) /* a previous --prom-file larger than this is not read */

/* ---- label values ---- */

void metrics_write_label_value(struct buf *out, const char *value) {
    struct buf clean; /* Prometheus rejects invalid UTF-8 */
    buf_init(&clean, 0);
    utf8_append_sanitized(&clean, value, strlen(value));
    buf_puts(out, "\"");
    for (const char *s = buf_str(&clean); *s; s++) {
        if (*s == '\\')
            buf_puts(out, "\\\\");
        else if (*s == '"')
            buf_puts(out, "\\\"");
        else if (*s == '\n')
            buf_puts(out, "\\n");
        else
            buf_append(out, s, 1);
    }
    buf_puts(out, "\"");
    buf_free(&clean);
}

/* ---- the exposition ---- */

/* Scenario and step names as they may appear outside the process. */
struct names {
    char **scenario; /* redacted, one per scenario */
    bool *skip;      /* a later scenario with an already exported name */
};

static char **sort_names; /* qsort has no context argument */

static int by_name_then_index(const void *a, const void *b) {
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(sort_names[i], sort_names[j]);
    return c ? c : (i < j ? -1 : i > j);
}

static size_t names_init(struct names *n, const struct run_result *r) {
    size_t *order = xcalloc(r->nscenarios + 1, sizeof *order), skipped = 0;
    n->scenario = xcalloc(r->nscenarios + 1, sizeof *n->scenario);
    n->skip = xcalloc(r->nscenarios + 1, sizeof *n->skip);
    for (size_t i = 0; i < r->nscenarios; i++) {
        n->scenario[i] = redact_text(r->scenarios[i].name ? r->scenarios[i].name : "");
        order[i] = i;
    }
    /* Sorted by name then position, the first of each run of equal names
     * is the one exported: O(n log n) for runs of thousands of scenarios. */
    sort_names = n->scenario;
    qsort(order, r->nscenarios, sizeof *order, by_name_then_index);
    for (size_t k = 1; k < r->nscenarios; k++)
        if (strcmp(n->scenario[order[k]], n->scenario[order[k - 1]]) == 0) n->skip[order[k]] = true, skipped++;
    free(order);
    return skipped;
}

static void names_free(struct names *n, size_t count) {
    for (size_t i = 0; i < count; i++) free(n->scenario[i]);
    free(n->scenario);
    free(n->skip);
}

static void family(struct buf *out, const char *name, const char *type, const char *help) {
    buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Opens a sample: `metric{scenario="..."`; label() adds, the caller closes. */
static void series(struct buf *out, const char *metric, const char *scenario) {
    buf_printf(out, "%s{scenario=", metric);
    metrics_write_label_value(out, scenario);
}

static void label(struct buf *out, const char *name, const char *value) {
    char *clean = redact_text(value ? value : "");
    buf_printf(out, ",%s=", name);
    metrics_write_label_value(out, clean);
    free(clean);
}

static double seconds(int64_t ms) { return (double)ms / 1000.0; }

/* The line previous has for the series prefix ("name{labels} "), copied to
 * out; 0 if it has none, or its value is not a number. */
static int copy_previous(struct buf *out, const char *previous, const char *prefix) {
    size_t plen = strlen(prefix);
    for (const char *p = previous; p && (p = strstr(p, prefix)); p += plen) {
        const char *v = p + plen, *eol = strchr(v, '\n');
        char *end;
        if (p != previous && p[-1] != '\n') continue; /* the middle of another line */
        if (!eol || eol == v) return 0;
        strtod(v, &end);
        if (end != eol) return 0;
        buf_append(out, p, (size_t)(eol - p + 1));
        return 1;
    }
    return 0;
}

static void scenario_families(struct buf *out, const struct run_result *r, const struct names *n,
                              const char *previous) {
    family(out, "telltale_scenario_last_status", "gauge",
           "Whether the scenario passed (1) or not (0) in the last run.");
    for (size_t i = 0; i < r->nscenarios; i++) {
        if (n->skip[i]) continue;
        series(out, "telltale_scenario_last_status", n->scenario[i]);
        buf_printf(out, "} %d\n", r->scenarios[i].status == SCENARIO_PASSED);
    }
    family(out, "telltale_scenario_last_duration_seconds", "gauge", "Duration of the scenario's last run.");
    for (size_t i = 0; i < r->nscenarios; i++) {
        if (n->skip[i]) continue;
        series(out, "telltale_scenario_last_duration_seconds", n->scenario[i]);
        buf_printf(out, "} %.3f\n", seconds(r->scenarios[i].duration_ms));
    }
    family(out, "telltale_scenario_last_success_timestamp_seconds", "gauge",
           "When the scenario last passed (Unix time); kept from the previous file while it fails.");
    for (size_t i = 0; i < r->nscenarios; i++) {
        const struct scenario_result *s = &r->scenarios[i];
        size_t mark = out->len;
        if (n->skip[i]) continue;
        series(out, "telltale_scenario_last_success_timestamp_seconds", n->scenario[i]);
        buf_puts(out, "} ");
        if (s->status == SCENARIO_PASSED) {
            buf_printf(out, "%.3f\n", seconds(s->started_at_ms + s->duration_ms));
            continue;
        }
        /* Failing now: the last success is the one the file replaced
         * says — the value an alert on "no success for 2h" needs.  Never
         * passed (or no previous file): no series. */
        char *prefix = xstrdup(buf_str(out) + mark);
        out->len = mark;
        out->data[mark] = '\0';
        copy_previous(out, previous, prefix);
        free(prefix);
    }
}

static void step_families(struct buf *out, const struct run_result *r, const struct names *n) {
    family(out, "telltale_step_last_status", "gauge",
           "Whether the step passed (1) or failed (0) in the last run; skipped steps are left out.");
    for (size_t i = 0; i < r->nscenarios; i++)
        for (size_t j = 0; !n->skip[i] && j < r->scenarios[i].nsteps; j++) {
            const struct step_result *st = &r->scenarios[i].steps[j];
            if (st->status == STEP_SKIPPED) continue;
            series(out, "telltale_step_last_status", n->scenario[i]);
            label(out, "step", st->name);
            buf_printf(out, "} %d\n", st->status == STEP_PASSED);
        }
    family(out, "telltale_step_last_duration_seconds", "gauge",
           "Duration of the step's last run, every attempt included.");
    for (size_t i = 0; i < r->nscenarios; i++)
        for (size_t j = 0; !n->skip[i] && j < r->scenarios[i].nsteps; j++) {
            const struct step_result *st = &r->scenarios[i].steps[j];
            if (st->status == STEP_SKIPPED) continue;
            series(out, "telltale_step_last_duration_seconds", n->scenario[i]);
            label(out, "step", st->name);
            buf_printf(out, "} %.3f\n", seconds(st->duration_ms));
        }
}

size_t metrics_duplicates(const struct run_result *r) {
    struct names n;
    size_t skipped = names_init(&n, r);
    names_free(&n, r->nscenarios);
    return skipped;
}

size_t metrics_format(const struct run_result *r, const char *previous, struct buf *out) {
    struct names n;
    size_t skipped = names_init(&n, r);

    for (size_t i = 0; i < r->nscenarios; i++)
        if (n.skip[i]) {
            /* A comment, not a HELP/TYPE line: parsers skip it. */
            char *file = redact_text(r->scenarios[i].file ? r->scenarios[i].file : "");
            for (char *p = file; *p; p++)
                if (*p == '\n') *p = ' ';
            buf_puts(out, "# telltale: not exported: a second scenario named ");
            metrics_write_label_value(out, n.scenario[i]);
            buf_printf(out, " in %s\n", file);
            free(file);
        }
    scenario_families(out, r, &n, previous);
    step_families(out, r, &n);
    family(out, "telltale_runs_total", "counter",
           "Scenario runs by result and failure kind (a one-shot run counts its one run).");
    for (size_t i = 0; i < r->nscenarios; i++) {
        const struct scenario_result *s = &r->scenarios[i];
        if (n.skip[i]) continue;
        series(out, "telltale_runs_total", n.scenario[i]);
        label(out, "result", scenario_status_name(s->status));
        label(out, "kind", s->failure.kind == FAILURE_NONE ? "" : failure_kind_name(s->failure.kind));
        buf_puts(out, "} 1\n");
    }
    family(out, "telltale_run_timestamp_seconds", "gauge", "When the last run finished (Unix time).");
    buf_printf(out, "telltale_run_timestamp_seconds %.3f\n", seconds(r->started_at_ms + r->duration_ms));
    family(out, "telltale_build_info", "gauge", "The telltale version that produced these metrics.");
    buf_puts(out, "telltale_build_info{version=");
    metrics_write_label_value(out, TELLTALE_VERSION);
    buf_puts(out, "} 1\n");

    names_free(&n, r->nscenarios);
    return skipped;
}

/* ---- writing and pushing ---- */

/* The file's current content, if any (its last success timestamps are
 * carried over).  Unreadable or too big: as if there were none. */
static void read_previous(const char *path, struct buf *prev) {
    char chunk[65536];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        if (buf_append(prev, chunk, (size_t)n) != BUF_OK) break;
    if (n != 0) buf_reset(prev);
    close(fd);
}

int metrics_write_file(const char *path, const struct run_result *r, struct failure *f) {
    struct buf text, prev;
    int rc;

    buf_init(&text, 0);
    buf_init(&prev, PREVIOUS_CAP);
    read_previous(path, &prev);
    metrics_format(r, prev.len ? buf_str(&prev) : NULL, &text);
    rc = atomic_file_write(path, buf_str(&text), text.len, 0644, "--prom-file", f);
    buf_free(&text);
    buf_free(&prev);
    return rc;
}

int metrics_push(const char *url, const struct run_result *r, struct failure *f) {
    struct buf text, target;
    size_t len = strlen(url);
    int rc;

    buf_init(&text, 0);
    buf_init(&target, 0);
    metrics_format(r, NULL, &text);
    while (len > 0 && url[len - 1] == '/') len--;
    if (strstr(url, "/metrics/job/"))
        buf_append(&target, url, len);
    else
        buf_printf(&target, "%.*s/metrics/job/telltale", (int)len, url);
    rc = post_send(&(struct post_request){.method = "PUT",
                                          .url = buf_str(&target),
                                          .content_type = "text/plain; version=0.0.4; charset=utf-8",
                                          .body = buf_str(&text),
                                          .body_len = text.len,
                                          .timeout_ms = PUSH_TIMEOUT_MS,
                                          .attempts = PUSH_ATTEMPTS},
                   f);
    buf_free(&text);
    buf_free(&target);
    return rc;
}
