/* utf8.c — UTF-8 validation; see utf8.h. */
#include "utf8.h"

#include "buf.h"

#define REPLACEMENT "\xEF\xBF\xBD"

size_t utf8_seq_len(const char *str, size_t avail) {
    const unsigned char *s = (const unsigned char *)str;
    size_t n;
    if (avail == 0) return 0;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4;
    else
        return 0;
    if (n > avail) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    /* Overlong forms, surrogates and code points above U+10FFFF. */
    if (s[0] == 0xE0 && s[1] < 0xA0) return 0;
    if (s[0] == 0xED && s[1] > 0x9F) return 0;
    if (s[0] == 0xF0 && s[1] < 0x90) return 0;
    if (s[0] == 0xF4 && s[1] > 0x8F) return 0;
    return n;
}

void utf8_append_sanitized(struct buf *out, const char *s, size_t len) {
    size_t i = 0, run = 0; /* valid bytes from s + i - run not yet copied */
    while (i < len) {
        size_t n = utf8_seq_len(s + i, len - i);
        if (n) {
            i += n, run += n;
            continue;
        }
        buf_append(out, s + i - run, run);
        buf_puts(out, REPLACEMENT);
        i++, run = 0;
    }
    buf_append(out, s + len - run, run);
}

size_t utf8_cut(const char *s, size_t len, size_t max) {
    if (len <= max) return len;
    /* A sequence is at most 4 bytes: look back at most 3 for its start. */
    for (size_t back = 1; back <= 3 && back <= max; back++) {
        size_t start = max - back, n = utf8_seq_len(s + start, len - start);
        if (n > back) return start; /* it would straddle the cut */
        if (n) break;               /* a whole character ends before the cut */
    }
    return max;
}

void utf8_append_capped(struct buf *out, const char *s, size_t len, size_t max) {
    /* Room for the note within max, so capping twice keeps the first note. */
    size_t n = len <= max ? len : utf8_cut(s, len, max > 96 ? max - 48 : max / 2);
    utf8_append_sanitized(out, s, n);
    if (n < len) buf_printf(out, "\xE2\x80\xA6 (%zu bytes, cut)", len);
}

void utf8_append_terminal(struct buf *out, const char *s, size_t len, const char *indent) {
    for (size_t i = 0; i < len;) {
        const unsigned char *p = (const unsigned char *)s + i;
        size_t n = utf8_seq_len(s + i, len - i);
        if (n == 0) {
            buf_puts(out, REPLACEMENT);
            n = 1;
        } else if (*p == '\n') {
            buf_printf(out, "\n%s", indent);
        } else if (*p == 0x1b) {
            buf_puts(out, "\\e");
        } else if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            buf_printf(out, "\\x%02x", *p);
        } else if (n == 2 && p[0] == 0xC2 && p[1] <= 0x9F) {
            buf_printf(out, "\\u%04x", p[1]);
        } else {
            buf_append(out, p, n);
        }
        i += n;
    }
}
