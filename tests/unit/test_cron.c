/* Unit tests: cron expressions and their next fire times (UTC). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "cron.h"

/* Seconds since the epoch for a UTC date and time. */
static time_t at(int y, int mon, int d, int h, int min) {
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = min;
    return timegm(&tm);
}

static time_t next(const char *expr, time_t after) {
    struct cron c;
    struct failure f = {0};
    if (cron_parse(expr, &c, &f) != 0) fail_msg("%s: %s", expr, f.message);
    return cron_next(&c, after, true);
}

static void parse_fails(const char *expr, const char *why) {
    struct cron c;
    struct failure f = {0};
    assert_int_equal(cron_parse(expr, &c, &f), -1);
    assert_int_equal(f.kind, FAILURE_SCRIPT);
    if (!strstr(f.message, why)) fail_msg("%s: error '%s' lacks '%s'", expr, f.message, why);
    failure_clear(&f);
}

static void test_every_minute(void **state) {
    (void)state;
    /* strictly after: a time on the minute moves to the next one */
    assert_int_equal(next("* * * * *", at(2026, 11, 29, 3, 0)), at(2026, 11, 29, 3, 1));
    assert_int_equal(next("* * * * *", at(2026, 11, 29, 3, 0) + 59), at(2026, 11, 29, 3, 1));
}

static void test_steps_ranges_lists(void **state) {
    (void)state;
    assert_int_equal(next("*/5 * * * *", at(2026, 11, 29, 3, 2)), at(2026, 11, 29, 3, 5));
    assert_int_equal(next("*/5 * * * *", at(2026, 11, 29, 3, 57)), at(2026, 11, 29, 4, 0));
    assert_int_equal(next("15,45 9-17 * * *", at(2026, 11, 29, 17, 46)), at(2026, 11, 30, 9, 15));
    assert_int_equal(next("0 10-20/5 * * *", at(2026, 11, 29, 15, 0)), at(2026, 11, 29, 20, 0));
    assert_int_equal(next("5/20 * * * *", at(2026, 11, 29, 3, 6)), at(2026, 11, 29, 3, 25));
}

static void test_days_months(void **state) {
    (void)state;
    /* 2026-11-29 is a Sunday */
    assert_int_equal(next("0 9 * * mon-fri", at(2026, 11, 28, 12, 0)), at(2026, 11, 30, 9, 0));
    assert_int_equal(next("0 0 * * 7", at(2026, 11, 29, 0, 0)), at(2026, 12, 6, 0, 0));
    assert_int_equal(next("0 0 1 jan *", at(2026, 11, 29, 0, 0)), at(2027, 1, 1, 0, 0));
    assert_int_equal(next("0 0 29 2 *", at(2026, 3, 1, 0, 0)), at(2028, 2, 29, 0, 0));
    assert_int_equal(next("0 0 31 * *", at(2026, 11, 1, 0, 0)), at(2026, 12, 31, 0, 0));
    /* both day fields restricted: either matches (Vixie cron) */
    assert_int_equal(next("0 0 15 * mon", at(2026, 11, 29, 0, 0)), at(2026, 11, 30, 0, 0));
    assert_int_equal(next("0 0 1 * sat", at(2026, 11, 29, 0, 0)), at(2026, 12, 1, 0, 0));
}

static void test_macros(void **state) {
    (void)state;
    assert_int_equal(next("@hourly", at(2026, 11, 29, 3, 7)), at(2026, 11, 29, 4, 0));
    assert_int_equal(next("@daily", at(2026, 11, 29, 3, 7)), at(2026, 11, 30, 0, 0));
    assert_int_equal(next("@weekly", at(2026, 11, 29, 3, 7)), at(2026, 12, 6, 0, 0));
    assert_int_equal(next("@monthly", at(2026, 11, 29, 3, 7)), at(2026, 12, 1, 0, 0));
    assert_int_equal(next("@yearly", at(2026, 11, 29, 3, 7)), at(2027, 1, 1, 0, 0));
}

static void test_never(void **state) {
    (void)state;
    assert_int_equal(next("0 0 30 2 *", at(2026, 1, 1, 0, 0)), -1);
}

static void test_errors(void **state) {
    (void)state;
    parse_fails("* * * *", "expected 5 fields");
    parse_fails("* * * * * *", "got more");
    parse_fails("60 * * * *", "minute: 60 is out of range 0-59");
    parse_fails("* 24 * * *", "hour: 24 is out of range");
    parse_fails("* * 0 * *", "day of month: 0 is out of range");
    parse_fails("* * * 13 *", "month: 13");
    parse_fails("* * * * 8", "day of week: 8");
    parse_fails("* * * foo *", "month: unknown name");
    parse_fails("*/0 * * * *", "bad step");
    parse_fails("5-1 * * * *", "goes backwards");
    parse_fails("1x * * * *", "unexpected 'x'");
    parse_fails("@often", "unknown cron macro");
    parse_fails("", "got 0");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_minute), cmocka_unit_test(test_steps_ranges_lists),
        cmocka_unit_test(test_days_months),  cmocka_unit_test(test_macros),
        cmocka_unit_test(test_never),        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
