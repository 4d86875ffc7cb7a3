/* Unit tests: redaction of secrets, URL passwords and credential headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "redact.h"

static void check(const char *in, const char *want) {
    char *out = redact_text(in);
    assert_string_equal(out, want);
    free(out);
}

static int reset(void **state) {
    (void)state;
    redact_reset();
    return 0;
}

static void test_registered_secrets(void **state) {
    (void)state;
    redact_add_secret("hunter2");
    check("password is hunter2, again hunter2.", "password is [REDACTED], again [REDACTED].");
    check("nothing here", "nothing here");
    redact_add_secret("ab"); /* too short to hide anything useful */
    check("abc", "abc");
}

static void test_url_password(void **state) {
    (void)state;
    check("GET http://bob:pw123@host/x failed", "GET http://bob:[REDACTED]@host/x failed");
    check("imaps://u%40x:p@ss@mail:993/", "imaps://u%40x:[REDACTED]@ss@mail:993/");
    check("http://host:8080/path", "http://host:8080/path");         /* a port, not a password */
    check("time 12:30 at home", "time 12:30 at home");
}

static void test_headers(void **state) {
    (void)state;
    check("Authorization: Bearer abc.def\nAccept: */*\n", "Authorization: [REDACTED]\nAccept: */*\n");
    check("cookie: a=1; b=2\r\n", "cookie: [REDACTED]\r\n");
    check("Set-Cookie: s=1\n", "Set-Cookie: [REDACTED]\n");
    check("X-Not-Auth: Authorization: x", "X-Not-Auth: Authorization: x"); /* only at line start */
}

static void test_secret_names(void **state) {
    (void)state;
    assert_true(redact_name_is_secret("API_PASSWORD"));
    assert_true(redact_name_is_secret("db_token"));
    assert_true(redact_name_is_secret("Authorization"));
    assert_false(redact_name_is_secret("BASE_URL"));
    assert_false(redact_name_is_secret("user"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_registered_secrets, reset),
        cmocka_unit_test_setup(test_url_password, reset),
        cmocka_unit_test_setup(test_headers, reset),
        cmocka_unit_test_setup(test_secret_names, reset),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    redact_reset();
    return rc;
}
