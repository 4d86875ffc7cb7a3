/* report_tap.c — the TAP report; see report_tap.h.
 *
 * A test point's description ends at a '#' (a directive follows) and at
 * the line's end, so names are flattened: '#' escaped as TAP 14 allows
 * ("\#"), control characters as spaces.  YAML strings are double-quoted
 * JSON-style, which YAML reads as they are; a detail is a literal block
 * scalar, each line indented. */
#include "report_tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "redact.h"
#include "report_file.h"

static void description(struct buf *b, const char *s) {
    char *clean = redact_text(s ? s : "");
    for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
        if (*p == '#' || *p == '\\')
            buf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            buf_puts(b, " ");
        else
            buf_append(b, p, 1);
    }
    free(clean);
}

static void yaml_string(struct buf *b, const char *indent, const char *key, const char *s) {
    char *clean;
    if (!s) return;
    clean = redact_text(s);
    buf_printf(b, "%s%s: ", indent, key);
    json_write_string(b, clean, strlen(clean));
    buf_puts(b, "\n");
    free(clean);
}

/* detail: |-  then every line indented two more than the key. */
static void yaml_block(struct buf *b, const char *indent, const char *key, const char *s) {
    char *clean;
    if (!s || !*s) return;
    clean = redact_text(s);
    buf_printf(b, "%s%s: |2-\n", indent, key); /* explicit: a detail may start with spaces */
    for (char *line = clean, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        buf_printf(b, "%s  ", indent);
        for (const unsigned char *p = (const unsigned char *)line; *p; p++)
            if (*p >= 0x20 || *p == '\t') buf_append(b, p, 1);
        buf_puts(b, "\n");
        if (next && !*next) break;
    }
    free(clean);
}

/* The diagnostics of a failed point, indented two past the point. */
static void diagnostics(struct buf *b, const char *point_indent, const struct failure *f, const char *trace_id,
                        int attempts) {
    char in[16];
    snprintf(in, sizeof in, "%s  ", point_indent);
    buf_printf(b, "%s---\n", in);
    yaml_string(b, in, "message", f->message);
    yaml_string(b, in, "kind", failure_kind_name(f->kind));
    yaml_string(b, in, "phase", f->phase);
    yaml_string(b, in, "where", f->where);
    if (attempts > 1) buf_printf(b, "%sattempts: %d\n", in, attempts);
    if (trace_id && *trace_id) yaml_string(b, in, "trace_id", trace_id);
    yaml_block(b, in, "detail", f->detail);
    buf_printf(b, "%s...\n", in);
}

static void step_points(struct buf *b, const char *prefix, const struct step_result *st, size_t n, size_t *id) {
    for (size_t i = 0; i < n; i++) {
        const struct step_result *s = &st[i];
        buf_printf(b, "    %s %zu - ", s->status == STEP_FAILED ? "not ok" : "ok", ++*id);
        description(b, prefix);
        description(b, s->name);
        if (s->status == STEP_SKIPPED) buf_puts(b, " # SKIP not run");
        buf_printf(b, "\n");
        if (s->status == STEP_FAILED) diagnostics(b, "    ", &s->failure, NULL, s->attempts);
    }
}

static void scenario(struct buf *b, const struct scenario_result *s, size_t id) {
    bool ok = s->status == SCENARIO_PASSED;
    if (s->nsteps + s->nteardown) {
        size_t sub = 0;
        buf_puts(b, "# Subtest: ");
        description(b, s->name);
        buf_printf(b, "\n    1..%zu\n", s->nsteps + s->nteardown);
        step_points(b, "", s->steps, s->nsteps, &sub);
        step_points(b, "teardown: ", s->teardown, s->nteardown, &sub);
    }
    buf_printf(b, "%s %zu - ", ok ? "ok" : "not ok", id);
    description(b, s->name);
    buf_puts(b, "\n");
    if (ok) {
        /* The trace id of a passing run too: a slow one is worth a look. */
        buf_puts(b, "  ---\n");
        buf_printf(b, "  duration_ms: %lld\n", (long long)s->duration_ms);
        yaml_string(b, "  ", "trace_id", s->trace_id);
        buf_puts(b, "  ...\n");
        return;
    }
    if (s->status == SCENARIO_SKIPPED && s->failure.kind == FAILURE_NONE) {
        /* Never started (--timeout, --fail-fast, a signal): not a pass. */
        struct failure f = {.kind = FAILURE_ABORTED, .message = (char *)"not started: the run stopped first"};
        diagnostics(b, "", &f, NULL, 1);
        return;
    }
    diagnostics(b, "", &s->failure, s->trace_id, 1);
}

int report_tap_write(const char *path, const struct run_result *r, struct failure *f) {
    struct buf b;
    int rc;
    buf_init(&b, 0);
    buf_printf(&b, "TAP version 14\n1..%zu\n", r->nscenarios);
    buf_printf(&b, "# telltale run %s\n", r->run_id);
    for (size_t i = 0; i < r->nscenarios; i++) scenario(&b, &r->scenarios[i], i + 1);
    if (r->interrupted_by) buf_printf(&b, "# interrupted by signal %d\n", r->interrupted_by);
    rc = report_file_write(path, &b, f);
    buf_free(&b);
    return rc;
}
