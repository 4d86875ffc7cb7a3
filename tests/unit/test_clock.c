/* Unit tests: the clocks and the random source — the wall clock is Unix
 * time in ms, the monotonic one never goes back, random_below stays in
 * range and reaches every value, random_bytes differs between calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "clock.h"
#include "random.h"

static void test_clocks(void **state) {
    int64_t wall = clock_wall_ms(), now = (int64_t)time(NULL) * 1000;
    int64_t a = clock_mono_ms(), b;
    (void)state;
    assert_true(wall > now - 2000 && wall < now + 2000);
    for (int i = 0; i < 1000; i++) {
        b = clock_mono_ms();
        assert_true(b >= a);
        a = b;
    }
}

static void test_random(void **state) {
    unsigned char x[16], y[16];
    int seen[7] = {0};
    (void)state;
    random_bytes(x, sizeof x);
    random_bytes(y, sizeof y);
    assert_memory_not_equal(x, y, sizeof x);
    assert_int_equal(random_below(0), 0);
    assert_int_equal(random_below(1), 0);
    for (int i = 0; i < 2000; i++) {
        uint64_t v = random_below(7);
        assert_true(v < 7);
        seen[v]++;
    }
    for (int i = 0; i < 7; i++) assert_true(seen[i] > 0);
    assert_true(random_below(UINT64_MAX) < UINT64_MAX);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_clocks), cmocka_unit_test(test_random)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
