/* Unit tests: the HTML, TAP and Nagios writers from a run_result built by
 * hand — escaping, redaction, plugin states and perfdata labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "failure.h"
#include "redact.h"
#include "report_html.h"
#include "report_nagios.h"
#include "report_tap.h"
#include "result.h"
#include "run.h"
#include "xalloc.h"

static char *slurp(const char *path) {
    FILE *fp = fopen(path, "rb");
    static char text[65536];
    size_t n;
    assert_non_null(fp);
    n = fread(text, 1, sizeof text - 1, fp);
    text[n] = '\0';
    fclose(fp);
    return text;
}

/* One scenario: a step passed after 2 attempts, one with an HTTP request. */
static void make_run(struct run_result *r, const char *name, enum step_status second) {
    struct scenario_result *s;
    char url[] = "http://x/?token=hunter2-secret";
    struct request_record q = {.method = "GET", .url = url, .status = 200};
    memset(r, 0, sizeof *r);
    snprintf(r->run_id, sizeof r->run_id, "abc123");
    r->started_at_ms = 1764375942123LL;
    r->duration_ms = 1500;
    r->nscenarios = 1;
    r->scenarios = xcalloc(1, sizeof *r->scenarios);
    s = &r->scenarios[0];
    s->name = xstrdup(name);
    s->file = xstrdup("s.lua");
    s->status = second == STEP_FAILED ? SCENARIO_FAILED : SCENARIO_PASSED;
    s->started_at_ms = r->started_at_ms;
    s->duration_ms = 1500;
    snprintf(s->trace_id, sizeof s->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    s->nsteps = 2;
    s->steps = xcalloc(2, sizeof *s->steps);
    s->steps[0].name = xstrdup("first # one");
    s->steps[0].status = STEP_PASSED;
    s->steps[0].attempts = 2;
    q.total_ms = 12;
    snprintf(q.span_id, sizeof q.span_id, "00f067aa0ba902b7");
    result_step_add_request(&s->steps[0], &q);
    s->steps[1].name = xstrdup("second");
    s->steps[1].status = second;
    s->steps[1].attempts = 1;
    if (second == STEP_FAILED) {
        failure_set(&s->steps[1].failure, FAILURE_HTTP, "GET | 500 <b> hunter2-secret");
        failure_set_detail(&s->steps[1].failure, "  body\nnear miss: uid 1: x");
        failure_copy(&s->failure, &s->steps[1].failure);
    }
}

static void test_nagios_states(void **state) {
    struct run_result r;
    struct nagios_limits lim = {0, 0, true};
    struct buf out;
    (void)state;
    redact_add_secret("hunter2-secret");
    buf_init(&out, 0);
    make_run(&r, "it's a=b", STEP_PASSED);
    assert_int_equal(report_nagios_format(&out, &r, EXIT_PASSED, &lim), NAGIOS_WARNING); /* a retry */
    assert_non_null(strstr(buf_str(&out), "TELLTALE WARNING - it's a=b passed after a retry"));
    assert_non_null(strstr(buf_str(&out), " | 'it_s a_b'=1.500s;;;0; 'it_s a_b/first # one'=0.000s;;;0;"));
    buf_reset(&out);
    lim.critical_ms = 1000;
    assert_int_equal(report_nagios_format(&out, &r, EXIT_PASSED, &lim), NAGIOS_CRITICAL);
    assert_non_null(strstr(buf_str(&out), "took 1.500s (critical 1s)"));
    buf_reset(&out);
    assert_int_equal(report_nagios_format(&out, &r, EXIT_INTERNAL, &lim), NAGIOS_UNKNOWN);
    result_run_free(&r);
    buf_reset(&out);
    make_run(&r, "shop", STEP_FAILED);
    lim.critical_ms = 0;
    assert_int_equal(report_nagios_format(&out, &r, EXIT_FAILED, &lim), NAGIOS_CRITICAL);
    /* One status line: no '|' but the perfdata's, no secret. */
    assert_non_null(strstr(buf_str(&out), "shop failed at step 'second': [http] GET / 500 <b> [REDACTED] | 'shop'="));
    assert_null(strstr(buf_str(&out), "hunter2"));
    result_run_free(&r);
    buf_reset(&out);
    report_nagios_unknown(&out, "bad | thing\nsecond line");
    assert_string_equal(buf_str(&out), "TELLTALE UNKNOWN - bad / thing second line\n");
    buf_free(&out);
    redact_reset();
}

static void test_html_escaped(void **state) {
    struct run_result r;
    struct failure f = {0};
    char path[] = "/tmp/tt-report-XXXXXX";
    const char *text;
    (void)state;
    redact_add_secret("hunter2-secret");
    make_run(&r, "<script>alert('x')</script>", STEP_FAILED);
    assert_int_equal(mkstemp(path) >= 0, 1);
    assert_int_equal(report_html_write(path, &r, NULL, &f), 0);
    text = slurp(path);
    assert_null(strstr(text, "<script>"));
    assert_non_null(strstr(text, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert_non_null(strstr(text, "GET | 500 &lt;b&gt; [REDACTED]"));
    assert_non_null(strstr(text, "<span class=\"near\">near miss: uid 1: x</span>"));
    assert_non_null(strstr(text, "4bf92f3577b34da6a3ce929d0e0e4736"));
    assert_non_null(strstr(text, "span 00f067aa0ba902b7"));
    assert_null(strstr(text, "hunter2"));
    assert_null(strstr(text, "http://x/?token=hunter2")); /* the URL is redacted too */
    remove(path);
    result_run_free(&r);
    redact_reset();
}

static void test_tap(void **state) {
    struct run_result r;
    struct failure f = {0};
    char path[] = "/tmp/tt-report-XXXXXX";
    const char *text;
    (void)state;
    make_run(&r, "shop", STEP_FAILED);
    assert_int_equal(mkstemp(path) >= 0, 1);
    assert_int_equal(report_tap_write(path, &r, &f), 0);
    text = slurp(path);
    assert_non_null(strstr(text, "TAP version 14\n1..1\n"));
    assert_non_null(strstr(text, "# Subtest: shop\n    1..2\n    ok 1 - first \\# one\n    not ok 2 - second\n"));
    assert_non_null(strstr(text, "      kind: \"http\"\n"));
    assert_non_null(strstr(text, "      detail: |2-\n          body\n        near miss: uid 1: x\n      ...\n"));
    assert_non_null(strstr(text, "not ok 1 - shop\n  ---\n"));
    assert_non_null(strstr(text, "  trace_id: \"4bf92f3577b34da6a3ce929d0e0e4736\"\n"));
    remove(path);
    result_run_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nagios_states),
        cmocka_unit_test(test_html_escaped),
        cmocka_unit_test(test_tap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
