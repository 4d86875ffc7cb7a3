/* Unit tests: the Prometheus writer — HELP and TYPE once per family,
 * families in name order and samples in label order whatever the order of
 * adding, a repeated series dropped (first kept), label values escaped,
 * made valid UTF-8 and redacted, empty families only when declared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "prom.h"
#include "redact.h"

static int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) n++;
    return n;
}

static void test_families_sorted_once(void **state) {
    struct prom *p = prom_new();
    struct buf b;
    const char *t;
    (void)state;
    buf_init(&b, 0);
    prom_add_int(p, PROM_SCENARIO_LAST_STATUS, (struct prom_label[]){{"scenario", "zeta"}}, 1, 0);
    prom_add_u64(p, PROM_RUNS_TOTAL, (struct prom_label[]){{"scenario", "a"}, {"result", "passed"}, {"kind", ""}}, 3,
                 18446744073709551615ull);
    prom_add_int(p, PROM_SCENARIO_LAST_STATUS, (struct prom_label[]){{"scenario", "alpha"}}, 1, 1);
    prom_add_int(p, PROM_SCENARIO_LAST_STATUS, (struct prom_label[]){{"scenario", "zeta"}}, 1, 1); /* again */
    prom_add_seconds(p, PROM_SERVE_START, NULL, 0, 1764375943500);
    prom_add_text(p, PROM_SCENARIO_LAST_SUCCESS, (struct prom_label[]){{"scenario", "zeta"}}, 1, "17.250");
    prom_comment(p, "telltale: two\nlines");
    prom_format(p, &b);
    t = buf_str(&b);
    assert_int_equal(strncmp(t, "# telltale: two lines\n", 22), 0);
    assert_int_equal(count(t, "# HELP telltale_scenario_last_status "), 1);
    assert_int_equal(count(t, "# TYPE telltale_scenario_last_status gauge\n"), 1);
    assert_int_equal(count(t, "# TYPE telltale_runs_total counter\n"), 1);
    /* name order: runs_total < scenario_last_status < scenario_last_success < serve_start */
    assert_true(strstr(t, "telltale_runs_total{") < strstr(t, "telltale_scenario_last_status{"));
    assert_true(strstr(t, "telltale_scenario_last_status{") < strstr(t, "telltale_scenario_last_success"));
    assert_true(strstr(t, "telltale_scenario_last_success") < strstr(t, "telltale_serve_start"));
    /* samples in label order, the first of a repeated series kept */
    assert_non_null(strstr(t, "telltale_scenario_last_status{scenario=\"alpha\"} 1\n"
                              "telltale_scenario_last_status{scenario=\"zeta\"} 0\n# HELP"));
    assert_non_null(strstr(t, "\ntelltale_runs_total{scenario=\"a\",result=\"passed\",kind=\"\"} 18446744073709551615\n"));
    assert_non_null(strstr(t, "\ntelltale_serve_start_timestamp_seconds 1764375943.500\n"));
    assert_non_null(strstr(t, "\ntelltale_scenario_last_success_timestamp_seconds{scenario=\"zeta\"} 17.250\n"));
    /* undeclared, unused families are not written */
    assert_null(strstr(t, "telltale_heartbeat"));
    assert_int_equal(t[b.len - 1], '\n');
    buf_free(&b);
    prom_free(p);
}

static void test_declared_empty(void **state) {
    struct prom *p = prom_new();
    struct buf b;
    (void)state;
    buf_init(&b, 0);
    prom_declare(p, PROM_ALERT_DELIVERIES);
    prom_format(p, &b);
    assert_string_equal(buf_str(&b), "# HELP telltale_alert_deliveries_total Alerts by route and outcome: delivered, "
                                     "or failed after every attempt.\n"
                                     "# TYPE telltale_alert_deliveries_total counter\n");
    buf_free(&b);
    prom_free(p);
}

static void test_label_values(void **state) {
    struct buf b, series;
    (void)state;
    buf_init(&b, 0);
    prom_write_label_value(&b, "a\\b\"c\nd");
    assert_string_equal(buf_str(&b), "\"a\\\\b\\\"c\\nd\"");
    buf_reset(&b);
    prom_write_label_value(&b, "ok \xc3\xa9 \xff end");
    assert_string_equal(buf_str(&b), "\"ok \xc3\xa9 \xef\xbf\xbd end\"");
    buf_reset(&b);
    prom_write_label_value(&b, NULL);
    assert_string_equal(buf_str(&b), "\"\"");
    buf_reset(&b);
    redact_add_secret("hunter2");
    prom_write_label_value(&b, "pw hunter2");
    assert_string_equal(buf_str(&b), "\"pw " REDACTED "\"");
    redact_reset();
    buf_init(&series, 0);
    prom_series(PROM_STEP_LAST_STATUS, (struct prom_label[]){{"scenario", "s"}, {"step", "x\"y"}}, 2, &series);
    assert_string_equal(buf_str(&series), "telltale_step_last_status{scenario=\"s\",step=\"x\\\"y\"}");
    buf_reset(&series);
    prom_series(PROM_RUN_TIMESTAMP, NULL, 0, &series);
    assert_string_equal(buf_str(&series), "telltale_run_timestamp_seconds");
    buf_free(&series);
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_families_sorted_once),
                                       cmocka_unit_test(test_declared_empty), cmocka_unit_test(test_label_values)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
