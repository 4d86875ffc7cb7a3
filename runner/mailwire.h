/* mailwire.h — what the SMTP and IMAP clients share on the wire: where to
 * connect and how (TLS mode, certificate checks, credentials), opening a
 * libetpan stream with the engine's connect and TLS checks, and the
 * protocol trace for --trace with credentials taken out.
 *
 * Everything here runs on worker threads except mail_trace_take. */
#ifndef TELLTALE_MAILWIRE_H
#define TELLTALE_MAILWIRE_H

#include <libetpan/libetpan.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "failure.h"
#include "net.h"
#include "oauth.h"
#include "result.h"

enum mail_tls {
    MAIL_TLS_OFF,      /* plain text; never upgraded */
    MAIL_TLS_OPTIONAL, /* STARTTLS when the server offers it */
    MAIL_TLS_REQUIRED, /* STARTTLS or fail */
    MAIL_TLS_IMPLICIT  /* smtps:// and imaps://: TLS from the first byte */
};

/* The SASL mechanism for an OAuth 2.0 token. */
enum mail_sasl {
    MAIL_SASL_AUTO,       /* OAUTHBEARER when the server offers it, else XOAUTH2 */
    MAIL_SASL_XOAUTH2,    /* Google's and Microsoft's */
    MAIL_SASL_OAUTHBEARER /* RFC 7628 */
};

struct mail_guard;

struct mail_endpoint {
    char *host;
    int port;
    enum mail_tls tls;
    bool insecure; /* skip the certificate check (self-signed test servers) */
    char *ca_file; /* PEM bundle to trust instead of the system store; NULL = system */
    char *user;    /* NULL: no authentication */
    char *password;
    struct oauth_source *oauth; /* instead of a password; a reference (copy: ref, free: unref) */
    enum mail_sasl sasl;        /* with oauth */
};
void mail_endpoint_copy(struct mail_endpoint *dst, const struct mail_endpoint *src);
void mail_endpoint_free(struct mail_endpoint *ep);

/* ---- OAuth 2.0 (SASL XOAUTH2 and OAUTHBEARER) ---- */

/* The mechanism to use: the forced one, else OAUTHBEARER when offered,
 * else XOAUTH2 when offered; MAIL_SASL_AUTO when neither is. */
enum mail_sasl mailwire_sasl_choose(enum mail_sasl forced, bool has_oauthbearer, bool has_xoauth2);
const char *mailwire_sasl_name(enum mail_sasl mech); /* "XOAUTH2", "OAUTHBEARER" */

/* The client's first message for mech, base64 (malloc'd): XOAUTH2 as
 * Google documents it, OAUTHBEARER as RFC 7628 section 3.1. */
char *mailwire_sasl_initial(enum mail_sasl mech, const char *user, const char *host, int port, const char *token);

/* Sign in with ep->oauth's token: IMAP AUTHENTICATE (SASL-IR when the
 * server has it) or SMTP AUTH, the mechanism as ep->sasl says or the
 * server offers.  The token is fetched (or taken from the cache) first,
 * and replaced once when the server refuses it.  Returns 0; -1 with f
 * filled (kind network; *refused when the server or the token endpoint
 * said no, phase "authentication": trying again is pointless); -2 when
 * no token could be had for now (the endpoint unreachable; f says so). */
int mailwire_imap_oauth(mailimap *imap, const struct mail_endpoint *ep, struct mail_guard *g, int64_t timeout_ms,
                        struct net_cancel *cancel, bool *refused, struct failure *f);
int mailwire_smtp_oauth(mailsmtp *smtp, const struct mail_endpoint *ep, struct mail_guard *g, int64_t timeout_ms,
                        struct net_cancel *cancel, bool *refused, struct failure *f);
/* Whether the SMTP server's EHLO listed mech among its AUTH mechanisms. */
bool mailwire_smtp_offers(mailsmtp *smtp, const char *mech);

/* A server's SASL error challenge (base64 of a JSON object, RFC 7628
 * 3.2.2) in words appended to out ("status 401, schemes bearer, scope
 * mail"); the raw text when it is not such JSON. */
void mailwire_sasl_error(const char *challenge, size_t len, struct buf *out);

/* A protocol dialogue, collected by the worker and printed by the loop
 * thread.  Client lines carrying credentials (LOGIN, AUTH and the
 * exchange that follows it, libetpan's private data) are replaced by
 * "[redacted]" before they are stored.  Message text is never shown: an
 * IMAP literal ({N} and its N bytes) and what is sent after SMTP's 354
 * become a byte count, because a secret in a message may be encoded
 * (base64, a quoted-printable line break inside it) where redaction
 * cannot see it. */
struct mail_trace {
    pthread_mutex_t lock;
    struct buf text;     /* lines "> sent" / "< received" */
    bool in_auth;        /* inside an AUTH exchange: client lines are secret */
    bool in_data;        /* after SMTP's 354: the client sends the message */
    size_t literal_left; /* bytes of an IMAP literal still to come */
    size_t data_bytes;   /* message bytes sent since 354 */
};
void mail_trace_init(struct mail_trace *t);
void mail_trace_free(struct mail_trace *t);
/* A libetpan logger; context is the struct mail_trace. */
void mail_trace_log(mailstream *s, int log_type, const char *data, size_t size, void *context);
/* Move what was collected into out (loop thread). */
void mail_trace_take(struct mail_trace *t, struct buf *out);

/* What a probe learnt about a server. */
struct mail_probe_result {
    char address[80];            /* the address connected to */
    int64_t connect_ms;          /* TCP connect time */
    char *greeting;              /* the server's first line */
    struct strlist capabilities; /* EHLO keywords or IMAP CAPABILITY atoms */
    bool tls;                    /* the session ended up encrypted */
    bool authenticated;
};
void mail_probe_result_free(struct mail_probe_result *r);

/* Every byte a server sends passes a guard (a mailstream_low driver
 * between libetpan and the socket or TLS layer), because libetpan reads a
 * line, a literal or a response into memory however long it grows: a
 * server that never sends CRLF would take all of it.  The guard fails the
 * read once a protocol line, an announced IMAP literal ({N}) or the whole
 * answer to one command passes its cap, or the session's deadline passes,
 * and remembers why; the caller's error then says so (mailwire_guard_failure).
 * The caller owns the guard; it must outlive the stream. */
struct mail_guard {
    size_t line_max;      /* one protocol line, CRLF excluded */
    size_t literal_max;   /* an IMAP literal; 0: not IMAP (no literals) */
    size_t response_max;  /* everything read between two writes */
    uint64_t deadline_ms; /* loop_clock_ms() the session must end by; 0: none */
    int64_t timeout_ms;   /* what the deadline came from, for the message */
    /* state */
    size_t line_len, response_len, literal_left;
    char tail[32]; /* the end of the current line: "{1234}" may come in pieces */
    size_t tail_len;
    char trip[200]; /* why a read was failed; "" while all is well */
};
/* Caps for an IMAP or an SMTP session; timeout_ms > 0 sets the deadline. */
void mailwire_guard_init(struct mail_guard *g, bool imap, int64_t timeout_ms);
/* Put g between s and its transport.  Again after STARTTLS, which replaces
 * the transport.  Returns 0, or -1 (out of memory: s unchanged). */
int mailwire_guard(mailstream *s, struct mail_guard *g);
/* When g failed a read: f is set (kind network, phase as given) to say
 * so, and true is returned; else f is untouched. */
bool mailwire_guard_failure(const struct mail_guard *g, const char *host, int port, const char *phase,
                            struct failure *f);

/* Tell cancel that the session owning stream is over: nothing left to
 * interrupt (call before mailsmtp_free / mailimap_free). */
void mailwire_forget(struct net_cancel *cancel);

/* Connect to ep (net_connect) and open a libetpan stream on the socket:
 * TLS from the start for MAIL_TLS_IMPLICIT (with SNI for a host name),
 * certificate checked unless ep->insecure; guard (may be NULL) watches
 * every byte read; cancel (may be NULL) can interrupt it from then on.
 * Returns the stream, or NULL with f filled (kind network, phase
 * dns/connect/tls; kind aborted when cancelled). */
mailstream *mailwire_open(const struct mail_endpoint *ep, int64_t timeout_ms, struct net_cancel *cancel,
                          struct mail_guard *guard, struct mail_probe_result *probe, struct failure *f);
/* For the *_with_callback TLS calls of libetpan: sends SNI when data (the
 * host) is a name, not an IP literal. */
void mailwire_tls_setup(struct mailstream_ssl_context *ctx, void *host);
/* After STARTTLS: check the certificate the server now presents. */
int mailwire_check_certificate(mailstream *s, const struct mail_endpoint *ep, struct failure *f);

#endif
