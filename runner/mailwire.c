/* mailwire.c — connecting, TLS checks and traces for SMTP and IMAP; see
 * mailwire.h.
 *
 * libetpan does the TLS handshake but never looks at the certificate, so
 * mailwire_check_certificate asks it for the peer's chain and verifies it
 * with GnuTLS (net_verify_chain): a canary that talks to any server
 * claiming to be the mail host would prove nothing. */
#include "mailwire.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "loop.h"
#include "net.h"
#include "redact.h"
#include "xalloc.h"

#define TRACE_CHUNK_MAX 600 /* of a message body: enough to see what was sent */

/* Caps on what a server may send (mail_guard).  A message is at most
 * 25 MB (lib/mail.lua refuses to fetch a larger one), so a literal over
 * 32 MB is not mail; IMAP protocol lines (a SEARCH answer listing 100k
 * UIDs is 600 kB) and SMTP replies (RFC 5321: 512 bytes a line) are far
 * shorter than their caps. */
#define IMAP_LINE_MAX (4u << 20)
#define IMAP_LITERAL_MAX (32u << 20)
#define IMAP_RESPONSE_MAX (64u << 20)
#define SMTP_LINE_MAX (64u << 10)
#define SMTP_RESPONSE_MAX (1u << 20)

void mail_endpoint_copy(struct mail_endpoint *dst, const struct mail_endpoint *src) {
    *dst = *src;
    dst->host = xstrdup(src->host);
    dst->ca_file = src->ca_file ? xstrdup(src->ca_file) : NULL;
    dst->user = src->user ? xstrdup(src->user) : NULL;
    dst->password = src->password ? xstrdup(src->password) : NULL;
    dst->oauth = oauth_source_ref(src->oauth);
}

void mail_endpoint_free(struct mail_endpoint *ep) {
    free(ep->host);
    free(ep->ca_file);
    free(ep->user);
    free(ep->password);
    oauth_source_unref(ep->oauth);
    memset(ep, 0, sizeof *ep);
}

void mail_probe_result_free(struct mail_probe_result *r) {
    free(r->greeting);
    strlist_free(&r->capabilities);
    memset(r, 0, sizeof *r);
}

/* ---- OAuth 2.0 ---- */

static const char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64_encode(const char *data, size_t len) {
    struct buf out;
    buf_init(&out, 0);
    for (size_t i = 0; i < len; i += 3) {
        const unsigned char *d = (const unsigned char *)data + i;
        unsigned v = (unsigned)d[0] << 16 | (i + 1 < len ? (unsigned)d[1] << 8 : 0) | (i + 2 < len ? d[2] : 0);
        char quad[4] = {base64_alphabet[v >> 18 & 63], base64_alphabet[v >> 12 & 63],
                        i + 1 < len ? base64_alphabet[v >> 6 & 63] : '=', i + 2 < len ? base64_alphabet[v & 63] : '='};
        buf_append(&out, quad, 4);
    }
    return buf_take(&out);
}

/* Lenient: characters outside the alphabet (padding, line ends) are skipped. */
static void base64_decode(const char *text, size_t len, struct buf *out) {
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        const char *at = text[i] ? strchr(base64_alphabet, text[i]) : NULL;
        if (!at) continue;
        v = (v << 6 | (unsigned)(at - base64_alphabet)) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            char c = (char)(v >> (bits - 8) & 0xff);
            buf_append(out, &c, 1);
            bits -= 8;
        }
    }
}

enum mail_sasl mailwire_sasl_choose(enum mail_sasl forced, bool has_oauthbearer, bool has_xoauth2) {
    if (forced != MAIL_SASL_AUTO) return forced;
    return has_oauthbearer ? MAIL_SASL_OAUTHBEARER : has_xoauth2 ? MAIL_SASL_XOAUTH2 : MAIL_SASL_AUTO;
}

const char *mailwire_sasl_name(enum mail_sasl mech) {
    return mech == MAIL_SASL_OAUTHBEARER ? "OAUTHBEARER" : "XOAUTH2";
}

/* OAUTHBEARER: a GS2 header naming the user (',' and '=' escaped), then
 * host, port and the bearer token, separated by ^A. */
char *mailwire_sasl_initial(enum mail_sasl mech, const char *user, const char *host, int port, const char *token) {
    struct buf raw;
    char *b64;
    buf_init(&raw, 0);
    if (mech == MAIL_SASL_OAUTHBEARER) {
        buf_puts(&raw, "n,a=");
        for (const char *p = user; *p; p++) buf_puts(&raw, *p == ',' ? "=2C" : *p == '=' ? "=3D" : (char[2]){*p, 0});
        buf_printf(&raw, ",\001host=%s\001port=%d\001auth=Bearer %s\001\001", host, port, token);
    } else {
        buf_printf(&raw, "user=%s\001auth=Bearer %s\001\001", user, token);
    }
    b64 = base64_encode(raw.data, raw.len);
    buf_free(&raw);
    return b64;
}

void mailwire_sasl_error(const char *challenge, size_t len, struct buf *out) {
    static const char *const fields[] = {"status", "schemes", "scope"};
    struct buf json, value;
    size_t shown = 0;
    buf_init(&json, 0);
    buf_init(&value, 0);
    base64_decode(challenge, len, &json);
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        buf_reset(&value);
        if (!oauth_json_field(json.data ? json.data : "", json.len, fields[i], &value)) continue;
        buf_printf(out, "%s%s %.100s", shown++ ? ", " : "", fields[i], buf_str(&value));
    }
    if (!shown && len) buf_printf(out, "%.200s", challenge);
    buf_free(&json);
    buf_free(&value);
}

/* One try of a SASL exchange: send the initial response, and return 0
 * when the server accepted it, 1 when it refused the token (its words and
 * the decoded error challenge appended to why), -1 when the session
 * failed otherwise (f filled). */
typedef int sasl_try_fn(void *ctx, enum mail_sasl mech, const char *initial, struct buf *why, struct failure *f);

static int oauth_login(const struct mail_endpoint *ep, const char *proto, enum mail_sasl mech, int64_t timeout_ms,
                       struct net_cancel *cancel, sasl_try_fn *try_fn, void *ctx, bool *refused, struct failure *f) {
    char *token = NULL, *initial = NULL;
    struct buf why;
    int rc = -1, attempt;
    *refused = false;
    buf_init(&why, 0);
    /* A refused token is replaced once: it may have expired early, or been
     * revoked since it was cached; a fresh one refused too is final. */
    for (attempt = 0; attempt < 2; attempt++) {
        char *stale = token;
        enum oauth_result got = oauth_token(ep->oauth, stale, timeout_ms, cancel, &token, f);
        free(stale);
        if (got != OAUTH_OK) {
            *refused = got == OAUTH_REFUSED;
            rc = *refused ? -1 : -2;
            goto cleanup;
        }
        free(initial);
        initial = mailwire_sasl_initial(mech, ep->user, ep->host, ep->port, token);
        redact_add_secret(initial);
        buf_reset(&why);
        int tried = try_fn(ctx, mech, initial, &why, f);
        if (tried <= 0) {
            rc = tried;
            goto cleanup;
        }
        if (!oauth_source_refreshable(ep->oauth)) break;
    }
    failure_set(f, FAILURE_NETWORK, "%s server %s:%d refused the OAuth token for %s (%s%s): %s", proto, ep->host,
                ep->port, ep->user, mailwire_sasl_name(mech), attempt > 0 ? ", a freshly fetched one too" : "",
                why.len ? buf_str(&why) : "no reason given");
    failure_set_phase(f, "authentication");
    *refused = true;
cleanup:
    free(token);
    free(initial);
    buf_free(&why);
    return rc;
}

/* libetpan exports these without installing their header
 * (mailsmtp_private.h): the path its own AUTH commands take.  _private
 * logs what it sends as private data, so a trace shows "[redacted]"; and
 * unlike mailsmtp_oauth2_authenticate it has no 512-byte command buffer,
 * which a Microsoft token (a JWT of 1-2 kB) would overflow. */
int mailsmtp_send_command_private(mailsmtp *session, char *command);
int mailsmtp_read_response(mailsmtp *session);

/* Write text and flush; a secret is logged as private data (privacy is
 * looked at when the buffer is flushed, so public data goes out first). */
static int stream_send(mailstream *s, const char *text, bool secret) {
    int rc = 0;
    if (secret) mailstream_set_privacy(s, 0);
    if (mailstream_write(s, text, strlen(text)) < 0 || mailstream_flush(s) < 0) rc = -1;
    if (secret) mailstream_set_privacy(s, 1);
    return rc;
}

/* After an error challenge the client must answer before the verdict
 * comes: RFC 7628 3.2.3 (a single ^A) for OAUTHBEARER, an empty line
 * for XOAUTH2. */
static const char *sasl_abort_line(enum mail_sasl mech) { return mech == MAIL_SASL_OAUTHBEARER ? "AQ==\r\n" : "\r\n"; }

struct imap_sasl {
    mailimap *imap;
    const struct mail_endpoint *ep;
    struct mail_guard *g;
    bool sasl_ir; /* RFC 4959: the initial response on the command line */
};

static int imap_try(void *ctx, enum mail_sasl mech, const char *initial, struct buf *why, struct failure *f) {
    struct imap_sasl *c = ctx;
    mailimap *imap = c->imap;
    struct mailimap_response *resp = NULL;
    struct buf challenge, line;
    bool sent = c->sasl_ir;
    int rc = -1;
    buf_init(&challenge, 0);
    buf_init(&line, 0);
    buf_printf(&line, "AUTHENTICATE %s%s", mailwire_sasl_name(mech), c->sasl_ir ? " " : "\r\n");
    if (mailimap_send_current_tag(imap) != MAILIMAP_NO_ERROR || stream_send(imap->imap_stream, buf_str(&line), false))
        goto lost;
    buf_reset(&line);
    buf_printf(&line, "%s\r\n", initial);
    if (c->sasl_ir && stream_send(imap->imap_stream, buf_str(&line), true) != 0) goto lost;
    for (int round = 0;; round++) {
        const char *got = mailimap_read_line(imap);
        if (!got) goto lost;
        if (got[0] != '+') break;
        if (round >= 3) goto lost; /* a server that only ever challenges */
        if (!sent) {
            if (stream_send(imap->imap_stream, buf_str(&line), true) != 0) goto lost;
            sent = true;
            continue;
        }
        got += strspn(got + 1, " ") + 1;
        mailwire_sasl_error(got, strcspn(got, "\r\n"), &challenge);
        if (stream_send(imap->imap_stream, sasl_abort_line(mech), true) != 0) goto lost;
    }
    if (mailimap_parse_response(imap, &resp) != MAILIMAP_NO_ERROR) goto lost;
    if (resp->rsp_resp_done->rsp_type != MAILIMAP_RESP_DONE_TYPE_TAGGED) goto lost; /* BYE */
    struct mailimap_resp_cond_state *st = resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state;
    if (st->rsp_type == MAILIMAP_RESP_COND_STATE_OK) {
        imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
        rc = 0;
    } else {
        buf_printf(why, "%s %s", st->rsp_type == MAILIMAP_RESP_COND_STATE_NO ? "NO" : "BAD",
                   st->rsp_text && st->rsp_text->rsp_text ? st->rsp_text->rsp_text : "");
        if (challenge.len) buf_printf(why, " (%s)", buf_str(&challenge));
        rc = 1;
    }
    goto cleanup;
lost:
    if (!mailwire_guard_failure(c->g, c->ep->host, c->ep->port, "authentication", f)) {
        failure_set(f, FAILURE_NETWORK, "IMAP connection to %s:%d failed during AUTHENTICATE", c->ep->host,
                    c->ep->port);
        failure_set_phase(f, "authentication");
    }
cleanup:
    if (resp) mailimap_response_free(resp);
    buf_free(&challenge);
    buf_free(&line);
    return rc;
}

/* The mechanism for a server, or a failure naming what it offers. */
static int pick(const struct mail_endpoint *ep, const char *proto, bool bearer, bool xoauth2, enum mail_sasl *mech,
                struct failure *f) {
    *mech = mailwire_sasl_choose(ep->sasl, bearer, xoauth2);
    if (*mech != MAIL_SASL_AUTO) return 0;
    failure_set(f, FAILURE_NETWORK, "%s server %s:%d offers neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2%s", proto,
                ep->host, ep->port,
                strcmp(proto, "SMTP") == 0 ? " (many servers offer AUTH only after STARTTLS)"
                                           : " (set sasl = \"xoauth2\" to try anyway)");
    failure_set_phase(f, "authentication");
    return -1;
}

int mailwire_imap_oauth(mailimap *imap, const struct mail_endpoint *ep, struct mail_guard *g, int64_t timeout_ms,
                        struct net_cancel *cancel, bool *refused, struct failure *f) {
    struct imap_sasl c = {imap, ep, g, mailimap_has_extension(imap, "SASL-IR") != 0};
    enum mail_sasl mech;
    *refused = false;
    if (pick(ep, "IMAP", mailimap_has_authentication(imap, "OAUTHBEARER"), mailimap_has_authentication(imap, "XOAUTH2"),
             &mech, f) != 0)
        return *refused = true, -1;
    return oauth_login(ep, "IMAP", mech, timeout_ms, cancel, imap_try, &c, refused, f);
}

struct smtp_sasl {
    mailsmtp *smtp;
    const struct mail_endpoint *ep;
    struct mail_guard *g;
};

/* The first line of the server's last reply, code first. */
static void smtp_reply(mailsmtp *smtp, int code, struct buf *out) {
    const char *r = smtp->response ? smtp->response : "";
    buf_printf(out, "%d %.*s", code, (int)strcspn(r, "\r\n"), r);
}

static int smtp_try(void *ctx, enum mail_sasl mech, const char *initial, struct buf *why, struct failure *f) {
    struct smtp_sasl *c = ctx;
    struct buf command, challenge;
    int code, rc = -1;
    buf_init(&command, 0);
    buf_init(&challenge, 0);
    /* The mechanism in clear (the trace shows it), the response private. */
    buf_printf(&command, "AUTH %s ", mailwire_sasl_name(mech));
    if (stream_send(c->smtp->stream, command.data, false) == 0) {
        buf_reset(&command);
        buf_printf(&command, "%s\r\n", initial);
        code = mailsmtp_send_command_private(c->smtp, command.data) == -1 ? 0 : mailsmtp_read_response(c->smtp);
    } else {
        code = 0;
    }
    for (int round = 0; code == 334 && round < 3; round++) { /* an error challenge */
        mailwire_sasl_error(c->smtp->response ? c->smtp->response : "",
                            c->smtp->response ? strcspn(c->smtp->response, "\r\n") : 0, &challenge);
        buf_reset(&command);
        buf_puts(&command, sasl_abort_line(mech));
        code = mailsmtp_send_command_private(c->smtp, command.data) == -1 ? 0 : mailsmtp_read_response(c->smtp);
    }
    if (code == 235) {
        rc = 0;
    } else if (code > 0) {
        smtp_reply(c->smtp, code, why);
        if (challenge.len) buf_printf(why, " (%s)", buf_str(&challenge));
        rc = 1;
    } else if (!mailwire_guard_failure(c->g, c->ep->host, c->ep->port, "authentication", f)) {
        failure_set(f, FAILURE_NETWORK, "SMTP connection to %s:%d failed during AUTH", c->ep->host, c->ep->port);
        failure_set_phase(f, "authentication");
    }
    buf_free(&command);
    buf_free(&challenge);
    return rc;
}

bool mailwire_smtp_offers(mailsmtp *smtp, const char *mech) {
    /* libetpan keeps the EHLO reply as lines of text without the codes. */
    size_t n = strlen(mech);
    for (const char *line = smtp->response; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncasecmp(line, "AUTH", 4) != 0 || (line[4] != ' ' && line[4] != '=')) continue;
        for (const char *p = line + 5; *p && *p != '\n';) {
            size_t len = strcspn(p, " \r\n");
            if (len == n && strncasecmp(p, mech, n) == 0) return true;
            p += len;
            p += strspn(p, " \r");
        }
    }
    return false;
}

int mailwire_smtp_oauth(mailsmtp *smtp, const struct mail_endpoint *ep, struct mail_guard *g, int64_t timeout_ms,
                        struct net_cancel *cancel, bool *refused, struct failure *f) {
    struct smtp_sasl c = {smtp, ep, g};
    enum mail_sasl mech;
    *refused = false;
    if (pick(ep, "SMTP", mailwire_smtp_offers(smtp, "OAUTHBEARER"), mailwire_smtp_offers(smtp, "XOAUTH2"), &mech, f) !=
        0)
        return *refused = true, -1;
    return oauth_login(ep, "SMTP", mech, timeout_ms, cancel, smtp_try, &c, refused, f);
}

/* ---- trace ---- */

void mail_trace_init(struct mail_trace *t) {
    pthread_mutex_init(&t->lock, NULL);
    buf_init(&t->text, 0);
    t->in_auth = false;
    t->in_data = false;
    t->literal_left = 0;
    t->data_bytes = 0;
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
                const char *after = line + i + n, *mech_end;
                *starts_auth = w == 1;
                if (w == 0) return after - 1;
                /* AUTHENTICATE's mechanism is no secret; what follows is. */
                mech_end = memchr(after, ' ', len - (size_t)(after - line));
                return mech_end ? mech_end : line + len;
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

/* "... {1234}" at the end of a received line: the literal's size. */
static size_t literal_announced(const char *line, size_t len) {
    size_t i, value = 0;
    if (len && line[len - 1] == '\r') len--;
    if (len < 3 || line[len - 1] != '}') return 0;
    i = len - 1;
    if (line[i - 1] == '+') i--;
    while (i > 0 && line[i - 1] >= '0' && line[i - 1] <= '9') i--;
    if (i == 0 || line[i - 1] != '{') return 0;
    for (size_t k = i; line[k] != '}' && line[k] != '+'; k++) value = value * 10 + (size_t)(line[k] - '0');
    return value;
}

static void trace_received(struct mail_trace *t, const char *data, size_t size) {
    size_t shown = 0;
    for (size_t i = 0; i < size;) {
        if (t->literal_left) {
            size_t take = size - i < t->literal_left ? size - i : t->literal_left;
            t->literal_left -= take;
            i += take;
            continue;
        }
        const char *nl = memchr(data + i, '\n', size - i);
        size_t end = nl ? (size_t)(nl - data) : size;
        if (t->in_data) { /* the server's verdict on the message */
            buf_printf(&t->text, "> (%zu bytes of message not shown)\n", t->data_bytes);
            t->in_data = false;
        }
        if (shown < TRACE_CHUNK_MAX && (end > i || nl)) {
            trace_line(t, false, data + i, end - i > TRACE_CHUNK_MAX ? TRACE_CHUNK_MAX : end - i);
            shown += end - i;
        }
        t->literal_left = literal_announced(data + i, end - i);
        if (t->literal_left) buf_printf(&t->text, "< (%zu bytes of message not shown)\n", t->literal_left);
        if (end - i >= 3 && strncmp(data + i, "354", 3) == 0) {
            t->in_data = true;
            t->data_bytes = 0;
        }
        i = end + 1;
    }
    if (shown > TRACE_CHUNK_MAX) buf_printf(&t->text, "< ... (%zu more bytes)\n", shown - TRACE_CHUNK_MAX);
}

static void trace_sent(struct mail_trace *t, const char *data, size_t size) {
    size_t shown = size > TRACE_CHUNK_MAX ? TRACE_CHUNK_MAX : size;
    if (t->in_data) {
        t->data_bytes += size;
        return;
    }
    for (size_t i = 0; i < shown;) {
        const char *nl = memchr(data + i, '\n', shown - i);
        size_t end = nl ? (size_t)(nl - data) : shown;
        if (end > i || nl) trace_line(t, true, data + i, end - i);
        i = end + 1;
    }
    if (shown < size) buf_printf(&t->text, "> ... (%zu more bytes)\n", size - shown);
}

void mail_trace_log(mailstream *s, int log_type, const char *data, size_t size, void *context) {
    struct mail_trace *t = context;
    (void)s;
    pthread_mutex_lock(&t->lock);
    switch (log_type) {
    case MAILSTREAM_LOG_TYPE_DATA_RECEIVED: trace_received(t, data, size); break;
    case MAILSTREAM_LOG_TYPE_DATA_SENT: trace_sent(t, data, size); break;
    case MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE: buf_puts(&t->text, "> [redacted]\n"); break;
    default: break;
    }
    pthread_mutex_unlock(&t->lock);
}

/* ---- the guard ---- */

void mailwire_guard_init(struct mail_guard *g, bool imap, int64_t timeout_ms) {
    memset(g, 0, sizeof *g);
    g->line_max = imap ? IMAP_LINE_MAX : SMTP_LINE_MAX;
    g->literal_max = imap ? IMAP_LITERAL_MAX : 0;
    g->response_max = imap ? IMAP_RESPONSE_MAX : SMTP_RESPONSE_MAX;
    g->timeout_ms = timeout_ms;
    g->deadline_ms = timeout_ms > 0 ? loop_clock_ms() + (uint64_t)timeout_ms : 0;
}

struct guarded {
    struct mail_guard *g;
    mailstream_low *inner; /* the socket or TLS transport */
};

static void trip(struct mail_guard *g, const char *fmt, size_t n) {
    if (!g->trip[0]) snprintf(g->trip, sizeof g->trip, fmt, n);
}

/* A line ended: if it announced a literal ("... {1234}\r\n"), count the
 * literal's bytes apart from lines, and refuse one over the cap before
 * libetpan allocates it (it reserves the announced size at once). */
static void line_ended(struct mail_guard *g) {
    size_t n = g->tail_len;
    if (n && g->tail[n - 1] == '\r') n--;
    if (g->literal_max && n >= 3 && g->tail[n - 1] == '}') {
        size_t i = n - 1, value = 0, digits = 0;
        if (i > 0 && g->tail[i - 1] == '+') i--; /* LITERAL+ */
        while (i > 0 && g->tail[i - 1] >= '0' && g->tail[i - 1] <= '9') i--, digits++;
        if (digits && i > 0 && g->tail[i - 1] == '{') {
            for (size_t k = i; k < i + digits && value <= g->literal_max; k++)
                value = value * 10 + (size_t)(g->tail[k] - '0');
            if (value > g->literal_max) trip(g, "announced a literal of more than %zu bytes", g->literal_max);
            g->literal_left = value;
        }
    }
    g->line_len = 0;
    g->tail_len = 0;
}

/* Account for bytes read; false when a cap is passed. */
static bool account(struct mail_guard *g, const char *p, size_t n) {
    g->response_len += n;
    if (g->response_len > g->response_max)
        trip(g, "sent more than %zu bytes in answer to one command", g->response_max);
    for (size_t i = 0; i < n && !g->trip[0]; i++) {
        if (g->literal_left) { /* the literal's bytes are data, not lines */
            size_t take = n - i < g->literal_left ? n - i : g->literal_left;
            g->literal_left -= take;
            i += take - 1;
            continue;
        }
        if (p[i] == '\n') {
            line_ended(g);
            continue;
        }
        if (++g->line_len > g->line_max) trip(g, "sent a line longer than %zu bytes without a line break", g->line_max);
        if (g->tail_len == sizeof g->tail) {
            memmove(g->tail, g->tail + sizeof g->tail / 2, sizeof g->tail / 2);
            g->tail_len = sizeof g->tail / 2;
        }
        g->tail[g->tail_len++] = p[i];
    }
    return !g->trip[0];
}

static ssize_t guard_read(mailstream_low *s, void *buf, size_t count) {
    struct guarded *d = s->data;
    struct mail_guard *g = d->g;
    ssize_t r;
    if (g->trip[0]) return -1;
    if (g->deadline_ms) {
        uint64_t now = loop_clock_ms();
        if (now >= g->deadline_ms) {
            snprintf(g->trip, sizeof g->trip, "did not answer within %lld ms", (long long)g->timeout_ms);
            return -1;
        }
        /* libetpan waits in whole seconds: round up, and check again after. */
        mailstream_low_set_timeout(d->inner, (time_t)((g->deadline_ms - now + 999) / 1000));
    }
    r = d->inner->driver->mailstream_read(d->inner, buf, count);
    if (r < 0 && g->deadline_ms && loop_clock_ms() >= g->deadline_ms && !g->trip[0])
        snprintf(g->trip, sizeof g->trip, "did not answer within %lld ms", (long long)g->timeout_ms);
    if (r > 0 && !account(g, buf, (size_t)r)) return -1;
    return r;
}

static ssize_t guard_write(mailstream_low *s, const void *buf, size_t count) {
    struct guarded *d = s->data;
    d->g->response_len = 0; /* a new command: its answer starts now */
    return d->inner->driver->mailstream_write(d->inner, buf, count);
}

static int guard_close(mailstream_low *s) { return mailstream_low_close(((struct guarded *)s->data)->inner); }
static int guard_get_fd(mailstream_low *s) { return mailstream_low_get_fd(((struct guarded *)s->data)->inner); }
static void guard_cancel(mailstream_low *s) { mailstream_low_cancel(((struct guarded *)s->data)->inner); }

static struct mailstream_cancel *guard_get_cancel(mailstream_low *s) {
    return mailstream_low_get_cancel(((struct guarded *)s->data)->inner);
}

static carray *guard_chain(mailstream_low *s) {
    return mailstream_low_get_certificate_chain(((struct guarded *)s->data)->inner);
}

/* Freed without closing, as every libetpan driver: STARTTLS frees the
 * plain transport and goes on with its socket. */
static void guard_free(mailstream_low *s) {
    struct guarded *d = s->data;
    mailstream_low_free(d->inner);
    free(d);
    free(s);
}

static mailstream_low_driver guard_driver = {
    .mailstream_read = guard_read,
    .mailstream_write = guard_write,
    .mailstream_close = guard_close,
    .mailstream_get_fd = guard_get_fd,
    .mailstream_free = guard_free,
    .mailstream_cancel = guard_cancel,
    .mailstream_get_cancel = guard_get_cancel,
    .mailstream_get_certificate_chain = guard_chain,
};

int mailwire_guard(mailstream *s, struct mail_guard *g) {
    mailstream_low *inner = mailstream_get_low(s), *low;
    struct guarded *d;
    if (!g || inner->driver == &guard_driver) return 0;
    d = xcalloc(1, sizeof *d);
    d->g = g;
    d->inner = inner;
    low = mailstream_low_new(d, &guard_driver);
    if (!low) {
        free(d);
        return -1;
    }
    mailstream_low_set_logger(inner, NULL, NULL); /* the stream logs through the guard */
    mailstream_set_low(s, low);
    return 0;
}

bool mailwire_guard_failure(const struct mail_guard *g, const char *host, int port, const char *phase,
                            struct failure *f) {
    if (!g || !g->trip[0]) return false;
    failure_set(f, FAILURE_NETWORK, "%s server %s:%d %s", g->literal_max ? "IMAP" : "SMTP", host, port, g->trip);
    if (phase) failure_set_phase(f, phase);
    return true;
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

/* SNI names a host; an address is never sent (RFC 6066 section 3). */
void mailwire_tls_setup(struct mailstream_ssl_context *ctx, void *host) {
    char bare[64];
    const char *h = host;
    size_t n = strlen(h);
    unsigned char addr[16];
    if (n >= 2 && h[0] == '[' && n - 2 < sizeof bare) { /* curl gives "[::1]" */
        memcpy(bare, h + 1, n - 2);
        bare[n - 2] = '\0';
        h = bare;
    }
    if (inet_pton(AF_INET, h, addr) == 1 || inet_pton(AF_INET6, h, addr) == 1) return;
    mailstream_ssl_set_server_name(ctx, host);
}

mailstream *mailwire_open(const struct mail_endpoint *ep, int64_t timeout_ms, struct net_cancel *cancel,
                          struct mail_guard *guard, struct mail_probe_result *probe, struct failure *f) {
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
    /* What is left of the session's time goes to the handshake. */
    if (guard && guard->deadline_ms) {
        uint64_t now = loop_clock_ms();
        seconds = now < guard->deadline_ms ? (time_t)((guard->deadline_ms - now + 999) / 1000) : 1;
    }
    s = ep->tls == MAIL_TLS_IMPLICIT
            ? mailstream_ssl_open_with_callback_timeout(fd, seconds, mailwire_tls_setup, ep->host)
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
    if (mailwire_guard(s, guard) != 0) {
        mailstream_close(s);
        failure_set(f, FAILURE_INTERNAL, "out of memory opening a stream to %s", ep->host);
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
