/* xalloc.h — allocation with one out-of-memory policy.
 *
 * A canary that half-works under memory pressure is worse than one that
 * stops: every allocation in the engine goes through these, and running out
 * of memory prints one line and exits with the internal-error code (3),
 * as Redis's zmalloc does. */
#ifndef TELLTALE_XALLOC_H
#define TELLTALE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
