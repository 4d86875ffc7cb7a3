/* buf.h — growable byte buffer with an optional size cap.
 *
 * Every buffer the network fills has a cap: appending past it fails with
 * BUF_TOO_BIG and leaves the content unchanged, so the caller can report
 * "response body exceeds N bytes" instead of eating memory.  The buffer owns
 * its storage; buf_take() hands it to the caller. */
#ifndef TELLTALE_BUF_H
#define TELLTALE_BUF_H

#include <stdarg.h>
#include <stddef.h>

enum buf_status { BUF_OK = 0, BUF_TOO_BIG = -1 };

struct buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t alloc;
    size_t cap; /* 0 = unlimited */
};

void buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);
void buf_reset(struct buf *b); /* keeps the allocation */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Caller owns the returned string (never NULL); the buffer is left empty. */
char *buf_take(struct buf *b);
/* The content as a C string; "" for an empty buffer. */
const char *buf_str(const struct buf *b);

#endif
