/* Unit tests: what a page makes of DevTools events (browser_page.c) —
 * notes and their fail_on, the request list, lifecycle events — fed the
 * messages Chromium 156 sends, without a browser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lauxlib.h>
#include <string.h>

#include "browser.h"
#include "browser_page.h"

static lua_State *J;

static void feed(struct browser_page *p, const char *json) {
    struct msg m = {0};
    browser_msg_parse(J, json, strlen(json), &m);
    assert_non_null(m.method);
    browser_page_event(p, &m);
    browser_msg_free(&m);
}

static char *notes(struct browser_page *p) {
    static char out[4096];
    struct strlist l = {0};
    browser_take_notes(p, &l);
    out[0] = '\0';
    for (size_t i = 0; i < l.len; i++) {
        strncat(out, l.items[i], sizeof out - strlen(out) - 2);
        strncat(out, "\n", sizeof out - strlen(out) - 1);
    }
    strlist_free(&l);
    return out;
}

static void test_resources(void **state) {
    struct browser_page *p = browser_page_new(BROWSER_FAIL_RESOURCE, NULL);
    struct buf list;
    (void)state;
    feed(p, "{\"method\":\"Network.requestWillBeSent\",\"params\":{\"requestId\":\"7.1\",\"request\":{\"method\":\"GET\","
            "\"url\":\"http://h/app.js\"},\"type\":\"Script\",\"timestamp\":10.0}}");
    feed(p, "{\"method\":\"Network.responseReceived\",\"params\":{\"requestId\":\"7.1\",\"response\":{\"status\":404,"
            "\"url\":\"http://h/app.js\"},\"type\":\"Script\"}}");
    feed(p, "{\"method\":\"Network.loadingFinished\",\"params\":{\"requestId\":\"7.1\",\"timestamp\":10.25}}");
    /* The browser's own icon request is not the page's problem. */
    feed(p, "{\"method\":\"Network.requestWillBeSent\",\"params\":{\"requestId\":\"8\",\"request\":{\"method\":\"GET\","
            "\"url\":\"http://h/favicon.ico\"},\"type\":\"Other\",\"timestamp\":11}}");
    feed(p, "{\"method\":\"Network.responseReceived\",\"params\":{\"requestId\":\"8\",\"response\":{\"status\":404}}}");
    /* A request cancelled by a navigation is no failure either. */
    feed(p, "{\"method\":\"Network.requestWillBeSent\",\"params\":{\"requestId\":\"9\",\"request\":{\"method\":\"POST\","
            "\"url\":\"http://h/api\"},\"type\":\"Fetch\",\"timestamp\":12}}");
    feed(p, "{\"method\":\"Network.loadingFailed\",\"params\":{\"requestId\":\"9\",\"errorText\":\"net::ERR_ABORTED\","
            "\"canceled\":true,\"type\":\"Fetch\",\"timestamp\":12.5}}");
    assert_string_equal(notes(p), "resource: GET http://h/app.js returned 404 (Script)\n");
    assert_int_equal(browser_request_status(p, "7.1"), 404);
    assert_int_equal(browser_request_status(p, "nope"), 0);
    buf_init(&list, 0);
    browser_requests(p, &list);
    assert_string_equal(buf_str(&list), "GET 404 250ms Script http://h/app.js\n"
                                        "GET 404 - Other http://h/favicon.ico\n"
                                        "POST net::ERR_ABORTED 500ms Fetch http://h/api\n");
    buf_free(&list);
    assert_true(browser_note_fails(p, "resource: x"));
    assert_false(browser_note_fails(p, "js_error: x"));
    browser_page_free(p);
}

static void test_js_errors(void **state) {
    struct browser_page *p = browser_page_new(BROWSER_FAIL_JS, NULL);
    struct buf console;
    (void)state;
    feed(p, "{\"method\":\"Runtime.exceptionThrown\",\"params\":{\"exceptionDetails\":{\"text\":\"Uncaught\","
            "\"lineNumber\":6,\"url\":\"http://h/app.js\",\"exception\":{\"description\":\"TypeError: x is not a "
            "function\\n    at http://h/app.js:7:3\"}}}}");
    feed(p, "{\"method\":\"Runtime.consoleAPICalled\",\"params\":{\"type\":\"error\",\"args\":[{\"type\":\"string\","
            "\"value\":\"sign-up failed:\"},{\"type\":\"object\",\"description\":\"Error: 500\"}]}}");
    feed(p, "{\"method\":\"Runtime.consoleAPICalled\",\"params\":{\"type\":\"log\",\"args\":[{\"value\":42}]}}");
    feed(p, "{\"method\":\"Log.entryAdded\",\"params\":{\"entry\":{\"source\":\"security\",\"level\":\"error\","
            "\"text\":\"Connecting to 'http://h/api' violates the following Content Security Policy directive\"}}}");
    feed(p, "{\"method\":\"Log.entryAdded\",\"params\":{\"entry\":{\"source\":\"network\",\"level\":\"error\","
            "\"text\":\"Failed to load resource\"}}}");
    assert_string_equal(notes(p), "js_error: uncaught exception: TypeError: x is not a function (http://h/app.js:7)\n"
                                  "js_error: console.error: sign-up failed: Error: 500\n"
                                  "resource: Connecting to 'http://h/api' violates the following Content Security "
                                  "Policy directive\n");
    assert_string_equal(notes(p), ""); /* taken */
    buf_init(&console, 0);
    browser_console(p, &console);
    assert_non_null(strstr(buf_str(&console), "[log] 42\n"));
    assert_non_null(strstr(buf_str(&console), "[exception] TypeError: x is not a function (http://h/app.js:7)\n"));
    buf_free(&console);
    browser_page_free(p);
}

static void test_lifecycle(void **state) {
    struct browser_page *p = browser_page_new(0, NULL);
    (void)state;
    assert_false(browser_seen(p, "L1", "load"));
    feed(p, "{\"method\":\"Page.lifecycleEvent\",\"params\":{\"frameId\":\"F\",\"loaderId\":\"L1\","
            "\"name\":\"DOMContentLoaded\"}}");
    assert_true(browser_seen(p, "L1", "DOMContentLoaded"));
    assert_false(browser_seen(p, "L1", "load"));
    feed(p, "{\"method\":\"Page.lifecycleEvent\",\"params\":{\"frameId\":\"F\",\"loaderId\":\"L1\",\"name\":\"load\"}}");
    assert_true(browser_seen(p, "L1", "load"));
    assert_false(browser_seen(p, "L2", "load"));
    assert_false(browser_seen(p, "L1", "networkIdle"));
    browser_page_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_js_errors),
        cmocka_unit_test(test_lifecycle),
    };
    int rc;
    J = luaL_newstate();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    lua_close(J);
    browser_shutdown();
    return rc;
}
