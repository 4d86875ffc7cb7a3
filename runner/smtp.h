/* smtp.h — an SMTP client session (libetpan) for worker threads: probe a
 * submission port, or send one message.
 *
 * The dialogue: connect (net.c, so a refused port, a filtered one and a
 * dead name are told apart), greeting, EHLO, STARTTLS as the endpoint asks
 * (certificate checked unless insecure), AUTH when credentials are given,
 * then for a send MAIL FROM / RCPT TO / DATA. */
#ifndef TELLTALE_SMTP_H
#define TELLTALE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "failure.h"
#include "mailwire.h"
#include "result.h"

struct smtp_job {
    /* in */
    struct mail_endpoint ep;
    int64_t timeout_ms;
    char *from;        /* envelope sender; NULL for a probe */
    struct strlist to; /* envelope recipients */
    char *message;     /* RFC 5322 text with CRLF line ends; NULL = probe only */
    size_t message_len;
    struct mail_trace *trace; /* NULL: no --trace */
    struct net_cancel cancel; /* interrupts the session from another thread */
    struct mail_guard guard;  /* caps on the server's replies; timeout_ms is its deadline */
    /* out */
    struct failure f; /* kind NONE on success */
    struct mail_probe_result probe;
    int reply_code; /* the server's answer to the message (250) */
    char *reply;    /* its text ("2.0.0 Ok: queued as 4Xyz") */
};

/* A zeroed job with its cancel pipe; NULL when no pipe can be made. */
struct smtp_job *smtp_job_new(void);
/* Run the whole session; blocks (worker thread). */
void smtp_run(struct smtp_job *job);
void smtp_job_free(struct smtp_job *job);

/* The fields of a message to build. */
struct smtp_message {
    const char *from, *subject, *text, *html;
    const struct strlist *to, *cc;
    const struct strlist *header_names, *header_values; /* extra headers, in order */
};
/* Build a MIME message (UTF-8, base64 bodies, RFC 2047 subject when not
 * ASCII, multipart/alternative for text + html).  Returns a malloc'd
 * string; its Message-ID (without <>) is copied to message_id. */
char *smtp_build_message(const struct smtp_message *m, char *message_id, size_t message_id_len, size_t *len);

#endif
