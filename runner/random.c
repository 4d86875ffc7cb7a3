/* random.c — random numbers; see random.h. */
#include "random.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"

static pthread_mutex_t fallback_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t fallback_state; /* splitmix64; 0 = not seeded yet */

/* splitmix64 (Steele, Lea, Flood 2014): small, and good enough for ids. */
static uint64_t fallback_next(void) {
    uint64_t z;
    pthread_mutex_lock(&fallback_mu);
    if (fallback_state == 0)
        fallback_state = (uint64_t)clock_wall_ms() * 1000003u ^ (uint64_t)clock_mono_ms() << 20 ^
                         (uint64_t)getpid() << 40 ^ (uint64_t)(uintptr_t)&fallback_state;
    z = (fallback_state += 0x9e3779b97f4a7c15ull);
    pthread_mutex_unlock(&fallback_mu);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void random_bytes(void *out, size_t len) {
    unsigned char *p = out;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n > 0) {
            p += n, len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break; /* ENOSYS, EPERM from a filter: the seeded generator */
    }
    while (len > 0) {
        uint64_t v = fallback_next();
        size_t k = len < sizeof v ? len : sizeof v;
        memcpy(p, &v, k);
        p += k, len -= k;
    }
}

void random_hex_id(char *out, size_t nbytes) {
    unsigned char b[32];
    bool zero = true;
    if (nbytes > sizeof b) nbytes = sizeof b;
    random_bytes(b, nbytes);
    for (size_t i = 0; i < nbytes; i++) zero = zero && b[i] == 0;
    if (zero && nbytes) b[nbytes - 1] = 1;
    for (size_t i = 0; i < nbytes; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
    out[2 * nbytes] = '\0';
}

uint64_t random_below(uint64_t n) {
    uint64_t r, limit;
    if (n == 0) return 0;
    /* Reject the top partial range so every value is equally likely. */
    limit = UINT64_MAX - UINT64_MAX % n;
    do random_bytes(&r, sizeof r);
    while (r >= limit);
    return r % n;
}
