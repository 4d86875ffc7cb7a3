/* buf.c — growable byte buffer; see buf.h for the contract. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void buf_init(struct buf *b, size_t cap) {
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void buf_free(struct buf *b) {
    free(b->data);
    buf_init(b, b->cap);
}

void buf_reset(struct buf *b) {
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

static void grow(struct buf *b, size_t need) {
    size_t want = b->alloc ? b->alloc : 256;
    while (want < need) want *= 2;
    b->data = xrealloc(b->data, want);
    b->alloc = want;
}

int buf_append(struct buf *b, const void *data, size_t len) {
    if (b->cap && b->len + len > b->cap) return BUF_TOO_BIG;
    if (b->len + len + 1 > b->alloc) grow(b, b->len + len + 1);
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return BUF_OK;
}

int buf_puts(struct buf *b, const char *s) { return buf_append(b, s, strlen(s)); }

/* Formats into the free space first: most calls fit, and formatting
 * twice (measure, then write) was half of what the reports cost. */
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) {
    va_list copy;
    size_t room = b->alloc > b->len ? b->alloc - b->len : 0;
    int n;
    va_copy(copy, ap);
    n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, copy);
    va_end(copy);
    if (n < 0) { /* an encoding error in fmt: append nothing */
        if (room) b->data[b->len] = '\0';
        return BUF_OK;
    }
    if (b->cap && b->len + (size_t)n > b->cap) {
        if (room) b->data[b->len] = '\0';
        return BUF_TOO_BIG;
    }
    if ((size_t)n >= room) {
        grow(b, b->len + (size_t)n + 1);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    }
    b->len += (size_t)n;
    return BUF_OK;
}

int buf_printf(struct buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *buf_take(struct buf *b) {
    char *s = b->data ? b->data : xstrdup("");
    buf_init(b, b->cap);
    return s;
}

const char *buf_str(const struct buf *b) { return b->data ? b->data : ""; }
