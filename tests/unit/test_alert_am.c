/* Unit tests: the Alertmanager payload — labels (alertname per check,
 * unknown ones left out, the route's own after telltale's), annotations
 * (the run's facts, redacted, JSON-escaped), startsAt at the incident's
 * start and endsAt: re-posts ahead while firing, now on recovery — and the
 * `location` constant label on every Prometheus sample. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alert.h"
#include "buf.h"
#include "prom.h"
#include "redact.h"

#define T0 1764000000 /* 2025-11-24T16:00:00Z */

static void test_firing(void **state) {
    char team[] = "team", web[] = "web", name[] = "am";
    char *labels[] = {team, web, NULL};
    struct alert_route r = {.name = name, .type = ALERT_ALERTMANAGER, .labels = labels, .resend_ms = 60000};
    struct alert a = {.event = ALERT_FAILING,
                      .check = "scenario",
                      .name = "checkout",
                      .step = "pay",
                      .kind = "http",
                      .message = "said \"no\"\nwith token s3cr3t",
                      .run_id = "r1",
                      .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                      .since = T0,
                      .time = T0 + 30,
                      .location = "eu-1",
                      .instance = "canary-1"};
    struct buf b;
    (void)state;
    buf_init(&b, 0);
    redact_add_secret("s3cr3t");
    alert_format_alertmanager(&a, &r, &b);
    assert_string_equal(
        buf_str(&b),
        "[{\"labels\":{\"alertname\":\"TelltaleScenarioFailing\",\"scenario\":\"checkout\",\"step\":\"pay\","
        "\"kind\":\"http\",\"location\":\"eu-1\",\"instance\":\"canary-1\",\"team\":\"web\"},"
        "\"annotations\":{\"summary\":\"scenario checkout failing at step pay in eu-1\","
        "\"message\":\"said \\\"no\\\"\\nwith token " REDACTED "\",\"run_id\":\"r1\","
        "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\"},"
        "\"startsAt\":\"2025-11-24T16:00:00Z\",\"endsAt\":\"2025-11-24T16:04:30Z\"}]\n");
    redact_reset();
    buf_free(&b);
}

static void test_heartbeat_recovered(void **state) {
    char name[] = "am";
    struct alert_route r = {.name = name, .type = ALERT_ALERTMANAGER, .resend_ms = 60000};
    struct alert a = {.event = ALERT_RECOVERED, .check = "heartbeat", .name = "nightly", .kind = "missing",
                      .since = T0, .time = T0 + 600};
    struct buf b;
    (void)state;
    buf_init(&b, 0);
    alert_format_alertmanager(&a, &r, &b);
    assert_string_equal(buf_str(&b),
                        "[{\"labels\":{\"alertname\":\"TelltaleHeartbeatFailing\",\"heartbeat\":\"nightly\","
                        "\"kind\":\"missing\"},\"annotations\":{\"summary\":\"heartbeat nightly recovered\"},"
                        "\"startsAt\":\"2025-11-24T16:00:00Z\",\"endsAt\":\"2025-11-24T16:10:00Z\"}]\n");
    buf_free(&b);
}

static void test_location_label(void **state) {
    struct prom *p = prom_new();
    struct buf b;
    char err[200];
    (void)state;
    buf_init(&b, 0);
    prom_const_label(p, "location", "eu-1");
    prom_add_int(p, PROM_SCENARIO_LAST_STATUS, (struct prom_label[]){{"scenario", "s"}}, 1, 1);
    prom_add_int(p, PROM_SERVE_START, NULL, 0, 5);
    prom_format(p, &b);
    assert_non_null(strstr(buf_str(&b), "\ntelltale_scenario_last_status{scenario=\"s\",location=\"eu-1\"} 1\n"));
    assert_non_null(strstr(buf_str(&b), "\ntelltale_serve_start_timestamp_seconds{location=\"eu-1\"} 5\n"));
    assert_int_equal(prom_check_location("eu-1.a_b", err, sizeof err), 0);
    assert_int_equal(prom_check_location("", err, sizeof err), -1);
    assert_int_equal(prom_check_location("eu 1", err, sizeof err), -1);
    assert_non_null(strstr(err, "only letters"));
    prom_free(p);
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_firing), cmocka_unit_test(test_heartbeat_recovered),
                                       cmocka_unit_test(test_location_label)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
