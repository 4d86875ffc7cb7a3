/* report_junit.c — the JUnit XML report; see report_junit.h. */
#include "report_junit.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redact.h"
#include "report_file.h"
#include "utf8.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* XML-escape redacted text, capped at max bytes.  XML 1.0 allows no
 * control characters but tab, newline and carriage return (not even
 * escaped), nor U+FFFE/U+FFFF, nor invalid UTF-8: each becomes U+FFFD. */
static void xml_capped(struct buf *b, const char *s, size_t max) {
    char *clean = redact_text(s ? s : "");
    struct buf text;
    buf_init(&text, 0);
    utf8_append_capped(&text, clean, strlen(clean), max); /* valid UTF-8 from here on */
    for (const unsigned char *p = (const unsigned char *)buf_str(&text); *p; p++) {
        switch (*p) {
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '&': buf_puts(b, "&amp;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&apos;"); break;
        default:
            if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f) {
                buf_puts(b, REPLACEMENT);
            } else if (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) {
                buf_puts(b, REPLACEMENT);
                p += 2;
            } else {
                buf_append(b, p, 1);
            }
        }
    }
    buf_free(&text);
    free(clean);
}

static void xml(struct buf *b, const char *s) { xml_capped(b, s, FAILURE_DETAIL_MAX); }

static double secs(int64_t ms) { return (double)ms / 1000.0; }

/* With --repeat, each run's testcases are told apart by " #k". */
static void run_suffix(struct buf *b, const struct scenario_result *s, int repeat) {
    if (repeat > 1) buf_printf(b, " #%d", s->repeat);
}

static void testcase(struct buf *b, const struct scenario_result *s, const char *prefix, const struct step_result *st,
                     int repeat) {
    buf_puts(b, "    <testcase name=\"");
    xml(b, prefix);
    xml(b, st->name);
    run_suffix(b, s, repeat);
    buf_puts(b, "\" classname=\"");
    xml(b, s->name);
    buf_printf(b, "\" time=\"%.3f\"", secs(st->duration_ms));
    if (st->status == STEP_PASSED && st->logs.len == 0) {
        buf_puts(b, "/>\n");
        return;
    }
    buf_puts(b, ">\n");
    if (st->status == STEP_SKIPPED) buf_puts(b, "      <skipped/>\n");
    if (st->status == STEP_FAILED) {
        buf_puts(b, "      <failure type=\"");
        xml(b, failure_kind_name(st->failure.kind));
        buf_puts(b, "\" message=\"");
        xml_capped(b, st->failure.message, FAILURE_MESSAGE_MAX);
        buf_puts(b, "\">");
        xml_capped(b, st->failure.message, FAILURE_MESSAGE_MAX);
        if (st->failure.where) {
            buf_puts(b, "\nat ");
            xml(b, st->failure.where);
        }
        if (st->failure.phase) {
            buf_puts(b, "\nphase: ");
            xml(b, st->failure.phase);
        }
        if (st->failure.detail) {
            buf_puts(b, "\n\n");
            xml(b, st->failure.detail);
        }
        buf_puts(b, "</failure>\n");
    }
    if (st->logs.len) {
        buf_puts(b, "      <system-out>");
        for (size_t i = 0; i < st->logs.len; i++) {
            xml(b, st->logs.items[i]);
            buf_puts(b, "\n");
        }
        buf_puts(b, "</system-out>\n");
    }
    buf_puts(b, "    </testcase>\n");
}

static void count(const struct step_result *st, size_t n, size_t *tests, size_t *failures, size_t *skipped) {
    for (size_t i = 0; i < n; i++) {
        (*tests)++;
        if (st[i].status == STEP_FAILED) (*failures)++;
        if (st[i].status == STEP_SKIPPED) (*skipped)++;
    }
}

static void testsuite(struct buf *b, const struct scenario_result *s, size_t id, int repeat) {
    size_t tests = 0, failures = 0, skipped = 0, errors = s->status == SCENARIO_ERROR ? 1 : 0;
    char when[40];
    count(s->steps, s->nsteps, &tests, &failures, &skipped);
    count(s->teardown, s->nteardown, &tests, &failures, &skipped);
    if (s->status == SCENARIO_ERROR || (s->status == SCENARIO_SKIPPED && tests == 0)) tests = 1;
    if (s->status == SCENARIO_SKIPPED && s->nsteps == 0) skipped = 1;
    /* The XSD wants a timestamp without zone or fraction. */
    result_format_time(s->started_at_ms, when, sizeof when);
    when[19] = '\0';
    buf_printf(b, "  <testsuite id=\"%zu\" name=\"", id);
    xml(b, s->name);
    run_suffix(b, s, repeat);
    buf_puts(b, "\" package=\"");
    xml(b, s->file);
    buf_printf(b,
               "\" hostname=\"localhost\" timestamp=\"%s\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
               "skipped=\"%zu\" time=\"%.3f\">\n",
               when, tests, failures, errors, skipped, secs(s->duration_ms));
    buf_puts(b, "    <properties>\n      <property name=\"file\" value=\"");
    xml(b, s->file);
    buf_puts(b, "\"/>\n");
    if (s->trace_id[0]) buf_printf(b, "      <property name=\"trace_id\" value=\"%s\"/>\n", s->trace_id);
    buf_puts(b, "    </properties>\n");
    if (s->status == SCENARIO_ERROR) {
        buf_puts(b, "    <testcase name=\"load");
        run_suffix(b, s, repeat);
        buf_puts(b, "\" classname=\"");
        xml(b, s->name);
        buf_puts(b, "\" time=\"0\">\n      <error type=\"");
        xml(b, failure_kind_name(s->failure.kind));
        buf_puts(b, "\" message=\"");
        xml_capped(b, s->failure.message, FAILURE_MESSAGE_MAX);
        buf_puts(b, "\">");
        xml_capped(b, s->failure.message, FAILURE_MESSAGE_MAX);
        buf_puts(b, "</error>\n    </testcase>\n");
    } else if (s->status == SCENARIO_SKIPPED && s->nsteps == 0) {
        buf_puts(b, "    <testcase name=\"not started");
        run_suffix(b, s, repeat);
        buf_puts(b, "\" classname=\"");
        xml(b, s->name);
        buf_puts(b, "\" time=\"0\">\n      <skipped/>\n    </testcase>\n");
    }
    for (size_t i = 0; i < s->nsteps; i++) testcase(b, s, "", &s->steps[i], repeat);
    for (size_t i = 0; i < s->nteardown; i++) testcase(b, s, "teardown: ", &s->teardown[i], repeat);
    buf_puts(b, "    <system-out/>\n    <system-err/>\n  </testsuite>\n");
}

int report_junit_write(const char *path, const struct run_result *r, struct failure *f) {
    struct buf b;
    int rc;
    buf_init(&b, 0);
    buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (size_t i = 0; i < r->nscenarios; i++) testsuite(&b, &r->scenarios[i], i, r->repeat);
    buf_puts(&b, "</testsuites>\n");
    rc = report_file_write(path, &b, f);
    buf_free(&b);
    return rc;
}
