/* smtp.c — SMTP probe and send over libetpan; see smtp.h. */
#include "smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "random.h"
#include "xalloc.h"

/* ---- building a message ---- */

static void base64_into(struct buf *out, const unsigned char *data, size_t len, size_t line_max) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t col = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v =
            (unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0) | (i + 2 < len ? data[i + 2] : 0);
        char quad[4] = {alphabet[v >> 18 & 63], alphabet[v >> 12 & 63], i + 1 < len ? alphabet[v >> 6 & 63] : '=',
                        i + 2 < len ? alphabet[v & 63] : '='};
        buf_append(out, quad, 4);
        col += 4;
        if (line_max && col >= line_max && i + 3 < len) {
            buf_puts(out, "\r\n");
            col = 0;
        }
    }
}

static bool is_ascii(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80 || *s == '\r' || *s == '\n') return false;
    return true;
}

/* A header value: as is when plain ASCII, else one RFC 2047 encoded word
 * (newlines in a value would start a new header: they never pass). */
static void header_value(struct buf *out, const char *value) {
    if (is_ascii(value)) {
        buf_puts(out, value);
        return;
    }
    buf_puts(out, "=?UTF-8?B?");
    base64_into(out, (const unsigned char *)value, strlen(value), 0);
    buf_puts(out, "?=");
}

static void body_part(struct buf *out, const char *type, const char *body) {
    buf_printf(out, "Content-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", type);
    base64_into(out, (const unsigned char *)body, strlen(body), 76);
    buf_puts(out, "\r\n");
}

static void address_list(struct buf *out, const char *name, const struct strlist *l) {
    if (!l || l->len == 0) return;
    buf_printf(out, "%s: ", name);
    for (size_t i = 0; i < l->len; i++) buf_printf(out, "%s%s", i ? ", " : "", l->items[i]);
    buf_puts(out, "\r\n");
}

char *smtp_build_message(const struct smtp_message *m, char *message_id, size_t message_id_len, size_t *len) {
    struct buf out;
    unsigned char random[12];
    char date[64], token[32], boundary[48];
    time_t now = time(NULL);
    struct tm tm;
    const char *domain = strrchr(m->from, '@');

    random_bytes(random, sizeof random);
    for (size_t i = 0; i < sizeof random; i++) snprintf(token + 2 * i, 3, "%02x", random[i]);
    snprintf(message_id, message_id_len, "%s.telltale@%s", token,
             domain && domain[1] ? domain + 1 : "telltale.invalid");
    snprintf(boundary, sizeof boundary, "telltale-%s", token);
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);

    buf_init(&out, 1024);
    buf_printf(&out, "Date: %s\r\nMessage-ID: <%s>\r\nFrom: %s\r\n", date, message_id, m->from);
    address_list(&out, "To", m->to);
    address_list(&out, "Cc", m->cc);
    buf_puts(&out, "Subject: ");
    header_value(&out, m->subject ? m->subject : "");
    buf_puts(&out, "\r\n");
    for (size_t i = 0; m->header_names && i < m->header_names->len; i++) {
        buf_printf(&out, "%s: ", m->header_names->items[i]);
        header_value(&out, m->header_values->items[i]);
        buf_puts(&out, "\r\n");
    }
    buf_puts(&out, "MIME-Version: 1.0\r\n");
    if (m->text && m->html) {
        buf_printf(&out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
        buf_printf(&out, "--%s\r\n", boundary);
        body_part(&out, "text/plain", m->text);
        buf_printf(&out, "--%s\r\n", boundary);
        body_part(&out, "text/html", m->html);
        buf_printf(&out, "--%s--\r\n", boundary);
    } else {
        body_part(&out, m->html ? "text/html" : "text/plain", m->html ? m->html : m->text ? m->text : "");
    }
    *len = out.len;
    return buf_take(&out);
}

/* ---- the session ---- */

/* The server's last reply, one line, code first ("550 5.1.1 <x>: Recipient
 * address rejected"), for messages. */
static const char *last_reply(mailsmtp *smtp) {
    static __thread char line[300];
    const char *r = smtp->response ? smtp->response : "";
    int n = (int)strcspn(r, "\r\n");
    if (smtp->response_code > 0)
        snprintf(line, sizeof line, "%d %.*s", smtp->response_code, n, r);
    else
        snprintf(line, sizeof line, "%.*s", n, r);
    return line;
}

/* What the reply text alone says ("2.0.0 Ok: queued as 4Xyz"). */
static const char *reply_text(mailsmtp *smtp) {
    static __thread char line[300];
    const char *r = smtp->response ? smtp->response : "";
    snprintf(line, sizeof line, "%.*s", (int)strcspn(r, "\r\n"), r);
    return line;
}

/* A failed command: the guard's reason when it cut the session, else
 * the server's reply. */
static int fail(mailsmtp *smtp, struct smtp_job *job, const char *phase, const char *what) {
    if (!mailwire_guard_failure(&job->guard, job->ep.host, job->ep.port, phase, &job->f)) {
        failure_set(&job->f, FAILURE_NETWORK, "SMTP server %s %s: %s", job->ep.host, what, last_reply(smtp));
        failure_set_phase(&job->f, phase);
    }
    return -1;
}

static void capabilities(mailsmtp *smtp, struct strlist *out) {
    static const struct {
        int flag;
        const char *name;
    } esmtp[] = {{MAILSMTP_ESMTP_STARTTLS, "STARTTLS"}, {MAILSMTP_ESMTP_8BITMIME, "8BITMIME"},
                 {MAILSMTP_ESMTP_SIZE, "SIZE"},         {MAILSMTP_ESMTP_PIPELINING, "PIPELINING"},
                 {MAILSMTP_ESMTP_DSN, "DSN"},           {MAILSMTP_ESMTP_ETRN, "ETRN"}};
    static const struct {
        int flag;
        const char *name;
    } auth[] = {{MAILSMTP_AUTH_PLAIN, "AUTH=PLAIN"},
                {MAILSMTP_AUTH_LOGIN, "AUTH=LOGIN"},
                {MAILSMTP_AUTH_CRAM_MD5, "AUTH=CRAM-MD5"}};
    strlist_free(out);
    for (size_t i = 0; i < sizeof esmtp / sizeof *esmtp; i++)
        if (smtp->esmtp & esmtp[i].flag) strlist_push(out, esmtp[i].name);
    for (size_t i = 0; i < sizeof auth / sizeof *auth; i++)
        if (smtp->auth & auth[i].flag) strlist_push(out, auth[i].name);
    /* libetpan has no flags for the OAuth mechanisms. */
    if (mailwire_smtp_offers(smtp, "XOAUTH2")) strlist_push(out, "AUTH=XOAUTH2");
    if (mailwire_smtp_offers(smtp, "OAUTHBEARER")) strlist_push(out, "AUTH=OAUTHBEARER");
}

static int hello(mailsmtp *smtp, struct smtp_job *job) {
    int rc = mailesmtp_ehlo(smtp);
    if (rc == MAILSMTP_ERROR_NOT_IMPLEMENTED) rc = mailsmtp_helo(smtp);
    if (rc != MAILSMTP_NO_ERROR) return fail(smtp, job, "ehlo", "refused EHLO");
    capabilities(smtp, &job->probe.capabilities);
    return 0;
}

static int starttls(mailsmtp *smtp, struct smtp_job *job) {
    const struct mail_endpoint *ep = &job->ep;
    bool offered = smtp->esmtp & MAILSMTP_ESMTP_STARTTLS;
    if (ep->tls == MAIL_TLS_OFF || ep->tls == MAIL_TLS_IMPLICIT || (ep->tls == MAIL_TLS_OPTIONAL && !offered)) return 0;
    if (!offered) {
        failure_set(&job->f, FAILURE_NETWORK,
                    "SMTP server %s does not offer STARTTLS (starttls = \"required\"): mail would go unencrypted",
                    ep->host);
        failure_set_phase(&job->f, "tls");
        return -1;
    }
    if (mailsmtp_socket_starttls_with_callback(smtp, mailwire_tls_setup, ep->host) != MAILSMTP_NO_ERROR)
        return fail(smtp, job, "tls", "failed STARTTLS");
    /* The TLS transport replaced the guarded one. */
    if (mailwire_guard(smtp->stream, &job->guard) != 0)
        return failure_set(&job->f, FAILURE_INTERNAL, "out of memory after STARTTLS");
    if (mailwire_check_certificate(smtp->stream, ep, &job->f) != 0) return -1;
    job->probe.tls = true;
    return hello(smtp, job);
}

static int authenticate(mailsmtp *smtp, struct smtp_job *job) {
    const struct mail_endpoint *ep = &job->ep;
    const char *mech;
    if (!ep->user) return 0;
    if (ep->oauth) {
        bool refused;
        if (mailwire_smtp_oauth(smtp, ep, &job->guard, job->timeout_ms, &job->cancel, &refused, &job->f) != 0)
            return -1;
        job->probe.authenticated = true;
        return 0;
    }
    if (smtp->auth & MAILSMTP_AUTH_PLAIN)
        mech = "PLAIN";
    else if (smtp->auth & MAILSMTP_AUTH_LOGIN)
        mech = "LOGIN";
    else {
        failure_set(&job->f, FAILURE_NETWORK, "SMTP server %s offers no AUTH PLAIN or LOGIN%s", ep->host,
                    job->probe.tls ? "" : " (many servers offer AUTH only after STARTTLS)");
        failure_set_phase(&job->f, "authentication");
        return -1;
    }
    if (mailesmtp_auth_sasl(smtp, mech, ep->host, NULL, NULL, ep->user, ep->user, ep->password, NULL) !=
        MAILSMTP_NO_ERROR) {
        if (mailwire_guard_failure(&job->guard, ep->host, ep->port, "authentication", &job->f)) return -1;
        failure_set(&job->f, FAILURE_NETWORK, "SMTP authentication failed for %s at %s: %s", ep->user, ep->host,
                    last_reply(smtp));
        failure_set_phase(&job->f, "authentication");
        return -1;
    }
    job->probe.authenticated = true;
    return 0;
}

static int transfer(mailsmtp *smtp, struct smtp_job *job) {
    char what[400];
    snprintf(what, sizeof what, "refused MAIL FROM:<%s>", job->from);
    if (mailsmtp_mail(smtp, job->from) != MAILSMTP_NO_ERROR) return fail(smtp, job, "mail from", what);
    for (size_t i = 0; i < job->to.len; i++)
        if (mailsmtp_rcpt(smtp, job->to.items[i]) != MAILSMTP_NO_ERROR) {
            snprintf(what, sizeof what, "refused RCPT TO:<%s>", job->to.items[i]);
            return fail(smtp, job, "rcpt to", what);
        }
    if (mailsmtp_data(smtp) != MAILSMTP_NO_ERROR ||
        mailsmtp_data_message(smtp, job->message, job->message_len) != MAILSMTP_NO_ERROR)
        return fail(smtp, job, "data", "did not accept the message");
    job->reply_code = smtp->response_code;
    job->reply = xstrdup(reply_text(smtp));
    return 0;
}

/* mailsmtp_connect installs its own stream logger, which forwards here. */
static void smtp_logger(mailsmtp *smtp, int log_type, const char *data, size_t size, void *context) {
    mail_trace_log(smtp->stream, log_type, data, size, context);
}

void smtp_run(struct smtp_job *job) {
    time_t seconds = (time_t)((job->timeout_ms + 999) / 1000);
    mailsmtp *smtp = NULL;
    mailstream *s;
    int rc;
    /* One deadline for the whole session, greeting included. */
    mailwire_guard_init(&job->guard, false, job->timeout_ms);
    s = mailwire_open(&job->ep, job->timeout_ms, &job->cancel, &job->guard, &job->probe, &job->f);
    if (!s) return;
    smtp = mailsmtp_new(0, NULL);
    mailsmtp_set_timeout(smtp, seconds ? seconds : 1);
    if (job->trace) mailsmtp_set_logger(smtp, smtp_logger, job->trace);
    rc = mailsmtp_connect(smtp, s);
    if (rc != MAILSMTP_NO_ERROR) {
        mailwire_forget(&job->cancel); /* libetpan closed the stream */
        if (mailwire_guard_failure(&job->guard, job->ep.host, job->ep.port, "greeting", &job->f)) {
            if (strstr(job->f.message, "did not answer within"))
                failure_set(&job->f, FAILURE_NETWORK,
                            "connected to %s (%s) but no SMTP greeting came within %lld ms: a black hole, or not "
                            "an SMTP server",
                            job->ep.host, job->probe.address, (long long)job->timeout_ms);
            failure_set_phase(&job->f, "greeting");
        } else if (rc == MAILSMTP_ERROR_STREAM)
            failure_set(&job->f, FAILURE_NETWORK,
                        "connected to %s (%s) but no SMTP greeting came within %lld ms: a black hole, or not an "
                        "SMTP server",
                        job->ep.host, job->probe.address, (long long)job->timeout_ms);
        else
            failure_set(&job->f, FAILURE_NETWORK, "SMTP server %s turned the connection away: %s", job->ep.host,
                        last_reply(smtp));
        failure_set_phase(&job->f, "greeting");
        goto cleanup;
    }
    job->probe.greeting = xstrdup(reply_text(smtp));
    if (hello(smtp, job) != 0 || starttls(smtp, job) != 0 || authenticate(smtp, job) != 0) goto cleanup;
    if (job->message && transfer(smtp, job) != 0) goto cleanup;
    mailsmtp_quit(smtp);
cleanup:
    mailwire_forget(&job->cancel);
    mailsmtp_free(smtp); /* closes the stream */
}

struct smtp_job *smtp_job_new(void) {
    struct smtp_job *job = xcalloc(1, sizeof *job);
    if (net_cancel_init(&job->cancel) != 0) {
        free(job);
        return NULL;
    }
    return job;
}

void smtp_job_free(struct smtp_job *job) {
    net_cancel_free(&job->cancel);
    mail_endpoint_free(&job->ep);
    free(job->from);
    strlist_free(&job->to);
    free(job->message);
    failure_clear(&job->f);
    mail_probe_result_free(&job->probe);
    free(job->reply);
    if (job->trace) {
        mail_trace_free(job->trace);
        free(job->trace);
    }
    free(job);
}
