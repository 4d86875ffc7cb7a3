/* Unit tests: serve's alert state machine on its own — the threshold,
 * re-notify, recovery, a pending alert across a restart (through the
 * state file), and the shutdown races: an outcome after the stop, a route
 * failing while stopping, a newer alert replacing one still in delivery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "alert_machine.h"
#include "failure.h"
#include "state.h"

static struct alert_decision fail_at(struct alert_machine *m, struct state_entry *e, int64_t now) {
    struct alert_outcome o = {.ok = false, .threshold = 3, .renotify_ms = 60000, .now = now, .step = "login",
                              .kind = "http", .message = "500", .run_id = "r1",
                              .trace_id = "0af7651916cd43dd8448eb211c80319c", .artifacts_url = "http://a/r1/"};
    return alert_machine_outcome(m, e, &o);
}

static struct alert_decision pass_at(struct alert_machine *m, struct state_entry *e, int64_t now) {
    struct alert_outcome o = {.ok = true, .threshold = 3, .renotify_ms = 60000, .now = now, .run_id = "r2"};
    return alert_machine_outcome(m, e, &o);
}

static void test_threshold(void **state) {
    struct alert_machine m = {0};
    struct state s = {0};
    struct state_entry *e = state_get(&s, "scenario:a");
    struct alert_decision d;
    (void)state;
    d = fail_at(&m, e, 100);
    assert_true(d.save && !d.send);
    d = fail_at(&m, e, 110);
    assert_false(d.send);
    assert_false(e->incident);
    d = fail_at(&m, e, 120);
    assert_true(d.send);
    assert_int_equal(d.event, ALERT_FAILING);
    assert_int_equal(d.failures, 3);
    assert_int_equal(d.since, 100); /* the first failure, not the alerting one */
    assert_true(e->incident);
    assert_int_equal(e->pending_event, ALERT_FAILING + 1);
    assert_string_equal(e->pending_kind, "http");
    assert_int_equal(e->pending_seq, d.seq);
    d = fail_at(&m, e, 130); /* still failing, before re-notify: quiet */
    assert_true(d.save && !d.send);
    /* A pass before the threshold resets the count: no alert then. */
    struct state_entry *b = state_get(&s, "scenario:b");
    fail_at(&m, b, 100);
    fail_at(&m, b, 110);
    d = pass_at(&m, b, 120);
    assert_false(d.send);
    d = fail_at(&m, b, 130);
    assert_false(d.send);
    assert_int_equal(b->consecutive, 1);
    assert_int_equal(b->incident_since, 130);
    state_free(&s);
}

static void test_renotify_and_recovery(void **state) {
    struct alert_machine m = {0};
    struct state s = {0};
    struct state_entry *e = state_get(&s, "heartbeat:h");
    struct alert_decision d;
    (void)state;
    for (int i = 0; i < 3; i++) d = fail_at(&m, e, 1000 + i);
    assert_int_equal(d.event, ALERT_FAILING);
    d = fail_at(&m, e, 1002 + 59);
    assert_false(d.send);
    d = fail_at(&m, e, 1002 + 60); /* renotify 60 s after the last alert */
    assert_true(d.send);
    assert_int_equal(d.event, ALERT_STILL_FAILING);
    assert_int_equal(d.failures, 5);
    assert_int_equal(d.since, 1000);
    d = fail_at(&m, e, 1062 + 30);
    assert_false(d.send); /* counts from the re-notify, not the first alert */
    d = pass_at(&m, e, 2000);
    assert_true(d.send);
    assert_int_equal(d.event, ALERT_RECOVERED);
    assert_int_equal(d.failures, 6);
    assert_int_equal(d.since, 1000);
    assert_null(e->pending_kind); /* a recovery carries no failure */
    assert_null(e->pending_message);
    assert_false(e->incident || e->failing);
    assert_int_equal(e->last_success, 2000);
    d = pass_at(&m, e, 2010); /* recovered once */
    assert_true(d.save && !d.send);
    /* renotify 0: never */
    struct state_entry *q = state_get(&s, "scenario:q");
    struct alert_outcome o = {.ok = false, .threshold = 1, .renotify_ms = 0, .now = 1};
    assert_true(alert_machine_outcome(&m, q, &o).send);
    o.now = 100000;
    assert_false(alert_machine_outcome(&m, q, &o).send);
    state_free(&s);
}

/* The incident's labels are its first failure's, whatever step fails
 * later; an incident from a state file without labels takes the next
 * failure's, once. */
static void test_incident_labels(void **state) {
    struct alert_machine m = {0};
    struct state s = {0};
    struct state_entry *e = state_get(&s, "scenario:a");
    struct alert_outcome later = {.ok = false, .threshold = 3, .now = 200, .step = "logout", .kind = "timeout"};
    (void)state;
    for (int i = 0; i < 3; i++) fail_at(&m, e, 100 + i);
    assert_string_equal(e->incident_step, "login");
    alert_machine_outcome(&m, e, &later);
    assert_string_equal(e->incident_step, "login");
    assert_string_equal(e->incident_kind, "http");
    state_set_incident_labels(e, NULL, NULL); /* as loaded from an older file */
    alert_machine_outcome(&m, e, &later);
    assert_string_equal(e->incident_step, "logout");
    assert_string_equal(e->incident_kind, "timeout");
    later.step = "other";
    alert_machine_outcome(&m, e, &later);
    assert_string_equal(e->incident_step, "logout");
    state_free(&s);
}

/* Decided, saved, not delivered (kill -9, or a stop): the next start sends
 * it again with what the state kept — and only once it is delivered is it
 * cleared. */
static void test_pending_across_restart(void **state) {
    char dir[] = "/tmp/tt-machine.XXXXXX", path[64];
    struct alert_machine m = {0}, m2 = {0};
    struct state s = {0}, back = {0};
    struct failure f = {0};
    struct alert_decision d;
    struct alert_tracking t;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/state.json", dir);
    struct state_entry *e = state_get(&s, "scenario:a");
    for (int i = 0; i < 3; i++) d = fail_at(&m, e, 500 + i);
    assert_true(d.send);
    assert_int_equal(state_save(path, &s, &f), 0); /* saved before the send; then the process dies */
    assert_int_equal(state_load(path, &back, &f), 0);
    e = state_find(&back, "scenario:a");
    d = alert_machine_resend(&m2, e);
    assert_true(d.send);
    assert_int_equal(d.event, ALERT_FAILING);
    assert_int_equal(d.failures, 3);
    assert_int_equal(d.since, 500);
    assert_string_equal(e->pending_step, "login");
    assert_string_equal(e->incident_step, "login"); /* Alertmanager's labels, kept */
    assert_string_equal(e->incident_kind, "http");
    assert_string_equal(e->pending_message, "500");
    assert_string_equal(e->pending_run_id, "r1");
    assert_string_equal(e->pending_trace_id, "0af7651916cd43dd8448eb211c80319c");
    assert_string_equal(e->pending_artifacts_url, "http://a/r1/");
    /* no re-alert of the open incident on the next failure */
    alert_machine_track(&t, d.seq, 2);
    assert_false(alert_machine_route_done(&m2, &t, true));
    assert_true(alert_machine_route_done(&m2, &t, true));
    assert_true(alert_machine_settle(&t, e));
    assert_int_equal(e->pending_event, 0);
    assert_false(alert_machine_resend(&m2, e).send);
    assert_false(fail_at(&m2, e, 510).send);
    state_free(&s);
    state_free(&back);
    remove(path);
    rmdir(dir);
}

static void test_shutdown_races(void **state) {
    struct alert_machine m = {0};
    struct state s = {0};
    struct state_entry *e = state_get(&s, "scenario:a");
    struct alert_decision d, newer;
    struct alert_tracking t, t2;
    (void)state;
    for (int i = 0; i < 3; i++) d = fail_at(&m, e, 10 + i);
    alert_machine_track(&t, d.seq, 2);
    /* A newer alert replaced it while it was still being delivered: the
     * old delivery finishing must not clear the new one. */
    newer = pass_at(&m, e, 20);
    assert_true(newer.send && newer.seq != d.seq);
    assert_false(alert_machine_route_done(&m, &t, true));
    assert_true(alert_machine_route_done(&m, &t, true));
    assert_false(alert_machine_settle(&t, e));
    assert_int_equal(e->pending_event, ALERT_RECOVERED + 1);
    /* A route failing because serve stops: kept for the next start. */
    alert_machine_track(&t2, newer.seq, 2);
    assert_false(alert_machine_route_done(&m, &t2, true));
    alert_machine_stop(&m);
    assert_true(alert_machine_route_done(&m, &t2, false));
    assert_false(alert_machine_settle(&t2, e));
    assert_int_equal(e->pending_event, ALERT_RECOVERED + 1);
    /* An outcome after the stop (a ping or a run reaped while stopping)
     * decides nothing and changes nothing. */
    int before = e->consecutive;
    d = fail_at(&m, e, 30);
    assert_false(d.save || d.send);
    assert_int_equal(e->consecutive, before);
    /* The check removed by a reload meanwhile: nothing to clear. */
    alert_machine_track(&t, 99, 1);
    assert_true(alert_machine_route_done(&m, &t, true));
    assert_false(alert_machine_settle(&t, NULL));
    state_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_renotify_and_recovery),
        cmocka_unit_test(test_pending_across_restart),
        cmocka_unit_test(test_incident_labels),
        cmocka_unit_test(test_shutdown_races),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
