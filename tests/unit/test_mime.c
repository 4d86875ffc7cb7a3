/* Unit tests: e-mail decoding on the fixture messages in tests/unit/mime/:
 * quoted-printable links with soft line breaks, base64 in Latin-1,
 * windows-1252, RFC 2047 headers, nested multipart, attachments ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "failure.h"
#include "mime.h"

static void load(const char *name, struct mail_message *m) {
    char path[256], raw[65536];
    struct failure f = {0};
    size_t n;
    FILE *fp;
    snprintf(path, sizeof path, "tests/unit/mime/%s", name);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    n = fread(raw, 1, sizeof raw, fp);
    fclose(fp);
    assert_int_equal(mime_parse(raw, n, m, &f), 0);
}

static void test_quoted_printable(void **state) {
    struct mail_message m;
    (void)state;
    load("qp.eml", &m);
    assert_string_equal(m.subject, "Reset your password");
    assert_string_equal(m.from, "support@acme.test");
    assert_int_equal(m.to.len, 1);
    assert_string_equal(m.to.items[0], "canary+r1@example.test");
    assert_string_equal(m.message_id, "abc.123@acme.test");
    assert_null(m.html);
    assert_non_null(strstr(m.text, "Your code is 493817."));
    /* The soft line break and =3D inside the link are decoded away. */
    assert_int_equal(m.links.len, 1);
    assert_string_equal(m.links.items[0], "https://app.example.test/reset?token=abcdef0123456789&user=42");
    mime_message_free(&m);
}

static void test_alternative(void **state) {
    struct mail_message m;
    (void)state;
    load("alternative.eml", &m);
    assert_string_equal(m.subject, "Confirmez votre adresse \xE2\x9C\x93");
    assert_string_equal(m.from, "admin@acme.test");
    assert_int_equal(m.to.len, 2);
    assert_string_equal(m.to.items[0], "jane@example.test");
    assert_string_equal(m.to.items[1], "bob@example.test");
    assert_int_equal(m.cc.len, 1);
    assert_string_equal(m.cc.items[0], "carol@example.test");
    assert_non_null(strstr(m.text, "Bonjour Zo\xC3\xA9")); /* Latin-1 base64 → UTF-8 */
    assert_non_null(strstr(m.html, "<a href="));
    /* From the text (trailing '.' dropped), then the HTML's hrefs with
     * &amp; decoded; mailto: is not a web link. */
    assert_int_equal(m.links.len, 3);
    assert_string_equal(m.links.items[0], "https://app.example.test/confirm?t=XYZ");
    assert_string_equal(m.links.items[1], "https://app.example.test/confirm?t=XYZ&lang=fr");
    assert_string_equal(m.links.items[2], "http://other.test/x");
    mime_message_free(&m);
}

static void test_windows_1252(void **state) {
    struct mail_message m;
    (void)state;
    load("windows-1252.eml", &m);
    assert_string_equal(m.subject, "Re\xC3\xA7u de paiement");
    assert_non_null(strstr(m.text, "12 \xE2\x82\xAC \xE2\x80\x94 merci")); /* € and — */
    mime_message_free(&m);
}

static void test_nested(void **state) {
    struct mail_message m;
    (void)state;
    load("nested.eml", &m);
    assert_non_null(strstr(m.text, "Invoice 77"));
    assert_null(strstr(m.text, "NOT THE BODY"));
    assert_non_null(strstr(m.html, "invoices/77"));
    assert_int_equal(m.links.len, 1);
    assert_string_equal(m.links.items[0], "https://app.example.test/invoices/77");
    mime_message_free(&m);
}

static void test_headers_and_garbage(void **state) {
    struct mail_message m;
    struct failure f = {0};
    const char raw[] = "Subject: folded\r\n  over two lines\r\nX-Thing: 1\r\nX-Thing: 2\r\n\r\nbody\r\n";
    (void)state;
    assert_int_equal(mime_parse(raw, sizeof raw - 1, &m, &f), 0);
    assert_string_equal(m.subject, "folded over two lines");
    assert_int_equal(m.header_names.len, 3);
    assert_string_equal(m.header_names.items[2], "x-thing");
    assert_string_equal(m.header_values.items[2], "2");
    assert_string_equal(m.from, "");
    assert_non_null(m.text); /* no Content-Type: text/plain by default */
    mime_message_free(&m);
}

static void test_text_lf_and_html_links(void **state) {
    struct mail_message m;
    struct failure f = {0};
    const char raw[] = "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n"
                       "--b\r\nContent-Type: text/plain\r\n\r\nUsername:\r\ncanary\r\n"
                       "--b\r\nContent-Type: text/html\r\n\r\n"
                       "<link href=\"https://css.test/a.css\"><p data-href=\"https://data.test/\">x</p>"
                       "<A HREF=\" https://a.test/?x=1&amp;y=2 \">a</A><area href=\"https://area.test/\">"
                       "<a href=\"https://a.test/?x=1&amp;y=2\">again</a>\r\n--b--\r\n";
    (void)state;
    assert_int_equal(mime_parse(raw, sizeof raw - 1, &m, &f), 0);
    assert_string_equal(m.text, "Username:\ncanary"); /* the CRLF before --b is the delimiter's */
    assert_int_equal(m.links.len, 2);
    assert_string_equal(m.links.items[0], "https://a.test/?x=1&y=2");
    assert_string_equal(m.links.items[1], "https://area.test/");
    mime_message_free(&m);
}

static void test_depth_cap(void **state) {
    struct mail_message m;
    struct failure f = {0};
    char raw[8192];
    size_t n = 0;
    (void)state;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(raw + n, sizeof raw - n,
                              "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i);
    n += (size_t)snprintf(raw + n, sizeof raw - n, "Content-Type: text/plain\r\n\r\ndeep\r\n");
    for (int i = 39; i >= 0; i--) n += (size_t)snprintf(raw + n, sizeof raw - n, "\r\n--b%d--\r\n", i);
    assert_int_equal(mime_parse(raw, n, &m, &f), -1);
    assert_non_null(strstr(f.message, "nested deeper than 32"));
    mime_message_free(&m);
    failure_clear(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoted_printable), cmocka_unit_test(test_alternative),
        cmocka_unit_test(test_windows_1252),     cmocka_unit_test(test_nested),
        cmocka_unit_test(test_headers_and_garbage), cmocka_unit_test(test_text_lf_and_html_links),
        cmocka_unit_test(test_depth_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
