/* Unit tests: byte sizes ("512k", "10M") for --max-body and max_body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "size.h"

static size_t parse_ok(const char *s) {
    size_t n = 1;
    assert_int_equal(size_parse(s, &n), 0);
    return n;
}

static void test_spellings(void **state) {
    (void)state;
    assert_int_equal(parse_ok("0"), 0);
    assert_int_equal(parse_ok("100"), 100);
    assert_int_equal(parse_ok("512k"), 512 * 1024);
    assert_int_equal(parse_ok("512K"), 512 * 1024);
    assert_int_equal(parse_ok("64kB"), 64 * 1024);
    assert_int_equal(parse_ok("10M"), 10 * 1024 * 1024);
    assert_int_equal(parse_ok("1.5m"), 3 * 512 * 1024);
    assert_int_equal(parse_ok("1G"), 1024UL * 1024 * 1024);
    assert_int_equal(parse_ok("7b"), 7);
}

static void test_refused(void **state) {
    size_t n = 42;
    (void)state;
    const char *bad[] = {"", "k", "-1", "10x", "10 M", "1MBs", "nan", "inf", "1e30G", NULL};
    for (const char **b = bad; *b; b++) assert_int_equal(size_parse(*b, &n), -1);
    assert_int_equal(size_parse(NULL, &n), -1);
    assert_int_equal(n, 42); /* untouched on failure */
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_spellings), cmocka_unit_test(test_refused)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
