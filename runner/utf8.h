/* utf8.h — making arbitrary bytes safe where UTF-8 is required: Prometheus
 * label values, JSON and XML reports a strict parser will read (a wrapped
 * command's output, a response body, an error message can be anything), and
 * excerpts cut where a character ends, never inside one. */
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

/* The longest prefix of s[0, len), at most max bytes, that does not end
 * inside a valid multibyte sequence: where to cut an excerpt.  (Invalid
 * bytes are single characters here; sanitizing replaces them later.) */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* Append s sanitized (as utf8_append_sanitized), cut at a character
 * boundary when longer than max bytes, and then followed by a note of the
 * whole size, "… (104857600 bytes, cut)", the two within max bytes (before
 * sanitizing): capping a capped text again changes nothing. */
void utf8_append_capped(struct buf *out, const char *s, size_t len, size_t max);

/* Append s as a terminal should show it, not obey it: invalid bytes as
 * U+FFFD, ESC as \e, other control characters as \xNN and C1 controls as
 * \u0080.., so a response body or an error message cannot recolour, move
 * the cursor, retitle the window or overwrite a line (\r) to forge a PASS.
 * Tabs stay; each newline is followed by indent. */
void utf8_append_terminal(struct buf *out, const char *s, size_t len, const char *indent);

#endif
