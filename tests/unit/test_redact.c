/* Unit tests: redaction of secrets, URL passwords and credential headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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


static void test_short_secret_is_a_whole_token(void **state) {
    (void)state;
    redact_add_secret("ab"); /* 1-2 bytes: honoured, as a whole token only */
    check("abc", "abc");
    check("x ab y", "x [REDACTED] y");
    redact_add_secret("1000");
    check("10000 attempts, 1000 left", "10000 attempts, [REDACTED] left");
    check("id=1000&n=%221000%22", "id=[REDACTED]&n=%22[REDACTED]%22"); /* after an escape, still a token */
    check("user_1000", "user_1000");
}

static void test_longest_match_wins(void **state) {
    (void)state;
    redact_add_secret("pw-abc");
    redact_add_secret("pw-abcdef");
    check("pw-abcdef and pw-abc and pw-abcde", "[REDACTED] and [REDACTED] and [REDACTED]de");
    redact_add_secret("bcd-xyz0");
    check("pw-abcd-xyz0", "[REDACTED]d-xyz0"); /* leftmost first */
}

static void test_encoded_spellings(void **state) {
    (void)state;
    redact_add_secret("p@ss w\"0rd/&'<x>");
    check("q=p%40ss%20w%220rd%2F%26%27%3Cx%3E", "q=[REDACTED]");
    check("q=p%40ss+w%220rd%2F%26%27%3Cx%3E", "q=[REDACTED]");
    check("q=p%40ss%20w%220rd%2f%26%27%3cx%3e", "q=[REDACTED]");
    check("<b>p@ss w&quot;0rd/&amp;&#39;&lt;x&gt;</b>", "<b>[REDACTED]</b>");
    check("<b>p@ss w&#34;0rd/&amp;&#39;&lt;x&gt;</b>", "<b>[REDACTED]</b>");
    check("<b>p@ss w&quot;0rd/&amp;&#x27;&lt;x&gt;</b>", "<b>[REDACTED]</b>");
    check("{\"pw\":\"p@ss w\\\"0rd\\/&'<x>\"}", "{\"pw\":\"[REDACTED]\"}");
    check("{\"pw\":\"p@ss w\\\"0rd/&'<x>\"}", "{\"pw\":\"[REDACTED]\"}");
}

static void test_basic_auth(void **state) {
    (void)state;
    redact_add_secret("Basic Y2FuYXJ5OnMzY3IzdC1wYTU1"); /* canary:s3cr3t-pa55, as a header registers it */
    check("auth=Basic Y2FuYXJ5OnMzY3IzdC1wYTU1", "auth=[REDACTED]");
    check("token Y2FuYXJ5OnMzY3IzdC1wYTU1 seen", "token [REDACTED] seen");
    check("password s3cr3t-pa55", "password [REDACTED]");
    redact_add_credentials("bob", "hunter22");
    check("Ym9iOmh1bnRlcjIy and hunter22", "[REDACTED] and [REDACTED]");
    /* a URL's password, once seen, is hidden in its Basic form too */
    check("GET http://al%40x:pa%2Fss9@host/", "GET http://al%40x:[REDACTED]@host/");
    check("auth=Basic YWxAeDpwYS9zczk=", "auth=Basic [REDACTED]");
}

static void test_cookies(void **state) {
    (void)state;
    const char *name = "UseCDNCache", *uid = "userID", *sess = "PHPSESSID", *sid = "connect.sid";
    redact_add_cookie(name, strlen(name), "false", 5);
    redact_add_cookie(uid, strlen(uid), "1000", 4);
    check("expected true, got false; user 1000", "expected true, got false; user 1000");
    check("Set-Cookie: UseCDNCache=false\nCookie: userID=1000\n", "Set-Cookie: [REDACTED]\nCookie: [REDACTED]\n");
    redact_add_cookie(sess, strlen(sess), "abc123", 6);
    redact_add_cookie(sid, strlen(sid), "\"s%3Aqq77\"", 10);
    redact_add_cookie("tracking", 8, "0123456789abcdefXYZ", 19); /* long enough to be a credential */
    redact_add_cookie("sidebar", 7, "collapsed", 9);
    check("abc123 s%3Aqq77 0123456789abcdefXYZ collapsed", "[REDACTED] [REDACTED] [REDACTED] collapsed");
    check("Added cookie UseCDNCache=\"false\" for domain x, path /, expire 0",
          "Added cookie UseCDNCache=\"[REDACTED]\" for domain x, path /, expire 0");
}

static void test_binary_text(void **state) {
    char *out;
    (void)state;
    redact_add_secret("hunter2");
    out = redact_textn("a\0hunter2\0b", 11);
    assert_memory_equal(out, "a\0[REDACTED]\0b", 15);
    free(out);
}

/* Secrets added between redactions (as a run adds one per scenario) give
 * the same result as a naive search, across automaton merges. */
static void test_many_secrets(void **state) {
    char text[64 * 40 + 1] = "", want[sizeof text * 2] = "", tok[16];
    (void)state;
    for (int i = 0; i < 3000; i++) {
        snprintf(tok, sizeof tok, "tok-%05d-x", i);
        redact_add_secret(tok);
        if (i % 97 == 0) {
            char line[64];
            snprintf(line, sizeof line, "%s, ", tok);
            strncat(text, line, sizeof text - strlen(text) - 1);
            strncat(want, "[REDACTED], ", sizeof want - strlen(want) - 1);
            check(text, want);
        }
    }
    check("tok-00001-x tok-02999-x tok-03000-x", "[REDACTED] [REDACTED] tok-03000-x");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_registered_secrets, reset),
        cmocka_unit_test_setup(test_url_password, reset),
        cmocka_unit_test_setup(test_headers, reset),
        cmocka_unit_test_setup(test_secret_names, reset),
        cmocka_unit_test_setup(test_short_secret_is_a_whole_token, reset),
        cmocka_unit_test_setup(test_longest_match_wins, reset),
        cmocka_unit_test_setup(test_encoded_spellings, reset),
        cmocka_unit_test_setup(test_basic_auth, reset),
        cmocka_unit_test_setup(test_cookies, reset),
        cmocka_unit_test_setup(test_binary_text, reset),
        cmocka_unit_test_setup(test_many_secrets, reset),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    redact_reset();
    return rc;
}
