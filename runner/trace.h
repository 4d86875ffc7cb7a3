/* trace.h — the one way --trace writes to stderr.
 *
 * HTTP, IMAP, SMTP and SQL traces all show what a server sent, and a server
 * is not trusted: every line is redacted and shown, not obeyed, on the
 * terminal (utf8_append_terminal), so a response cannot forge or erase the
 * lines around it. */
#ifndef TELLTALE_TRACE_H
#define TELLTALE_TRACE_H

#include <stddef.h>

/* Write each line of text[0, len) as "[label] prefix line" (a trailing CR
 * dropped, an empty last line not written). */
void trace_print(const char *label, const char *prefix, const char *text, size_t len);

#endif
