/* loop.h — the one event loop: epoll for file descriptors, a min-heap of
 * timers on the monotonic clock, and an async wake-up for worker threads.
 *
 * Everything in telltale that waits goes through here.  Watchers and timers
 * are intrusive: the caller owns the struct and must keep it alive while it
 * is registered.  "Now" is read once per iteration (loop_now), so all timers
 * due in one iteration see the same clock. */
#ifndef TELLTALE_LOOP_H
#define TELLTALE_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

enum { LOOP_READ = 1, LOOP_WRITE = 2, LOOP_ERROR = 4 };

struct loop_io;
typedef void loop_io_fn(struct loop *loop, struct loop_io *io, unsigned events);
struct loop_io {
    int fd;
    unsigned events; /* LOOP_READ | LOOP_WRITE currently watched; 0 = not registered */
    loop_io_fn *fn;
    void *data;
};

struct loop_timer;
typedef void loop_timer_fn(struct loop *loop, struct loop_timer *timer);
struct loop_timer {
    uint64_t due_ms;   /* monotonic ms */
    uint64_t seq;      /* start order: equal deadlines fire first-armed first */
    size_t heap_index; /* position in the heap; SIZE_MAX when not armed */
    loop_timer_fn *fn;
    void *data;
};

struct loop *loop_new(void);
void loop_free(struct loop *loop);

/* Monotonic milliseconds, cached for this iteration. */
uint64_t loop_now(const struct loop *loop);
/* Monotonic milliseconds read from the clock right now. */
uint64_t loop_clock_ms(void);
/* Re-read the clock into the cache (after long synchronous work). */
void loop_update_time(struct loop *loop);

/* Watch io->fd for events (LOOP_READ/LOOP_WRITE); events = 0 unregisters.
 * Returns 0 or -1 with errno. */
int loop_io_set(struct loop *loop, struct loop_io *io, unsigned events);

void loop_timer_init(struct loop_timer *timer, loop_timer_fn *fn, void *data);
/* (Re)arm a timer to fire once at due_ms (monotonic; clamped to now). */
void loop_timer_start(struct loop *loop, struct loop_timer *timer, uint64_t due_ms);
void loop_timer_stop(struct loop *loop, struct loop_timer *timer);
bool loop_timer_armed(const struct loop_timer *timer);

/* Run post->fn(loop, post->data) once on the loop thread; safe to call from
 * any thread (this is how worker threads hand results over).  The node is
 * intrusive: the poster keeps it alive until the callback runs, and posts
 * it again only after that.  Posts run in order. */
typedef void loop_async_fn(struct loop *loop, void *data);
struct loop_post {
    loop_async_fn *fn;
    void *data;
    struct loop_post *next;
};
void loop_post(struct loop *loop, struct loop_post *post);
/* Take a post back before its callback ran (its owner is going away);
 * no-op when it is not queued. */
void loop_unpost(struct loop *loop, struct loop_post *post);

/* Run one iteration: wait for at most the nearest timer, dispatch events and
 * due timers.  Returns -1 only if epoll itself fails. */
int loop_run_once(struct loop *loop);

#endif
