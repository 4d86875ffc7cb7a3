/* Unit tests: the OAuth pieces that need no server — JSON members of token
 * endpoint answers, the SASL initial responses, error challenges decoded,
 * the mechanism choice and token_url rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mailwire.h"
#include "oauth.h"

static char *field(const char *json, const char *name) {
    struct buf out;
    buf_init(&out, 0);
    if (!oauth_json_field(json, strlen(json), name, &out)) {
        buf_free(&out);
        return NULL;
    }
    return buf_take(&out);
}

static void expect_field(const char *json, const char *name, const char *want) {
    char *got = field(json, name);
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_json_fields(void **state) {
    (void)state;
    const char *answer = "{ \"scope\": [\"a\", {\"access_token\": \"nested\"}], \"access_token\" : \"ya29.a\\\"b\\u0041\","
                         "\"expires_in\":3599, \"ok\": true, \"token_type\":\"Bearer\" }";
    expect_field(answer, "access_token", "ya29.a\"bA");
    expect_field(answer, "expires_in", "3599");
    expect_field(answer, "ok", "true");
    expect_field(answer, "token_type", "Bearer");
    expect_field(answer, "scope", NULL); /* arrays are skipped, not returned */
    expect_field(answer, "missing", NULL);
    expect_field("[\"access_token\", \"x\"]", "access_token", NULL);
    expect_field("{\"access_token\": \"unclosed", "access_token", NULL);
    expect_field("", "error", NULL);
    expect_field("{\"error\":\"invalid_grant\",\"error_description\":\"Bad Request\"}", "error_description",
                 "Bad Request");
}

static void test_sasl_initial(void **state) {
    (void)state;
    char *x = mailwire_sasl_initial(MAIL_SASL_XOAUTH2, "someuser@example.com", "imap.gmail.com", 993, "ya29.vF9dft4");
    /* Google's documented example for this user and token. */
    assert_string_equal(x, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDQBAQ==");
    free(x);
    char *b = mailwire_sasl_initial(MAIL_SASL_OAUTHBEARER, "user@example.com", "server.example.com", 143,
                                    "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
    /* RFC 7628 section 4.1. */
    assert_string_equal(b, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVy"
                           "IHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB");
    free(b);
}

static void test_sasl_error_and_choice(void **state) {
    struct buf out;
    (void)state;
    buf_init(&out, 0);
    /* {"status":"401","schemes":"bearer","scope":"https://mail.google.com/"} */
    const char *challenge = "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==";
    mailwire_sasl_error(challenge, strlen(challenge), &out);
    assert_string_equal(buf_str(&out), "status 401, schemes bearer, scope https://mail.google.com/");
    buf_reset(&out);
    mailwire_sasl_error("not base64 json", 15, &out);
    assert_string_equal(buf_str(&out), "not base64 json");
    buf_free(&out);
    assert_int_equal(mailwire_sasl_choose(MAIL_SASL_AUTO, true, true), MAIL_SASL_OAUTHBEARER);
    assert_int_equal(mailwire_sasl_choose(MAIL_SASL_AUTO, false, true), MAIL_SASL_XOAUTH2);
    assert_int_equal(mailwire_sasl_choose(MAIL_SASL_AUTO, false, false), MAIL_SASL_AUTO);
    assert_int_equal(mailwire_sasl_choose(MAIL_SASL_XOAUTH2, true, false), MAIL_SASL_XOAUTH2);
}

static void test_token_url_rules(void **state) {
    char why[300];
    struct oauth_config c = {.grant = OAUTH_GRANT_REFRESH_TOKEN, .client_id = "id", .refresh_token = "rt"};
    (void)state;
    c.token_url = "https://oauth2.googleapis.com/token";
    assert_null(oauth_config_problem(&c, why, sizeof why));
    c.token_url = "http://127.0.0.1:8080/token";
    assert_null(oauth_config_problem(&c, why, sizeof why));
    c.token_url = "http://[::1]:8080/token";
    assert_null(oauth_config_problem(&c, why, sizeof why));
    c.token_url = "http://idp.example.test/token";
    assert_non_null(oauth_config_problem(&c, why, sizeof why));
    c.insecure = true;
    assert_null(oauth_config_problem(&c, why, sizeof why));
    c.token_url = "ftp://idp.example.test/token";
    assert_non_null(oauth_config_problem(&c, why, sizeof why));
    c.token_url = NULL;
    assert_non_null(oauth_config_problem(&c, why, sizeof why));
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_json_fields), cmocka_unit_test(test_sasl_initial),
                                       cmocka_unit_test(test_sasl_error_and_choice),
                                       cmocka_unit_test(test_token_url_rules)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
