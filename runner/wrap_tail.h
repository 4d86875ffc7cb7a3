/* wrap_tail.h — wrap's bookkeeping of a command's output: only its end is
 * kept (for the fail ping and the log line), in bounded memory however
 * much the command writes, and handed out as whole lines of valid UTF-8. */
#ifndef TELLTALE_WRAP_TAIL_H
#define TELLTALE_WRAP_TAIL_H

#include <stddef.h>

#include "buf.h"

#define WRAP_TAIL_CAP 16384 /* bytes of output kept, whatever --tail says: pings and log lines stay small */

/* Add n bytes of output to tail, which never holds more than
 * 2 * WRAP_TAIL_CAP bytes (amortised O(1) per byte). */
void wrap_tail_append(struct buf *tail, const char *p, size_t n);
/* Append the last `lines` lines of what tail kept (at most WRAP_TAIL_CAP
 * bytes of it) to out as valid UTF-8: a final newline ends a line, a cut
 * through a character becomes U+FFFD.  lines 0: nothing. */
void wrap_tail_text(const struct buf *tail, int lines, struct buf *out);

#endif
