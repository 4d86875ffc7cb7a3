/* Unit tests: the Prometheus exposition of a run — label escaping, invalid
 * UTF-8, which series exist for passed, failed and skipped work, duplicate
 * scenario names, redaction, and the atomic file write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "failure.h"
#include "metrics.h"
#include "prom.h"
#include "redact.h"
#include "result.h"
#include "utf8.h"
#include "xalloc.h"

static void add_step(struct scenario_result *s, const char *name, enum step_status status, int64_t ms) {
    struct step_result *st = &s->steps[s->nsteps++];
    st->name = xstrdup(name);
    st->status = status;
    st->duration_ms = ms;
    st->attempts = status == STEP_SKIPPED ? 0 : 1;
}

static struct scenario_result *add_scenario(struct run_result *r, const char *name, enum scenario_status status) {
    struct scenario_result *s = &r->scenarios[r->nscenarios++];
    s->name = xstrdup(name);
    s->file = xstrdup("scenarios/x.lua");
    s->status = status;
    s->started_at_ms = 1764375942000LL;
    s->duration_ms = 1500;
    s->steps = xcalloc(4, sizeof *s->steps);
    return s;
}

static void make_run(struct run_result *r) {
    struct scenario_result *s;
    memset(r, 0, sizeof *r);
    snprintf(r->run_id, sizeof r->run_id, "abc123");
    r->started_at_ms = 1764375942000LL;
    r->duration_ms = 2250;
    r->scenarios = xcalloc(4, sizeof *r->scenarios);
    s = add_scenario(r, "health", SCENARIO_PASSED);
    add_step(s, "home \"page\"", STEP_PASSED, 12);
    s = add_scenario(r, "sign\\up\nnow", SCENARIO_FAILED);
    add_step(s, "create", STEP_FAILED, 1200);
    add_step(s, "confirm", STEP_SKIPPED, 0);
    failure_set(&s->failure, FAILURE_MISSING, "no mail");
    s = add_scenario(r, "health", SCENARIO_FAILED); /* same name, another file */
    add_step(s, "other", STEP_FAILED, 5);
    failure_set(&s->failure, FAILURE_HTTP, "500");
    s = add_scenario(r, "bad \xff byte", SCENARIO_ERROR);
    failure_set(&s->failure, FAILURE_SCRIPT, "syntax error");
}

static void test_label_escaping(void **state) {
    struct buf b;
    (void)state;
    buf_init(&b, 0);
    prom_write_label_value(&b, "a\\b\"c\nd");
    assert_string_equal(buf_str(&b), "\"a\\\\b\\\"c\\nd\"");
    buf_reset(&b);
    prom_write_label_value(&b, "ok \xc3\xa9 \xff \xe2\x82 end"); /* é kept, a stray byte and a cut sequence replaced */
    assert_string_equal(buf_str(&b), "\"ok \xc3\xa9 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd end\"");
    buf_reset(&b);
    prom_write_label_value(&b, "");
    assert_string_equal(buf_str(&b), "\"\"");
    buf_free(&b);
}

static void test_utf8(void **state) {
    (void)state;
    assert_int_equal(utf8_seq_len("a", 1), 1);
    assert_int_equal(utf8_seq_len("\xc3\xa9", 2), 2);
    assert_int_equal(utf8_seq_len("\xc3\xa9", 1), 0);         /* truncated */
    assert_int_equal(utf8_seq_len("\xc0\xaf", 2), 0);         /* overlong '/' */
    assert_int_equal(utf8_seq_len("\xed\xa0\x80", 3), 0);     /* surrogate */
    assert_int_equal(utf8_seq_len("\xf4\x90\x80\x80", 4), 0); /* above U+10FFFF */
    assert_int_equal(utf8_seq_len("\xf0\x9f\x98\x80", 4), 4);
}

static void test_exposition(void **state) {
    struct run_result r;
    struct buf b;
    const char *t;
    (void)state;
    make_run(&r);
    buf_init(&b, 0);
    assert_int_equal(metrics_format(&r, NULL, &b), 1);
    assert_int_equal(metrics_duplicates(&r), 1);
    t = buf_str(&b);
    assert_non_null(strstr(t, "# HELP telltale_scenario_last_status "));
    assert_non_null(strstr(t, "# TYPE telltale_scenario_last_status gauge\n"));
    assert_non_null(strstr(t, "\ntelltale_scenario_last_status{scenario=\"health\"} 1\n"));
    assert_non_null(strstr(t, "\ntelltale_scenario_last_status{scenario=\"sign\\\\up\\nnow\"} 0\n"));
    assert_non_null(strstr(t, "\ntelltale_scenario_last_status{scenario=\"bad \xef\xbf\xbd byte\"} 0\n"));
    assert_non_null(strstr(t, "\ntelltale_scenario_last_duration_seconds{scenario=\"health\"} 1.500\n"));
    /* Success timestamps only for what passed: the end of the scenario. */
    assert_non_null(strstr(t, "\ntelltale_scenario_last_success_timestamp_seconds{scenario=\"health\"} 1764375943.500\n"));
    assert_null(strstr(t, "telltale_scenario_last_success_timestamp_seconds{scenario=\"sign"));
    assert_non_null(strstr(t, "\ntelltale_step_last_status{scenario=\"health\",step=\"home \\\"page\\\"\"} 1\n"));
    assert_non_null(strstr(t, "\ntelltale_step_last_status{scenario=\"sign\\\\up\\nnow\",step=\"create\"} 0\n"));
    assert_non_null(strstr(t, "\ntelltale_step_last_duration_seconds{scenario=\"sign\\\\up\\nnow\",step=\"create\"} 1.200\n"));
    assert_null(strstr(t, "step=\"confirm\"")); /* skipped: it did not run */
    assert_non_null(strstr(t, "# TYPE telltale_runs_total counter\n"));
    assert_non_null(strstr(t, "\ntelltale_runs_total{scenario=\"health\",result=\"passed\",kind=\"\"} 1\n"));
    assert_non_null(
        strstr(t, "\ntelltale_runs_total{scenario=\"sign\\\\up\\nnow\",result=\"failed\",kind=\"missing\"} 1\n"));
    assert_non_null(
        strstr(t, "\ntelltale_runs_total{scenario=\"bad \xef\xbf\xbd byte\",result=\"error\",kind=\"script\"} 1\n"));
    assert_non_null(strstr(t, "\ntelltale_run_timestamp_seconds 1764375944.250\n"));
    /* Not TELLTALE_VERSION itself: metrics.o may be older than this test. */
    assert_non_null(strstr(t, "\ntelltale_build_info{version=\""));
    assert_non_null(strstr(strstr(t, "\ntelltale_build_info{"), "\"} 1\n"));
    /* The second "health" is left out, and the exposition says so. */
    assert_null(strstr(t, "step=\"other\""));
    assert_null(strstr(t, "kind=\"http\""));
    assert_non_null(strstr(t, "# telltale: not exported: a second scenario named \"health\" in scenarios/x.lua\n"));
    /* Every family once, HELP before TYPE; every line ends. */
    assert_null(strstr(strstr(t, "# TYPE telltale_step_last_status") + 1, "# TYPE telltale_step_last_status"));
    assert_int_equal(t[b.len - 1], '\n');
    buf_free(&b);
    result_run_free(&r);
}

/* One-shot runs remember nothing but the file they replace: a scenario
 * failing now keeps the last success timestamp it had there. */
static void test_carry_forward(void **state) {
    struct run_result r;
    struct buf b;
    const char *t;
    const char *previous =
        "# HELP x y\n"
        "telltale_scenario_last_success_timestamp_seconds{scenario=\"health\"} 1.000\n"
        "telltale_scenario_last_success_timestamp_seconds{scenario=\"sign\\\\up\\nnow\"} 1764000000.250\n"
        "telltale_scenario_last_success_timestamp_seconds{scenario=\"bad \xef\xbf\xbd byte\"} junk\n";
    (void)state;
    make_run(&r);
    buf_init(&b, 0);
    metrics_format(&r, previous, &b);
    t = buf_str(&b);
    /* Passed now: this run's time, not the old one. */
    assert_non_null(strstr(t, "\ntelltale_scenario_last_success_timestamp_seconds{scenario=\"health\"} 1764375943.500\n"));
    /* Failing now: kept, escaped label and all. */
    assert_non_null(
        strstr(t, "\ntelltale_scenario_last_success_timestamp_seconds{scenario=\"sign\\\\up\\nnow\"} 1764000000.250\n"));
    /* Not a number there: no series rather than a broken file. */
    assert_null(strstr(t, "junk"));
    assert_null(strstr(t, "last_success_timestamp_seconds{scenario=\"bad"));
    buf_free(&b);
    result_run_free(&r);
}

static void test_redacted(void **state) {
    struct run_result r;
    struct buf b;
    (void)state;
    make_run(&r);
    redact_add_secret("home");
    buf_init(&b, 0);
    metrics_format(&r, NULL, &b);
    assert_null(strstr(buf_str(&b), "home"));
    assert_non_null(strstr(buf_str(&b), "step=\"" REDACTED " \\\"page\\\"\""));
    buf_free(&b);
    result_run_free(&r);
    redact_reset();
}

static void test_file(void **state) {
    struct run_result r;
    struct failure f = {0};
    char dir[] = "/tmp/telltale-metrics.XXXXXX", path[64], other[96];
    struct stat before, after;
    FILE *fp;
    (void)state;
    make_run(&r);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.prom", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("old\n", fp);
    fclose(fp);
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(metrics_write_file(path, &r, &f), 0);
    /* A new inode: the file was replaced by rename, not rewritten in place. */
    assert_int_equal(stat(path, &after), 0);
    assert_true(before.st_ino != after.st_ino);
    snprintf(other, sizeof other, "%s.tmp.%ld", path, (long)getpid());
    assert_int_equal(access(other, F_OK), -1);
    remove(path);
    rmdir(dir);
    assert_int_equal(metrics_write_file("/nonexistent-dir/t.prom", &r, &f), -1);
    assert_int_equal(f.kind, FAILURE_INTERNAL);
    assert_non_null(strstr(f.message, "cannot write --prom-file /nonexistent-dir/t.prom"));
    failure_clear(&f);
    result_run_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_escaping), cmocka_unit_test(test_utf8),     cmocka_unit_test(test_exposition),
        cmocka_unit_test(test_carry_forward),  cmocka_unit_test(test_redacted),       cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
