/* Unit tests: serve's schedule arithmetic — `every` without drift and
 * restarting from now after a stall, cron slots in order, a timer firing
 * a few ms early not making the same cron slot due twice, a cron
 * expression that never fires again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "cron.h"
#include "serve_schedule.h"

#define T0 1764374400000LL /* 2025-11-29 00:00:00 UTC */

static void test_every(void **state) {
    struct serve_scenario_conf c = {.every_ms = 60000};
    (void)state;
    int64_t base = serve_schedule_first_base(&c, T0);
    assert_int_equal(serve_schedule_next(&c, base), T0); /* the first start: at once */
    /* Fired 40 ms late: the next counts from the due time, not from now. */
    base = serve_schedule_rebase(&c, T0, T0 + 40);
    assert_int_equal(serve_schedule_next(&c, base), T0 + 60000);
    /* A stall past a whole period: from now, no burst of catch-up runs. */
    base = serve_schedule_rebase(&c, T0, T0 + 60000 + 5);
    assert_int_equal(serve_schedule_next(&c, base), T0 + 120005);
}

static void test_cron(void **state) {
    struct serve_scenario_conf c = {.has_cron = true};
    struct failure f = {0};
    (void)state;
    assert_int_equal(cron_parse("*/5 * * * *", &c.cron, &f), 0);
    int64_t base = serve_schedule_first_base(&c, T0 + 61000); /* 00:01:01 */
    assert_int_equal(serve_schedule_next(&c, base), T0 + 5 * 60000);
    /* The timer for 00:05 fires 3 ms early: the next slot is 00:10, not
     * 00:05 again. */
    base = serve_schedule_rebase(&c, T0 + 5 * 60000, T0 + 5 * 60000 - 3);
    assert_int_equal(serve_schedule_next(&c, base), T0 + 10 * 60000);
    /* Late by two minutes: still the slot after the one due. */
    base = serve_schedule_rebase(&c, T0 + 5 * 60000, T0 + 7 * 60000);
    assert_int_equal(serve_schedule_next(&c, base), T0 + 10 * 60000);
    /* 30 February: never. */
    assert_int_equal(cron_parse("0 0 30 2 *", &c.cron, &f), 0);
    assert_int_equal(serve_schedule_next(&c, T0), SERVE_SCHEDULE_NEVER);
}

int main(void) {
    setenv("TZ", "UTC", 1); /* cron is local time */
    tzset();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every), cmocka_unit_test(test_cron)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
