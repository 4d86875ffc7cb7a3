/* Unit tests: the timer heap fires in deadline order, ties in start order,
 * and stopped timers never fire. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "loop.h"

static int fired[64];
static int nfired;

static void record(struct loop *loop, struct loop_timer *t) {
    (void)loop;
    fired[nfired++] = (int)(intptr_t)t->data;
}

static void test_order(void **state) {
    struct loop *loop = loop_new();
    struct loop_timer timers[40];
    uint64_t now = loop_now(loop);
    (void)state;
    nfired = 0;
    /* ids 0..39 with deadlines in a scrambled order; ids 30..39 tie at +5. */
    for (int i = 0; i < 40; i++) {
        loop_timer_init(&timers[i], record, (void *)(intptr_t)i);
        loop_timer_start(loop, &timers[i], now + (i < 30 ? (uint64_t)((i * 7) % 30) : 5));
    }
    loop_timer_stop(loop, &timers[3]);
    loop_timer_stop(loop, &timers[35]);
    assert_false(loop_timer_armed(&timers[3]));
    while (nfired < 38) assert_int_equal(loop_run_once(loop), 0);
    for (int i = 1; i < nfired; i++) {
        int a = fired[i - 1], b = fired[i];
        uint64_t da = timers[a].due_ms, db = timers[b].due_ms;
        assert_true(da < db || (da == db && timers[a].seq < timers[b].seq));
        assert_int_not_equal(b, 3);
        assert_int_not_equal(b, 35);
    }
    loop_free(loop);
}

static void test_restart(void **state) {
    struct loop *loop = loop_new();
    struct loop_timer a, b;
    uint64_t now = loop_now(loop);
    (void)state;
    nfired = 0;
    loop_timer_init(&a, record, (void *)1);
    loop_timer_init(&b, record, (void *)2);
    loop_timer_start(loop, &a, now);
    loop_timer_start(loop, &b, now + 1);
    loop_timer_start(loop, &a, now + 20); /* re-arming moves it, never duplicates it */
    while (nfired < 2) loop_run_once(loop);
    assert_int_equal(fired[0], 2);
    assert_int_equal(fired[1], 1);
    assert_true(loop_now(loop) >= now + 20);
    loop_free(loop);
}

/* Posts from other threads run on the loop thread, each once, in order. */
static struct loop_post posts[8];

static void posted(struct loop *loop, void *data) {
    (void)loop;
    fired[nfired++] = (int)(intptr_t)data;
}

static void *poster(void *arg) {
    struct loop *loop = arg;
    for (int i = 0; i < 8; i++) {
        posts[i].fn = posted;
        posts[i].data = (void *)(intptr_t)i;
        loop_post(loop, &posts[i]);
    }
    return NULL;
}

static void test_post(void **state) {
    struct loop *loop = loop_new();
    pthread_t thread;
    (void)state;
    nfired = 0;
    assert_int_equal(pthread_create(&thread, NULL, poster, loop), 0);
    while (nfired < 8) assert_int_equal(loop_run_once(loop), 0); /* blocks in epoll until woken */
    pthread_join(thread, NULL);
    for (int i = 0; i < 8; i++) assert_int_equal(fired[i], i);
    loop_free(loop);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_post),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
