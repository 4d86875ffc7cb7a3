/* serve_http.h — serve's HTTP endpoints on libmicrohttpd, in its own thread:
 *
 *   GET /metrics                     the exposition serve last published
 *   GET /health                      200 "ok", or 503 naming what is stalled
 *   GET|POST /ping/NAME[/start|/fail]  a heartbeat ping (404 for an unknown NAME)
 *
 * The HTTP thread never touches the scheduler's state: it reads what the
 * loop thread published under serve->mu, and hands pings to the loop
 * thread with loop_post. */
#ifndef TELLTALE_SERVE_HTTP_H
#define TELLTALE_SERVE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

struct serve;
struct serve_http;

enum serve_ping_type { PING_SUCCESS, PING_START, PING_FAIL };

/* A ping on its way to the loop thread; the loop-thread callback given to
 * serve_http_start receives it as data and frees it with free(). */
struct serve_ping {
    struct loop_post post;
    struct serve *serve;
    enum serve_ping_type type;
    int64_t at_ms; /* Unix ms it arrived */
    char name[128];
    size_t body_len; /* the POST body (wrap's JSON: exit code, output tail), */
    char body[];     /* at most SERVE_PING_BODY_CAP bytes, NUL-terminated */
};

#define SERVE_PING_BODY_CAP (32 * 1024)

/* Listen on addr ("127.0.0.1:9464", "[::1]:9464", port 0 for any free
 * port).  Returns NULL with a message in err.  *port gets the bound port. */
struct serve_http *serve_http_start(struct serve *s, const char *addr, loop_async_fn *on_ping, int *port, char *err,
                                    size_t errlen);
/* Stop the thread and close the socket. */
void serve_http_stop(struct serve_http *h);

#endif
