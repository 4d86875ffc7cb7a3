/* mailwire.c — connecting, TLS checks and traces for SMTP and IMAP; see
 * mailwire.h.
 *
 * libetpan does the TLS handshake but never looks at the certificate, so
 * mailwire_check_certificate asks it for the peer's chain and verifies it
 * with GnuTLS (net_verify_chain): a canary that talks to any server
 * claiming to be the mail host would prove nothing. */
#include "mailwire.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "loop.h"
#include "net.h"
#include "xalloc.h"

#define TRACE_CHUNK_MAX 600 /* of a message body: enough to see what was sent */

void mail_endpoint_copy(struct mail_endpoint *dst, const struct mail_endpoint *src) {
    *dst = *src;
    dst->host = xstrdup(src->host);
    dst->ca_file = src->ca_file ? xstrdup(src->ca_file) : NULL;
    dst->user = src->user ? xstrdup(src->user) : NULL;
    dst->password = src->password ? xstrdup(src->password) : NULL;
}

void mail_endpoint_free(struct mail_endpoint *ep) {
    free(ep->host);
    free(ep->ca_file);
    free(ep->user);
    free(ep->password);
    memset(ep, 0, sizeof *ep);
}

void mail_probe_result_free(struct mail_probe_result *r) {
    free(r->greeting);
    strlist_free(&r->capabilities);
    memset(r, 0, sizeof *r);
}

/* ---- trace ---- */

void mail_trace_init(struct mail_trace *t) {
    pthread_mutex_init(&t->lock, NULL);
    buf_init(&t->text, 0);
    t->in_auth = false;
}

void mail_trace_free(struct mail_trace *t) {
    buf_free(&t->text);
    pthread_mutex_destroy(&t->lock);
}

void mail_trace_take(struct mail_trace *t, struct buf *out) {
    pthread_mutex_lock(&t->lock);
    buf_append(out, t->text.data, t->text.len);
    buf_reset(&t->text);
    pthread_mutex_unlock(&t->lock);
}

static bool starts_with_ci(const char *s, size_t len, const char *prefix) {
    size_t n = strlen(prefix);
    return len >= n && strncasecmp(s, prefix, n) == 0;
}

/* The position of " LOGIN " / " AUTHENTICATE " in an IMAP command line, or
 * of "AUTH " at the start of an SMTP one: what follows is a credential. */
static const char *credential_start(const char *line, size_t len, bool *starts_auth) {
    static const char *const words[] = {" LOGIN ", " AUTHENTICATE "};
    *starts_auth = false;
    if (starts_with_ci(line, len, "AUTH ")) {
        const char *mech_end = memchr(line + 5, ' ', len - 5);
        *starts_auth = true;
        return mech_end ? mech_end : line + len;
    }
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        size_t n = strlen(words[w]);
        for (size_t i = 0; i + n <= len; i++)
            if (strncasecmp(line + i, words[w], n) == 0) {
                *starts_auth = w == 1;
                return line + i + n - 1;
            }
    }
    return NULL;
}

static void trace_line(struct mail_trace *t, bool sent, const char *line, size_t len) {
    const char *secret = NULL;
    bool starts_auth = false;
    if (len && line[len - 1] == '\r') len--;
    if (sent) {
        secret = t->in_auth ? line : credential_start(line, len, &starts_auth);
        if (starts_auth) t->in_auth = true;
    } else if (t->in_auth && len >= 1 && line[0] != '+' && !starts_with_ci(line, len, "334")) {
        t->in_auth = false; /* the server's verdict ends the exchange */
    }
    buf_puts(&t->text, sent ? "> " : "< ");
    if (secret) {
        buf_append(&t->text, line, (size_t)(secret - line));
        buf_puts(&t->text, secret > line ? " [redacted]" : "[redacted]");
    } else {
        buf_append(&t->text, line, len);
    }
    buf_puts(&t->text, "\n");
}

void mail_trace_log(mailstream *s, int log_type, const char *data, size_t size, void *context) {
    struct mail_trace *t = context;
    bool sent;
    (void)s;
    switch (log_type) {
    case MAILSTREAM_LOG_TYPE_DATA_RECEIVED: sent = false; break;
    case MAILSTREAM_LOG_TYPE_DATA_SENT: sent = true; break;
    case MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE:
        pthread_mutex_lock(&t->lock);
        buf_puts(&t->text, "> [redacted]\n");
        pthread_mutex_unlock(&t->lock);
        return;
    default: return;
    }
    size_t shown = size > TRACE_CHUNK_MAX ? TRACE_CHUNK_MAX : size;
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i < shown;) {
        const char *nl = memchr(data + i, '\n', shown - i);
        size_t end = nl ? (size_t)(nl - data) : shown;
        if (end > i || nl) trace_line(t, sent, data + i, end - i);
        i = end + 1;
    }
    if (shown < size) buf_printf(&t->text, "%c ... (%zu more bytes)\n", sent ? '>' : '<', size - shown);
    pthread_mutex_unlock(&t->lock);
}

/* ---- connecting ---- */

int mailwire_check_certificate(mailstream *s, const struct mail_endpoint *ep, struct failure *f) {
    carray *chain;
    const unsigned char **der;
    size_t *len, n;
    int rc;
    if (ep->insecure) return 0;
    chain = mailstream_get_certificate_chain(s);
    n = chain ? carray_count(chain) : 0;
    der = xcalloc(n ? n : 1, sizeof *der);
    len = xcalloc(n ? n : 1, sizeof *len);
    for (size_t i = 0; i < n; i++) {
        MMAPString *cert = carray_get(chain, (unsigned)i);
        der[i] = (const unsigned char *)cert->str;
        len[i] = cert->len;
    }
    rc = net_verify_chain(der, len, n, ep->host, ep->ca_file, f);
    free(der);
    free(len);
    if (chain) mailstream_certificate_chain_free(chain);
    return rc;
}

static void interrupt_stream(void *stream) { mailstream_cancel(stream); }

void mailwire_forget(struct net_cancel *cancel) {
    if (cancel) net_cancel_set_interrupt(cancel, NULL, NULL);
}

mailstream *mailwire_open(const struct mail_endpoint *ep, int64_t timeout_ms, struct net_cancel *cancel,
                          struct mail_probe_result *probe, struct failure *f) {
    char address[80] = "";
    uint64_t started = loop_clock_ms();
    time_t seconds = (time_t)((timeout_ms + 999) / 1000);
    mailstream *s;
    int fd =
        net_connect(ep->host, ep->port, timeout_ms, cancel ? net_cancel_fd(cancel) : -1, address, sizeof address, f);
    if (fd < 0) return NULL;
    if (probe) {
        memcpy(probe->address, address, sizeof probe->address);
        probe->connect_ms = (int64_t)(loop_clock_ms() - started);
    }
    s = ep->tls == MAIL_TLS_IMPLICIT ? mailstream_ssl_open_timeout(fd, seconds)
                                     : mailstream_socket_open_timeout(fd, seconds);
    if (!s) {
        close(fd);
        failure_set(f, FAILURE_NETWORK, "TLS handshake with %s (%s) failed", ep->host, address);
        failure_set_phase(f, "tls");
        return NULL;
    }
    if (ep->tls == MAIL_TLS_IMPLICIT && mailwire_check_certificate(s, ep, f) != 0) {
        mailstream_close(s);
        return NULL;
    }
    if (probe) probe->tls = ep->tls == MAIL_TLS_IMPLICIT;
    if (cancel && net_cancel_set_interrupt(cancel, interrupt_stream, s) != 0) {
        mailstream_close(s);
        failure_set(f, FAILURE_ABORTED, "the session with %s was cancelled", ep->host);
        return NULL;
    }
    return s;
}
