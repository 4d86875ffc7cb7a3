/* net.c — blocking connect with a deadline, certificate checks; see net.h.
 *
 * Runs on worker threads only: getaddrinfo blocks, and that is fine here.
 * The connect itself is non-blocking with poll() so the deadline holds even
 * when a firewall drops every SYN (the kernel alone would retry for about
 * two minutes). */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "xalloc.h"

/* One address: 0 connected, -1 failed with errno set (ETIMEDOUT when the
 * deadline passed first, ECANCELED when cancel_fd woke). */
static int connect_one(const struct addrinfo *ai, uint64_t deadline, int cancel_fd, int *fd_out) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    int err = 0;
    socklen_t len = sizeof err;
    if (fd < 0) return -1;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) goto fail;
        for (;;) {
            uint64_t now = loop_clock_ms();
            struct pollfd p[2] = {{.fd = fd, .events = POLLOUT}, {.fd = cancel_fd, .events = POLLIN}};
            if (now >= deadline) {
                errno = ETIMEDOUT;
                goto fail;
            }
            int n = poll(p, cancel_fd >= 0 ? 2 : 1, (int)(deadline - now));
            if (n > 0 && p[1].revents) {
                errno = ECANCELED;
                goto fail;
            }
            if (n > 0) break;
            if (n < 0 && errno != EINTR) goto fail;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) goto fail;
        if (err != 0) {
            errno = err;
            goto fail;
        }
    }
    /* libetpan's streams expect a blocking socket (they poll themselves). */
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) goto fail;
    *fd_out = fd;
    return 0;
fail:
    err = errno;
    close(fd);
    errno = err;
    return -1;
}

static int dns_failure(const char *host, int rc, struct failure *f) {
    failure_set(f, FAILURE_NETWORK, "DNS lookup of %s failed: %s", host,
                rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
    failure_set_phase(f, "dns");
    return -1;
}

int net_resolve(const char *host, struct buf *addresses, int *count, struct failure *f) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
    struct addrinfo *res = NULL;
    char ip[64];
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) return dns_failure(host, rc, f);
    *count = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof ip, NULL, 0, NI_NUMERICHOST) == 0) {
            buf_printf(addresses, "%s%s", *count ? "," : "", ip);
            (*count)++;
        }
    freeaddrinfo(res);
    if (*count == 0) return dns_failure(host, EAI_NONAME, f);
    return 0;
}

int net_connect(const char *host, int port, int64_t timeout_ms, int cancel_fd, char *addr, size_t addr_len,
                struct failure *f) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
    struct addrinfo *res = NULL;
    char service[16], ip[64];
    uint64_t deadline = loop_clock_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    int fd = -1, last_errno = 0, rc;

    snprintf(service, sizeof service, "%d", port);
    rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) return dns_failure(host, rc, f);
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof ip, NULL, 0, NI_NUMERICHOST) != 0)
            snprintf(ip, sizeof ip, "?");
        snprintf(addr, addr_len, ai->ai_family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip, port);
        if (connect_one(ai, deadline, cancel_fd, &fd) != 0) {
            last_errno = errno;
            if (last_errno == ETIMEDOUT || last_errno == ECANCELED) break; /* the deadline is spent */
        }
    }
    freeaddrinfo(res);
    if (fd >= 0) return fd;
    switch (last_errno) {
    case ECANCELED: failure_set(f, FAILURE_ABORTED, "connecting to %s (%s) was cancelled", host, addr); break;
    case ECONNREFUSED:
        failure_set(f, FAILURE_NETWORK, "connection to %s (%s) refused: nothing listens there, or a firewall rejects",
                    host, addr);
        break;
    case ETIMEDOUT:
        failure_set(f, FAILURE_NETWORK,
                    "connecting to %s (%s) timed out after %lld ms: no answer at all, so a firewall probably drops "
                    "the traffic (filtered)",
                    host, addr, (long long)timeout_ms);
        break;
    case ENETUNREACH:
    case EHOSTUNREACH:
        failure_set(f, FAILURE_NETWORK, "%s (%s) is unreachable: %s", host, addr, strerror(last_errno));
        break;
    default: failure_set(f, FAILURE_NETWORK, "cannot connect to %s (%s): %s", host, addr, strerror(last_errno));
    }
    failure_set_phase(f, "connect");
    return -1;
}

int net_cancel_init(struct net_cancel *c) {
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    if (pipe2(c->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        c->pipe[0] = c->pipe[1] = -1;
        return -1;
    }
    return 0;
}

void net_cancel_free(struct net_cancel *c) {
    if (c->pipe[0] >= 0) close(c->pipe[0]);
    if (c->pipe[1] >= 0) close(c->pipe[1]);
    pthread_mutex_destroy(&c->lock);
}

void net_cancel_fire(struct net_cancel *c) {
    pthread_mutex_lock(&c->lock);
    if (!c->cancelled) {
        c->cancelled = true;
        ssize_t n = write(c->pipe[1], "x", 1);
        (void)n;
    }
    if (c->interrupt) c->interrupt(c->interrupt_arg);
    pthread_mutex_unlock(&c->lock);
}

int net_cancel_fd(const struct net_cancel *c) { return c->pipe[0]; }

int net_cancel_set_interrupt(struct net_cancel *c, void (*fn)(void *arg), void *arg) {
    int rc = 0;
    pthread_mutex_lock(&c->lock);
    if (fn && c->cancelled)
        rc = -1;
    else {
        c->interrupt = fn;
        c->interrupt_arg = arg;
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

int net_verify_chain(const unsigned char *const *der, const size_t *der_len, size_t n, const char *host,
                     const char *ca_file, struct failure *f) {
    gnutls_x509_trust_list_t trust = NULL;
    gnutls_x509_crt_t *certs = xcalloc(n ? n : 1, sizeof *certs);
    gnutls_datum_t why = {NULL, 0};
    unsigned status = 0;
    size_t loaded = 0;
    int rc = -1;
    gnutls_typed_vdata_st checks[] = {
        {GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)(uintptr_t)host, 0},
        {GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_SERVER, 0},
    };

    if (n == 0) {
        failure_set(f, FAILURE_NETWORK, "TLS: %s sent no certificate", host);
        goto cleanup;
    }
    if (gnutls_x509_trust_list_init(&trust, 0) < 0) {
        failure_set(f, FAILURE_INTERNAL, "TLS: cannot create a trust list");
        goto cleanup;
    }
    if (ca_file ? gnutls_x509_trust_list_add_trust_file(trust, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0) <= 0
                : gnutls_x509_trust_list_add_system_trust(trust, 0, 0) <= 0) {
        failure_set(f, FAILURE_NETWORK, "TLS: no trusted certificates could be loaded from %s",
                    ca_file ? ca_file : "the system store");
        goto cleanup;
    }
    for (loaded = 0; loaded < n; loaded++) {
        gnutls_datum_t d = {(unsigned char *)(uintptr_t)der[loaded], (unsigned)der_len[loaded]};
        if (gnutls_x509_crt_init(&certs[loaded]) < 0) break;
        if (gnutls_x509_crt_import(certs[loaded], &d, GNUTLS_X509_FMT_DER) < 0) {
            gnutls_x509_crt_deinit(certs[loaded]);
            break;
        }
    }
    if (loaded < n) {
        failure_set(f, FAILURE_NETWORK, "TLS: %s sent a certificate that cannot be parsed", host);
        goto cleanup;
    }
    if (gnutls_x509_trust_list_verify_crt2(trust, certs, (unsigned)n, checks, 2, 0, &status, NULL) < 0) {
        failure_set(f, FAILURE_NETWORK, "TLS: cannot verify the certificate of %s", host);
        goto cleanup;
    }
    if (status != 0) {
        gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0);
        failure_set(f, FAILURE_NETWORK, "TLS: the certificate of %s is not trusted: %s", host,
                    why.data ? (const char *)why.data : "verification failed");
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (rc != 0) failure_set_phase(f, "tls");
    for (size_t i = 0; i < loaded; i++) gnutls_x509_crt_deinit(certs[i]);
    free(certs);
    gnutls_free(why.data);
    if (trust) gnutls_x509_trust_list_deinit(trust, 1);
    return rc;
}
