/* Unit tests: duration parsing and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "duration.h"

static int64_t parse_ok(const char *s) {
    int64_t ms = -1;
    struct failure f = {0};
    assert_int_equal(duration_parse(s, &ms, &f), 0);
    assert_int_equal(f.kind, FAILURE_NONE);
    return ms;
}

static void parse_fails(const char *s, const char *why) {
    int64_t ms = -1;
    struct failure f = {0};
    assert_int_equal(duration_parse(s, &ms, &f), -1);
    assert_int_equal(f.kind, FAILURE_SCRIPT);
    assert_non_null(strstr(f.message, why));
    failure_clear(&f);
}

static void test_units(void **state) {
    (void)state;
    assert_int_equal(parse_ok("250ms"), 250);
    assert_int_equal(parse_ok("5s"), 5000);
    assert_int_equal(parse_ok("2m"), 120000);
    assert_int_equal(parse_ok("1h"), 3600000);
    assert_int_equal(parse_ok("1d"), 86400000);
    assert_int_equal(parse_ok("1.5s"), 1500);
    assert_int_equal(parse_ok("1m30s"), 90000);
    assert_int_equal(parse_ok(" 2 "), 2000); /* bare number: seconds */
    assert_int_equal(parse_ok("0"), 0);
}

static void test_errors(void **state) {
    (void)state;
    parse_fails("", "empty duration");
    parse_fails("5x", "unknown unit 'x'");
    parse_fails("-1s", "expected a number");
    parse_fails("1m30", "missing unit");
    parse_fails("abc", "expected a number");
    parse_fails("101d", "100-day maximum");
}

static void test_seconds(void **state) {
    int64_t ms;
    struct failure f = {0};
    (void)state;
    assert_int_equal(duration_from_seconds(0.25, &ms, &f), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(duration_from_seconds(-1, &ms, &f), -1);
    assert_non_null(strstr(f.message, "non-negative"));
    failure_clear(&f);
}

static void test_format(void **state) {
    char out[32];
    (void)state;
    duration_format(250, out, sizeof out);
    assert_string_equal(out, "250ms");
    duration_format(1500, out, sizeof out);
    assert_string_equal(out, "1.5s");
    duration_format(90000, out, sizeof out);
    assert_string_equal(out, "1m30s");
    duration_format(3 * 3600000 + 5 * 60000, out, sizeof out);
    assert_string_equal(out, "3h05m");
    duration_format(8LL * 86400000, out, sizeof out);
    assert_string_equal(out, "8 days");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_seconds),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
