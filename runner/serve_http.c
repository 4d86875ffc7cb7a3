/* serve_http.c — /metrics, /health and /ping over libmicrohttpd; see
 * serve_http.h. */
#include "serve_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "clock.h"
#include "serve_state.h"
#include "xalloc.h"

#define LOOP_STALL_MS 15000 /* the loop ticks every second: 15 s without one is a stall */

struct serve_http {
    struct MHD_Daemon *daemon;
    struct serve *serve;
    loop_async_fn *on_ping;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, const char *body,
                             size_t len) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc;
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *body) {
    return reply(c, status, "text/plain; charset=utf-8", body, strlen(body));
}

static enum MHD_Result get_metrics(struct serve_http *h, struct MHD_Connection *c) {
    struct serve *s = h->serve;
    enum MHD_Result rc;
    pthread_mutex_lock(&s->mu);
    rc = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", buf_str(&s->metrics_text),
               s->metrics_text.len);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static enum MHD_Result get_health(struct serve_http *h, struct MHD_Connection *c) {
    struct serve *s = h->serve;
    char msg[1200];
    int64_t now = clock_wall_ms();
    unsigned status = MHD_HTTP_OK;
    pthread_mutex_lock(&s->mu);
    if (now - s->last_loop_ms > LOOP_STALL_MS) {
        snprintf(msg, sizeof msg, "stalled: the scheduler loop last ran %lld s ago\n",
                 (long long)((now - s->last_loop_ms) / 1000));
        status = MHD_HTTP_SERVICE_UNAVAILABLE;
    } else if (s->health_problem) {
        snprintf(msg, sizeof msg, "stalled: %s\n", s->health_problem);
        status = MHD_HTTP_SERVICE_UNAVAILABLE;
    } else {
        snprintf(msg, sizeof msg, "ok\n");
    }
    pthread_mutex_unlock(&s->mu);
    return text(c, status, msg);
}

static enum MHD_Result ping(struct serve_http *h, struct MHD_Connection *c, const char *rest, const struct buf *body) {
    struct serve *s = h->serve;
    enum serve_ping_type type = PING_SUCCESS;
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    bool known = false;

    if (slash && strcmp(slash, "/start") == 0)
        type = PING_START;
    else if (slash && strcmp(slash, "/fail") == 0)
        type = PING_FAIL;
    else if (slash && slash[1] != '\0')
        return text(c, MHD_HTTP_NOT_FOUND, "expected /ping/NAME, /ping/NAME/start or /ping/NAME/fail\n");
    if (n == 0 || n >= sizeof((struct serve_ping *)0)->name) return text(c, MHD_HTTP_NOT_FOUND, "no such heartbeat\n");
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n_hb_names && !known; i++)
        known = strlen(s->hb_names[i]) == n && memcmp(s->hb_names[i], rest, n) == 0;
    pthread_mutex_unlock(&s->mu);
    if (!known) return text(c, MHD_HTTP_NOT_FOUND, "no such heartbeat (declare it in the config's heartbeats)\n");

    struct serve_ping *p = xcalloc(1, sizeof *p + body->len + 1);
    memcpy(p->body, buf_str(body), body->len);
    p->body_len = body->len;
    p->serve = s;
    p->type = type;
    p->at_ms = clock_wall_ms();
    memcpy(p->name, rest, n);
    p->post.fn = h->on_ping;
    p->post.data = p;
    loop_post(s->loop, &p->post);
    return text(c, MHD_HTTP_OK, "OK\n");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    struct serve_http *h = cls;
    struct buf *body = *con_cls;
    (void)version;
    if (!body) { /* headers only so far: wait for the body, if any */
        body = xcalloc(1, sizeof *body);
        buf_init(body, SERVE_PING_BODY_CAP);
        *con_cls = body;
        return MHD_YES;
    }
    if (*upload_size) { /* a fail ping's body says why (wrap's JSON); past the cap it is cut */
        buf_append(body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (strncmp(url, "/ping/", 6) == 0) {
        if (!get && strcmp(method, "POST") != 0) return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET or POST\n");
        return ping(h, c, url + 6, body);
    }
    if (!get) return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET\n");
    if (strcmp(url, "/metrics") == 0) return get_metrics(h, c);
    if (strcmp(url, "/health") == 0) return get_health(h, c);
    return text(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics, /health, /ping/NAME\n");
}

static int parse_addr(const char *addr, struct sockaddr_storage *ss, char *err, size_t errlen) {
    char host[256];
    const char *colon = strrchr(addr, ':'), *h = addr;
    size_t hn;
    struct addrinfo hints = {0}, *res = NULL;
    if (!colon || colon[1] == '\0') {
        snprintf(err, errlen, "--listen '%s': expected HOST:PORT, e.g. 127.0.0.1:9464", addr);
        return -1;
    }
    hn = (size_t)(colon - addr);
    if (hn >= 2 && addr[0] == '[' && addr[hn - 1] == ']') h = addr + 1, hn -= 2;
    if (hn == 0 || hn >= sizeof host) {
        snprintf(err, errlen, "--listen '%s': expected HOST:PORT", addr);
        return -1;
    }
    memcpy(host, h, hn);
    host[hn] = '\0';
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
        snprintf(err, errlen, "--listen '%s': expected a numeric address and port, e.g. 127.0.0.1:9464", addr);
        return -1;
    }
    memset(ss, 0, sizeof *ss);
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why) {
    struct buf *body = *con_cls;
    (void)cls;
    (void)c;
    (void)why;
    if (!body) return;
    buf_free(body);
    free(body);
    *con_cls = NULL;
}

struct serve_http *serve_http_start(struct serve *s, const char *addr, loop_async_fn *on_ping, int *port, char *err,
                                    size_t errlen) {
    struct sockaddr_storage ss;
    struct serve_http *h;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (parse_addr(addr, &ss, err, errlen) != 0) return NULL;
    if (ss.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    h = xcalloc(1, sizeof *h);
    h->serve = s;
    h->on_ping = on_ping;
    h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                 MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (!h->daemon) {
        snprintf(err, errlen, "cannot listen on %s (address in use, or not this machine's?)", addr);
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : 0;
    return h;
}

void serve_http_stop(struct serve_http *h) {
    if (!h) return;
    MHD_stop_daemon(h->daemon);
    free(h);
}
