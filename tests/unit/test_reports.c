/* Unit tests: the JSON and JUnit report writers, from a run_result built
 * by hand — escaping, redaction, statuses and counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "failure.h"
#include "redact.h"
#include "report_json.h"
#include "report_junit.h"
#include "result.h"
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

static void make_run(struct run_result *r) {
    struct scenario_result *s;
    memset(r, 0, sizeof *r);
    snprintf(r->run_id, sizeof r->run_id, "abc123");
    r->started_at_ms = 1764375942123LL;
    r->duration_ms = 1500;
    r->nscenarios = 1;
    r->scenarios = xcalloc(1, sizeof *r->scenarios);
    s = &r->scenarios[0];
    s->name = xstrdup("sign \"up\" <flow>");
    s->file = xstrdup("scenarios/signup.lua");
    s->status = SCENARIO_FAILED;
    s->started_at_ms = r->started_at_ms;
    s->duration_ms = 1500;
    s->nsteps = 2;
    s->steps = xcalloc(2, sizeof *s->steps);
    s->steps[0].name = xstrdup("create");
    s->steps[0].status = STEP_FAILED;
    s->steps[0].attempts = 2;
    s->steps[0].duration_ms = 1200;
    strlist_push(&s->steps[0].logs, "token=hunter2-secret\nline two");
    failure_set(&s->steps[0].failure, FAILURE_HTTP, "POST /signup returned 500 & more");
    failure_set_detail(&s->steps[0].failure, "body: \x01 hunter2-secret");
    failure_set_where(&s->steps[0].failure, "scenarios/signup.lua:12");
    s->steps[1].name = xstrdup("confirm");
    s->steps[1].status = STEP_SKIPPED;
    failure_copy(&s->failure, &s->steps[0].failure);
}

static void test_json(void **state) {
    struct run_result r;
    struct failure f = {0};
    char path[] = "/tmp/tt-report-XXXXXX";
    const char *text;
    (void)state;
    redact_add_secret("hunter2-secret");
    make_run(&r);
    assert_int_equal(mkstemp(path) >= 0, 1);
    assert_int_equal(report_json_write(path, &r, &f), 0);
    text = slurp(path);
    assert_non_null(strstr(text, "\"name\":\"sign \\\"up\\\" <flow>\""));
    assert_non_null(strstr(text, "\"kind\":\"http\""));
    assert_non_null(strstr(text, "\"status\":\"skipped\""));
    assert_non_null(strstr(text, "\"attempts\":2"));
    assert_non_null(strstr(text, "token=[REDACTED]\\nline two"));
    assert_non_null(strstr(text, "\\u0001"));
    assert_non_null(strstr(text, "\"started_at\":\"2025-11-29T00:25:42.123Z\""));
    assert_non_null(strstr(text, "\"summary\":{\"passed\":0,\"failed\":1,\"error\":0,\"skipped\":0}"));
    assert_null(strstr(text, "hunter2"));
    remove(path);
    result_run_free(&r);
    redact_reset();
}

static void test_junit(void **state) {
    struct run_result r;
    struct failure f = {0};
    char path[] = "/tmp/tt-report-XXXXXX";
    const char *text;
    (void)state;
    redact_add_secret("hunter2-secret");
    make_run(&r);
    assert_int_equal(mkstemp(path) >= 0, 1);
    assert_int_equal(report_junit_write(path, &r, &f), 0);
    text = slurp(path);
    assert_non_null(strstr(text, "<testsuite id=\"0\" name=\"sign &quot;up&quot; &lt;flow&gt;\""));
    assert_non_null(strstr(text, "tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\""));
    assert_non_null(strstr(text, "<failure type=\"http\" message=\"POST /signup returned 500 &amp; more\">"));
    assert_non_null(strstr(text, "at scenarios/signup.lua:12"));
    assert_non_null(strstr(text, "body: \xEF\xBF\xBD [REDACTED]")); /* control characters are not XML */
    assert_non_null(strstr(text, "<skipped/>"));
    assert_non_null(strstr(text, "timestamp=\"2025-11-29T00:25:42\""));
    assert_null(strstr(text, "hunter2"));
    remove(path);
    result_run_free(&r);
    redact_reset();
}

static void test_unwritable(void **state) {
    struct run_result r;
    struct failure f = {0};
    (void)state;
    make_run(&r);
    assert_int_equal(report_json_write("/nonexistent-dir/report.json", &r, &f), -1);
    assert_int_equal(f.kind, FAILURE_INTERNAL);
    assert_non_null(strstr(f.message, "cannot write report /nonexistent-dir/report.json"));
    failure_clear(&f);
    result_run_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_junit),
        cmocka_unit_test(test_unwritable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
