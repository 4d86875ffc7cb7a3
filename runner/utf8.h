/* utf8.h — making arbitrary bytes safe where UTF-8 is required: Prometheus
 * label values, JSON a strict parser will read (a wrapped command's output
 * can be anything). */
#ifndef TELLTALE_UTF8_H
#define TELLTALE_UTF8_H

#include <stddef.h>

struct buf;

/* Length (1..4) of the valid UTF-8 sequence at the start of s, looking at
 * no more than avail bytes; 0 if it is invalid (overlong, surrogate, above
 * U+10FFFF, truncated) or avail is 0. */
size_t utf8_seq_len(const char *s, size_t avail);

/* Append len bytes of s to out, each invalid byte replaced by U+FFFD. */
void utf8_append_sanitized(struct buf *out, const char *s, size_t len);

#endif
