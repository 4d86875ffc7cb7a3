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
#include "result.h"

enum mail_tls {
    MAIL_TLS_OFF,      /* plain text; never upgraded */
    MAIL_TLS_OPTIONAL, /* STARTTLS when the server offers it */
    MAIL_TLS_REQUIRED, /* STARTTLS or fail */
    MAIL_TLS_IMPLICIT  /* smtps:// and imaps://: TLS from the first byte */
};

struct mail_endpoint {
    char *host;
    int port;
    enum mail_tls tls;
    bool insecure; /* skip the certificate check (self-signed test servers) */
    char *ca_file; /* PEM bundle to trust instead of the system store; NULL = system */
    char *user;    /* NULL: no authentication */
    char *password;
};
void mail_endpoint_copy(struct mail_endpoint *dst, const struct mail_endpoint *src);
void mail_endpoint_free(struct mail_endpoint *ep);

/* A protocol dialogue, collected by the worker and printed by the loop
 * thread.  Client lines carrying credentials (LOGIN, AUTH and the
 * exchange that follows it, libetpan's private data) are replaced by
 * "[redacted]" before they are stored. */
struct mail_trace {
    pthread_mutex_t lock;
    struct buf text; /* lines "> sent" / "< received" */
    bool in_auth;    /* inside an AUTH exchange: client lines are secret */
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

/* Tell cancel that the session owning stream is over: nothing left to
 * interrupt (call before mailsmtp_free / mailimap_free). */
void mailwire_forget(struct net_cancel *cancel);

/* Connect to ep (net_connect) and open a libetpan stream on the socket:
 * TLS from the start for MAIL_TLS_IMPLICIT, certificate checked unless
 * ep->insecure; cancel (may be NULL) can interrupt it from then on.
 * Returns the stream, or NULL with f filled (kind network, phase
 * dns/connect/tls; kind aborted when cancelled). */
mailstream *mailwire_open(const struct mail_endpoint *ep, int64_t timeout_ms, struct net_cancel *cancel,
                          struct mail_probe_result *probe, struct failure *f);
/* After STARTTLS: check the certificate the server now presents. */
int mailwire_check_certificate(mailstream *s, const struct mail_endpoint *ep, struct failure *f);

#endif
