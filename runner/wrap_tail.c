/* wrap_tail.c — the end of a command's output; see wrap_tail.h. */
#include "wrap_tail.h"

#include <string.h>

#include "utf8.h"

/* Keep the last WRAP_TAIL_CAP bytes: append, and when twice the cap is held,
 * move the newest half down — amortised O(1) per byte. */
void wrap_tail_append(struct buf *tail, const char *p, size_t n) {
    if (n >= WRAP_TAIL_CAP) {
        buf_reset(tail);
        buf_append(tail, p + n - WRAP_TAIL_CAP, WRAP_TAIL_CAP);
        return;
    }
    buf_append(tail, p, n);
    if (tail->len > 2 * WRAP_TAIL_CAP) {
        memmove(tail->data, tail->data + tail->len - WRAP_TAIL_CAP, WRAP_TAIL_CAP);
        tail->len = WRAP_TAIL_CAP;
        tail->data[tail->len] = '\0';
    }
}

/* The last `lines` lines of what was kept (at most WRAP_TAIL_CAP bytes), as
 * valid UTF-8. */
void wrap_tail_text(const struct buf *tail, int lines, struct buf *out) {
    size_t len = tail->len, start;
    const char *d = tail->data;
    if (len > WRAP_TAIL_CAP) d += len - WRAP_TAIL_CAP, len = WRAP_TAIL_CAP;
    start = len;
    if (lines > 0 && start > 0 && d[start - 1] == '\n') start--; /* a final newline ends a line, not begins one */
    for (int seen = 0; start > 0 && lines > 0; start--)
        if (d[start - 1] == '\n' && ++seen == lines) break;
    if (lines <= 0) start = len;
    /* A cut through a multi-byte character becomes U+FFFD, not bad JSON. */
    utf8_append_sanitized(out, d + start, len - start);
}
