/* random.h — the one source of random numbers: run ids, Message-IDs and
 * MIME boundaries, schedule jitter, W3C
 *
 * trace and span ids.
 *
 * The kernel's (getrandom).  Where it cannot answer (no entropy pool yet in
 * an early-boot container, a seccomp filter refusing the call), a generator
 * seeded once from the clocks, the pid and an address: values still differ
 * between processes and calls, which is all these uses need — none of them
 * is a secret.  Thread-safe. */
#ifndef TELLTALE_RANDOM_H
#define TELLTALE_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fill out with len random bytes. */
void random_bytes(void *out, size_t len);
/* nbytes random bytes as lowercase hex into out (2 * nbytes + 1 bytes),
 * never all zeros: run ids, and W3C trace and span ids, which are invalid
 * when zero. */
void random_hex_id(char *out, size_t nbytes);
/* A uniform value in [0, n); 0 when n is 0. */
uint64_t random_below(uint64_t n);

#endif
