/* http.c — curl multi-socket on the event loop; see http.h.
 *
 * The shape of curl's docs/examples/ephiperfifo.c: curl tells us which
 * sockets to watch (socket callback) and when to call it back (timer
 * callback); we tell curl when a socket is ready or the timer fires, then
 * collect finished transfers with curl_multi_info_read.  DNS runs on
 * curl's threaded resolver, so nothing here blocks the loop. */
#include "http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loop.h"
#include "redact.h"
#include "xalloc.h"

/* Cap on one response's header block: a server that streams headers
 * forever must not exhaust memory either. */
#define HEADER_CAP (256 * 1024)

struct http {
    struct loop *loop;
    CURLM *multi;
    struct loop_timer timer;
};

struct http_socket {
    struct loop_io io;
    struct http *http;
};

static void check_done(struct http *h) {
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(h->multi, &left))) {
        struct http_transfer *x;
        if (msg->msg != CURLMSG_DONE) continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        x->result = msg->data.result;
        curl_multi_remove_handle(h->multi, msg->easy_handle);
        x->running = false;
        /* done may start or cancel other transfers: both are safe here,
         * outside any curl callback. */
        x->done(x);
    }
}

static void on_socket_ready(struct loop *loop, struct loop_io *io, unsigned events) {
    struct http_socket *s = io->data;
    struct http *h = s->http;
    int flags = 0, running;
    (void)loop;
    if (events & LOOP_READ) flags |= CURL_CSELECT_IN;
    if (events & LOOP_WRITE) flags |= CURL_CSELECT_OUT;
    if (events & LOOP_ERROR) flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(h->multi, io->fd, flags, &running);
    check_done(h);
}

static void on_timer(struct loop *loop, struct loop_timer *timer) {
    struct http *h = timer->data;
    int running;
    (void)loop;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(h);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
    struct http *h = userp;
    struct http_socket *s = socketp;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            loop_io_set(h->loop, &s->io, 0);
            curl_multi_assign(h->multi, fd, NULL);
            free(s);
        }
        return 0;
    }
    if (!s) {
        s = xcalloc(1, sizeof *s);
        s->io.fd = fd;
        s->io.fn = on_socket_ready;
        s->io.data = s;
        s->http = h;
        curl_multi_assign(h->multi, fd, s);
    }
    unsigned events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= LOOP_READ;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= LOOP_WRITE;
    return loop_io_set(h->loop, &s->io, events) == 0 ? 0 : -1;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
    struct http *h = userp;
    (void)multi;
    if (timeout_ms < 0)
        loop_timer_stop(h->loop, &h->timer);
    else
        loop_timer_start(h->loop, &h->timer, loop_clock_ms() + (uint64_t)timeout_ms);
    return 0;
}

struct http *http_new(struct loop *loop) {
    struct http *h;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return NULL;
    h = xcalloc(1, sizeof *h);
    h->loop = loop;
    h->multi = curl_multi_init();
    if (!h->multi) {
        free(h);
        curl_global_cleanup();
        return NULL;
    }
    loop_timer_init(&h->timer, on_timer, h);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    return h;
}

void http_free(struct http *h) {
    if (!h) return;
    loop_timer_stop(h->loop, &h->timer);
    curl_multi_cleanup(h->multi);
    curl_global_cleanup();
    free(h);
}

static size_t on_body(char *data, size_t size, size_t n, void *userp) {
    struct http_transfer *x = userp;
    if (buf_append(&x->body, data, size * n) != BUF_OK) {
        x->too_big = true;
        return 0; /* curl aborts with CURLE_WRITE_ERROR */
    }
    return size * n;
}

void http_note_set_cookie(const char *line, size_t len) {
    const char *eq, *end = line + len;
    if (len <= 11 || strncasecmp(line, "set-cookie:", 11) != 0 || !(eq = memchr(line, '=', len))) return;
    const char *v = eq + 1, *stop = v;
    while (stop < end && *stop != ';' && *stop != '\r' && *stop != '\n') stop++;
    redact_add_cookie(line + 11, (size_t)(eq - line - 11), v, (size_t)(stop - v));
}

static size_t on_header(char *data, size_t size, size_t n, void *userp) {
    struct http_transfer *x = userp;
    size_t len = size * n;
    /* A new status line starts a new response (redirect, 100 Continue):
     * keep only the last one's headers and body. */
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        buf_reset(&x->headers);
        buf_reset(&x->body);
    }
    http_note_set_cookie(data, len);
    return buf_append(&x->headers, data, len) == BUF_OK ? len : 0;
}

void http_transfer_init(struct http_transfer *x, CURL *easy, size_t max_body, http_done_fn *done, void *data) {
    memset(x, 0, sizeof *x);
    x->easy = easy;
    buf_init(&x->body, max_body);
    buf_init(&x->headers, HEADER_CAP);
    x->done = done;
    x->data = data;
}

void http_transfer_free(struct http_transfer *x) {
    buf_free(&x->body);
    buf_free(&x->headers);
}

void http_transfer_reset(struct http_transfer *x) {
    buf_reset(&x->body);
    buf_reset(&x->headers);
    x->result = CURLE_OK;
    x->too_big = false;
}

int http_start(struct http *h, struct http_transfer *x, struct failure *f) {
    CURLMcode rc;
    curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
    curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
    x->errbuf[0] = '\0';
    rc = curl_multi_add_handle(h->multi, x->easy);
    if (rc != CURLM_OK)
        return failure_set(f, FAILURE_INTERNAL, "cannot start HTTP transfer: %s", curl_multi_strerror(rc));
    x->running = true;
    return 0;
}

void http_cancel(struct http *h, struct http_transfer *x) {
    if (!x->running) return;
    curl_multi_remove_handle(h->multi, x->easy);
    x->running = false;
}

static curl_off_t info_time(CURL *easy, CURLINFO what) {
    curl_off_t t = 0;
    curl_easy_getinfo(easy, what, &t);
    return t;
}

static void host_port(struct http_transfer *x, struct buf *out) {
    char *url = NULL;
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
    if (url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        buf_printf(out, "%s:%s", host, port);
    else
        buf_puts(out, "the server");
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

void http_phase(struct http_transfer *x, const char *method, struct buf *out) {
    char *url = NULL;
    char *scheme = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
    curl_easy_getinfo(x->easy, CURLINFO_SCHEME, &scheme);
    if (info_time(x->easy, CURLINFO_NAMELOOKUP_TIME_T) == 0) {
        buf_puts(out, "resolving ");
        host_port(x, out);
    } else if (info_time(x->easy, CURLINFO_CONNECT_TIME_T) == 0) {
        buf_puts(out, "connecting to ");
        host_port(x, out);
    } else if (scheme && strcasecmp(scheme, "https") == 0 && info_time(x->easy, CURLINFO_APPCONNECT_TIME_T) == 0) {
        buf_puts(out, "TLS handshake with ");
        host_port(x, out);
    } else if (info_time(x->easy, CURLINFO_STARTTRANSFER_TIME_T) == 0) {
        buf_printf(out, "waiting for response to %s %s", method, url ? url : "");
    } else {
        buf_printf(out, "receiving response body of %s %s", method, url ? url : "");
    }
}

static const char *connect_reason(long os_errno) {
    switch (os_errno) {
    case ECONNREFUSED: return "connection refused";
    case ETIMEDOUT: return "connection timed out (filtered?)";
    case ENETUNREACH: return "network unreachable";
    case EHOSTUNREACH: return "host unreachable";
    case ECONNRESET: return "connection reset";
    default: return "cannot connect";
    }
}

void http_transfer_failure(struct http_transfer *x, const char *method, struct failure *f) {
    struct buf where;
    long os_errno = 0;
    buf_init(&where, 0);
    curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
    switch (x->result) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        host_port(x, &where);
        failure_set(f, FAILURE_NETWORK, "DNS: cannot resolve %s", buf_str(&where));
        failure_set_phase(f, "dns");
        break;
    case CURLE_COULDNT_CONNECT:
        host_port(x, &where);
        failure_set(f, FAILURE_NETWORK, "%s: %s", connect_reason(os_errno), buf_str(&where));
        failure_set_phase(f, "connect");
        break;
    case CURLE_OPERATION_TIMEDOUT:
        http_phase(x, method, &where);
        failure_set(f, FAILURE_TIMEOUT, "timed out %s", buf_str(&where));
        failure_set_phase(f, buf_str(&where));
        break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        host_port(x, &where);
        failure_set(f, FAILURE_NETWORK, "TLS: %s with %s", curl_easy_strerror(x->result), buf_str(&where));
        failure_set_phase(f, "tls");
        break;
    case CURLE_GOT_NOTHING:
        host_port(x, &where);
        failure_set(f, FAILURE_NETWORK, "%s closed the connection without a response", buf_str(&where));
        failure_set_phase(f, "response");
        break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        host_port(x, &where);
        failure_set(f, FAILURE_NETWORK, "connection reset by %s", buf_str(&where));
        failure_set_phase(f, "response");
        break;
    case CURLE_TOO_MANY_REDIRECTS: failure_set(f, FAILURE_HTTP, "too many redirects"); break;
    case CURLE_WRITE_ERROR:
        if (x->too_big) {
            failure_set(f, FAILURE_HTTP,
                        "response body exceeds the %zu-byte cap (raise it with max_body or --max-body)", x->body.cap);
            failure_set_phase(f, "receiving body");
            break;
        }
        /* fall through */
    default: failure_set(f, FAILURE_NETWORK, "%s", curl_easy_strerror(x->result)); break;
    }
    if (x->errbuf[0]) failure_set_detail(f, x->errbuf);
    buf_free(&where);
}
