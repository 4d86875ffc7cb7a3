/* Unit tests: cutting on character boundaries, capping with a note, and
 * the JSON string writer's replacement of invalid UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "json.h"
#include "utf8.h"

static void test_cut(void **state) {
    (void)state;
    assert_int_equal(utf8_cut("abc", 3, 10), 3);
    assert_int_equal(utf8_cut("ab\xc3\xa9", 4, 3), 2);          /* é split: cut before it */
    assert_int_equal(utf8_cut("ab\xc3\xa9", 4, 4), 4);          /* whole */
    assert_int_equal(utf8_cut("a\xe2\x82\xac", 4, 3), 1);       /* € split after 2 of 3 */
    assert_int_equal(utf8_cut("a\xe2\x82\xac" "b", 5, 4), 4);   /* € whole, cut before b */
    assert_int_equal(utf8_cut("\xf0\x9f\x98\x80" "x", 5, 2), 0); /* 4-byte emoji split */
    assert_int_equal(utf8_cut("ab\xff\xfe", 4, 3), 3);          /* invalid bytes are single */
}

static void test_capped(void **state) {
    struct buf b;
    char big[5000];
    (void)state;
    buf_init(&b, 0);
    utf8_append_capped(&b, "short \xff", 7, 100);
    assert_string_equal(buf_str(&b), "short \xef\xbf\xbd");
    buf_reset(&b);
    memset(big, 'x', sizeof big);
    utf8_append_capped(&b, big, sizeof big, 4096);
    assert_true(b.len <= 4096);
    assert_non_null(strstr(buf_str(&b), "x\xe2\x80\xa6 (5000 bytes, cut)"));
    { /* capping again keeps the first note */
        struct buf again;
        buf_init(&again, 0);
        utf8_append_capped(&again, b.data, b.len, 4096);
        assert_string_equal(buf_str(&again), buf_str(&b));
        buf_free(&again);
    }
    buf_free(&b);
}

static void test_json_invalid_utf8(void **state) {
    struct buf b;
    (void)state;
    buf_init(&b, 0);
    json_write_string(&b, "ok \xc3\xa9 bad \xff \xc3 \xed\xa0\x80 end", 21);
    assert_string_equal(buf_str(&b), "\"ok \xc3\xa9 bad \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end\"");
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_capped),
        cmocka_unit_test(test_json_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
