/* Unit tests: wrap's bookkeeping of output — only the end is kept, memory
 * stays bounded however much is written and in whatever pieces, the last
 * N lines come out whole, a cut character becomes U+FFFD. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "wrap_tail.h"

static void test_lines(void **state) {
    struct buf t, out;
    (void)state;
    buf_init(&t, 0);
    buf_init(&out, 0);
    wrap_tail_append(&t, "one\ntwo\n", 8);
    wrap_tail_append(&t, "three\n", 6);
    wrap_tail_text(&t, 2, &out);
    assert_string_equal(buf_str(&out), "two\nthree\n");
    buf_reset(&out);
    wrap_tail_text(&t, 10, &out);
    assert_string_equal(buf_str(&out), "one\ntwo\nthree\n");
    buf_reset(&out);
    wrap_tail_text(&t, 0, &out);
    assert_string_equal(buf_str(&out), "");
    buf_reset(&out);
    wrap_tail_append(&t, "no newline", 10);
    wrap_tail_text(&t, 1, &out);
    assert_string_equal(buf_str(&out), "no newline");
    buf_reset(&out);
    buf_reset(&t);
    wrap_tail_text(&t, 3, &out); /* nothing written */
    assert_string_equal(buf_str(&out), "");
    buf_free(&t);
    buf_free(&out);
}

static void test_bounded(void **state) {
    struct buf t, out;
    char line[64];
    (void)state;
    buf_init(&t, 0);
    buf_init(&out, 0);
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(line, sizeof line, "line %d\n", i);
        wrap_tail_append(&t, line, (size_t)n);
        assert_true(t.len <= 2 * WRAP_TAIL_CAP);
    }
    wrap_tail_text(&t, 2, &out);
    assert_string_equal(buf_str(&out), "line 99998\nline 99999\n");
    buf_reset(&out);
    wrap_tail_text(&t, 100000, &out); /* as many lines as fit in the cap */
    assert_true(out.len <= WRAP_TAIL_CAP);
    assert_non_null(strstr(buf_str(&out), "line 99999\n"));
    /* One piece larger than the cap: its end only. */
    static char big[3 * WRAP_TAIL_CAP];
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = '\n';
    wrap_tail_append(&t, big, sizeof big);
    assert_int_equal(t.len, WRAP_TAIL_CAP);
    buf_free(&t);
    buf_free(&out);
}

static void test_cut_character(void **state) {
    struct buf t, out;
    static char text[WRAP_TAIL_CAP + 1];
    (void)state;
    buf_init(&t, 0);
    buf_init(&out, 0);
    /* "é" (2 bytes) at the very front of a kept window of WRAP_TAIL_CAP + 1
     * bytes: the window cuts it in half. */
    text[0] = '\xc3';
    text[1] = '\xa9';
    memset(text + 2, 'a', sizeof text - 2);
    wrap_tail_append(&t, "z", 1);
    wrap_tail_append(&t, text, sizeof text - 1);
    wrap_tail_append(&t, "a", 1);
    wrap_tail_text(&t, 1, &out);
    assert_int_equal(strncmp(buf_str(&out), "\xef\xbf\xbd" "a", 4), 0);
    buf_free(&t);
    buf_free(&out);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_lines), cmocka_unit_test(test_bounded),
                                       cmocka_unit_test(test_cut_character)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
