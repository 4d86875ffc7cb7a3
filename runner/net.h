/* net.h — blocking TCP connect and TLS certificate checks, for worker
 * threads (mail.send, mail.probe, net.tcp, IMAP mailboxes).
 *
 * A silently blocked port is the failure these exist to name, so a failed
 * connect says which of the usual causes it was: the name did not resolve
 * (phase "dns"), the peer refused (an RST: nothing listens, or a firewall
 * rejects), nothing answered before the deadline (a firewall drops the
 * packets: "filtered"), or the network is unreachable. */
#ifndef TELLTALE_NET_H
#define TELLTALE_NET_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "failure.h"

/* Resolve host and connect to port, trying each address, all within
 * timeout_ms.  Returns a connected blocking socket (caller closes), or -1
 * with f filled (kind network, phase "dns" or "connect"; kind aborted when
 * cancel_fd, if not -1, became readable first).  The address used is
 * written to addr ("127.0.0.1:25"). */
int net_connect(const char *host, int port, int64_t timeout_ms, int cancel_fd, char *addr, size_t addr_len,
                struct failure *f);

/* Resolve host to its addresses, as text, comma-separated, in the
 * resolver's order ("::1,127.0.0.1"), for a library that would otherwise
 * resolve on the loop thread (libpq); *count gets how many.  Returns 0, or
 * -1 with f filled (kind network, phase "dns"). */
int net_resolve(const char *host, struct buf *addresses, int *count, struct failure *f);

/* Stopping a blocking session from another thread (the step gave up, the
 * process is exiting): without it, a black-holed server would hold the
 * exit for the whole network timeout.  The pipe interrupts net_connect;
 * once connected, the session registers how to interrupt its reads (for
 * libetpan, mailstream_cancel). */
struct net_cancel {
    pthread_mutex_t lock;
    bool cancelled;
    void (*interrupt)(void *arg); /* called under lock by net_cancel_fire */
    void *interrupt_arg;
    int pipe[2];
};
/* Returns 0, or -1 (errno) when no pipe can be made. */
int net_cancel_init(struct net_cancel *c);
void net_cancel_free(struct net_cancel *c);
/* Any thread: interrupt the session now, and whatever it starts later. */
void net_cancel_fire(struct net_cancel *c);
int net_cancel_fd(const struct net_cancel *c);
/* Register (fn) or clear (NULL) the interrupt; returns -1 if already
 * cancelled (then nothing is registered). */
int net_cancel_set_interrupt(struct net_cancel *c, void (*fn)(void *arg), void *arg);

/* Verify a peer's certificate chain (DER, leaf first) for host against the
 * system's trust store, or against the PEM file ca_file when not NULL.
 * Returns 0, or -1 with f filled (kind network, phase "tls") saying why. */
int net_verify_chain(const unsigned char *const *der, const size_t *der_len, size_t n, const char *host,
                     const char *ca_file, struct failure *f);

#endif
