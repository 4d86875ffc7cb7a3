/* Unit tests: --var and --vars-file parsing (vars.c): .env lines with
 * comments, export and quotes; JSON objects; every malformed input refused
 * with a message, never misread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vars.h"

static char *write_temp(const char *suffix, const char *text, size_t len) {
    char *path = malloc(64);
    snprintf(path, 64, "/tmp/test_vars.%d%s", (int)getpid(), suffix);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fwrite(text, 1, len, fp);
    fclose(fp);
    return path;
}

/* Parse text as a vars file named with suffix: 0 and the list, or -1 and
 * the message (which must contain want_error). */
static void parse(const char *suffix, const char *text, size_t len, const char *const *want, const char *want_error) {
    struct strlist vars = {0};
    struct failure f = {0};
    char *path = write_temp(suffix, text, len);
    int rc = vars_add_file(&vars, path, &f);
    if (want_error) {
        assert_int_equal(rc, -1);
        assert_non_null(strstr(f.message, want_error));
    } else {
        assert_int_equal(rc, 0);
        size_t n = 0;
        while (want[n]) n++;
        assert_int_equal(vars.len, n);
        for (size_t i = 0; i < n; i++) assert_string_equal(vars.items[i], want[i]);
    }
    unlink(path);
    free(path);
    failure_clear(&f);
    strlist_free(&vars);
}

static void test_env(void **state) {
    (void)state;
    const char *text = "# a comment\n\nexport A=1\nB = 2\nC=\"quoted value\"\r\nD='single'\nE=a=b\n";
    const char *const want[] = {"A=1", "C=quoted value", "D=single", "E=a=b", NULL};
    parse(".env", "A=1\n", 4, (const char *const[]){"A=1", NULL}, NULL);
    parse(".env", text, strlen(text), want, "expected NAME=VALUE"); /* "B = 2": a space in the name */
    const char *ok = "# a comment\n\nexport A=1\nC=\"quoted value\"\r\nD='single'\nE=a=b\n";
    parse(".env", ok, strlen(ok), want, NULL);
}

static void test_env_refused(void **state) {
    (void)state;
    parse(".env", "1A=x\n", 5, NULL, ":1: expected NAME=VALUE");
    parse(".env", "A=1\nnot a line\n", 15, NULL, ":2: expected NAME=VALUE");
    parse(".env", "A=1\0B=2\n", 8, NULL, "contains a NUL byte");
}

static void test_json(void **state) {
    (void)state;
    const char *text = "{\"A\": \"x\", \"N\": 3, \"T\": true}";
    struct strlist vars = {0};
    struct failure f = {0};
    char *path = write_temp(".json", text, strlen(text));
    assert_int_equal(vars_add_file(&vars, path, &f), 0);
    assert_int_equal(vars.len, 3); /* object order is not kept: look each up */
    int seen = 0;
    for (size_t i = 0; i < vars.len; i++)
        seen += !strcmp(vars.items[i], "A=x") + !strcmp(vars.items[i], "N=3") + !strcmp(vars.items[i], "T=true");
    assert_int_equal(seen, 3);
    unlink(path);
    free(path);
    strlist_free(&vars);
    parse(".json", "[1, 2]", 6, NULL, "expected a JSON object");
    parse(".json", "{\"A\": ", 6, NULL, "invalid JSON");
    parse(".json", "{\"A=B\": \"x\"}", 12, NULL, "'A=B' is not a name");
    parse(".json", "{\"A\": {\"b\": 1}}", 15, NULL, "values must be strings, numbers or booleans");
}

static void test_var_flag(void **state) {
    (void)state;
    struct strlist vars = {0};
    struct failure f = {0};
    assert_int_equal(vars_add(&vars, "NAME=a=b", &f), 0);
    assert_string_equal(vars.items[0], "NAME=a=b");
    assert_int_equal(vars_add(&vars, "NOEQUALS", &f), -1);
    assert_non_null(strstr(f.message, "invalid --var 'NOEQUALS'"));
    failure_clear(&f);
    assert_int_equal(vars_add(&vars, "=x", &f), -1);
    failure_clear(&f);
    strlist_free(&vars);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_env_refused),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_var_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
