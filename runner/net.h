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

#include <stddef.h>
#include <stdint.h>

#include "failure.h"

/* Resolve host and connect to port, trying each address, all within
 * timeout_ms.  Returns a connected blocking socket (caller closes), or -1
 * with f filled (kind network, phase "dns" or "connect").  The address
 * used is written to addr ("127.0.0.1:25"). */
int net_connect(const char *host, int port, int64_t timeout_ms, char *addr, size_t addr_len, struct failure *f);

/* Verify a peer's certificate chain (DER, leaf first) for host against the
 * system's trust store, or against the PEM file ca_file when not NULL.
 * Returns 0, or -1 with f filled (kind network, phase "tls") saying why. */
int net_verify_chain(const unsigned char *const *der, const size_t *der_len, size_t n, const char *host,
                     const char *ca_file, struct failure *f);

#endif
