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
#include "prom.h"
#include "redact.h"
#include "result.h"
#include "xalloc.h"

#define PUSH_TIMEOUT_MS 10000
#define PUSH_ATTEMPTS 3
#define PREVIOUS_CAP (16u << 20) /* a previous --prom-file larger than this is not read */

/* ---- the exposition ---- */

/* Scenario and step names as they may appear outside the process. */
struct names {
    char **scenario; /* redacted, one per scenario */
    bool *skip;      /* a later scenario with an already exported name */
};

/* A name with its position: sorted by both, qsort needs no context. */
struct named {
    const char *name;
    size_t index;
};

static int by_name_then_index(const void *a, const void *b) {
    const struct named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index < y->index ? -1 : x->index > y->index);
}

static size_t names_init(struct names *n, const struct run_result *r) {
    struct named *order = xcalloc(r->nscenarios + 1, sizeof *order);
    size_t skipped = 0;
    n->scenario = xcalloc(r->nscenarios + 1, sizeof *n->scenario);
    n->skip = xcalloc(r->nscenarios + 1, sizeof *n->skip);
    for (size_t i = 0; i < r->nscenarios; i++) {
        n->scenario[i] = redact_text(r->scenarios[i].name ? r->scenarios[i].name : "");
        order[i] = (struct named){n->scenario[i], i};
    }
    /* Sorted by name then position, the first of each run of equal names
     * is the one exported: O(n log n) for runs of thousands of scenarios. */
    qsort(order, r->nscenarios, sizeof *order, by_name_then_index);
    for (size_t k = 1; k < r->nscenarios; k++)
        if (strcmp(order[k].name, order[k - 1].name) == 0) n->skip[order[k].index] = true, skipped++;
    free(order);
    return skipped;
}

static void names_free(struct names *n, size_t count) {
    for (size_t i = 0; i < count; i++) free(n->scenario[i]);
    free(n->scenario);
    free(n->skip);
}

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

#define L1(k, v) (struct prom_label[]){{k, v}}, 1

/* The last success of a scenario failing now: the value the exposition
 * this one replaces had — what an alert on "no success for 2h" needs.
 * Never passed (or no previous file): no series. */
static void carry_last_success(struct prom *p, const char *scenario, const char *location, const char *previous) {
    struct buf prefix, line;
    struct prom_label series[2] = {{"scenario", scenario}, {"location", location}}; /* as prom_const_label adds it */
    buf_init(&prefix, 0);
    buf_init(&line, 0);
    prom_series(PROM_SCENARIO_LAST_SUCCESS, series, *location ? 2 : 1, &prefix);
    buf_puts(&prefix, " ");
    if (copy_previous(&line, previous, buf_str(&prefix))) {
        line.data[line.len - 1] = '\0'; /* the newline */
        prom_add_text(p, PROM_SCENARIO_LAST_SUCCESS, L1("scenario", scenario), buf_str(&line) + prefix.len);
    }
    buf_free(&prefix);
    buf_free(&line);
}

static void scenario_samples(struct prom *p, const struct scenario_result *s, const char *name, const char *location,
                             const char *previous) {
    struct prom_label run[3] = {{"scenario", name},
                                {"result", scenario_status_name(s->status)},
                                {"kind", s->failure.kind == FAILURE_NONE ? "" : failure_kind_name(s->failure.kind)}};
    prom_add_int(p, PROM_SCENARIO_LAST_STATUS, L1("scenario", name), s->status == SCENARIO_PASSED);
    prom_add_seconds(p, PROM_SCENARIO_LAST_DURATION, L1("scenario", name), s->duration_ms);
    if (s->status == SCENARIO_PASSED)
        prom_add_seconds(p, PROM_SCENARIO_LAST_SUCCESS, L1("scenario", name), s->started_at_ms + s->duration_ms);
    else
        carry_last_success(p, name, location, previous);
    for (size_t j = 0; j < s->nsteps; j++) {
        const struct step_result *st = &s->steps[j];
        struct prom_label l[2] = {{"scenario", name}, {"step", st->name}};
        if (st->status == STEP_SKIPPED) continue;
        prom_add_int(p, PROM_STEP_LAST_STATUS, l, 2, st->status == STEP_PASSED);
        prom_add_seconds(p, PROM_STEP_LAST_DURATION, l, 2, st->duration_ms);
    }
    prom_add_int(p, PROM_RUNS_TOTAL, run, 3, 1);
}

size_t metrics_duplicates(const struct run_result *r) {
    struct names n;
    size_t skipped = names_init(&n, r);
    names_free(&n, r->nscenarios);
    return skipped;
}

size_t metrics_format(const struct run_result *r, const char *previous, struct buf *out) {
    struct names n;
    struct prom *p = prom_new();
    struct buf note;
    size_t skipped = names_init(&n, r);

    buf_init(&note, 0);
    prom_const_label(p, "location", r->location);
    for (size_t i = 0; i < r->nscenarios; i++)
        if (n.skip[i]) {
            /* A comment, not a HELP/TYPE line: parsers skip it. */
            char *file = redact_text(r->scenarios[i].file ? r->scenarios[i].file : "");
            buf_reset(&note);
            buf_puts(&note, "telltale: not exported: a second scenario named ");
            prom_write_label_value(&note, n.scenario[i]);
            buf_printf(&note, " in %s", file);
            prom_comment(p, buf_str(&note));
            free(file);
        }
    static const enum prom_family declared[] = {PROM_SCENARIO_LAST_STATUS,  PROM_SCENARIO_LAST_DURATION,
                                                PROM_SCENARIO_LAST_SUCCESS, PROM_STEP_LAST_STATUS,
                                                PROM_STEP_LAST_DURATION,    PROM_RUNS_TOTAL};
    for (size_t i = 0; i < sizeof declared / sizeof *declared; i++) prom_declare(p, declared[i]);
    for (size_t i = 0; i < r->nscenarios; i++)
        if (!n.skip[i]) scenario_samples(p, &r->scenarios[i], n.scenario[i], r->location, previous);
    prom_add_seconds(p, PROM_RUN_TIMESTAMP, NULL, 0, r->started_at_ms + r->duration_ms);
    prom_add_int(p, PROM_BUILD_INFO, L1("version", TELLTALE_VERSION), 1);
    prom_format(p, out);

    prom_free(p);
    buf_free(&note);
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
