/* charset.h — bodies as a browser reads them: which charset a response is
 * in (byte order mark, then the Content-Type charset, then an HTML page's
 * <meta>, else UTF-8) and its text converted to UTF-8 with glibc's iconv,
 * undecodable bytes replaced by U+FFFD as a browser shows them.  Lua-free. */
#ifndef TELLTALE_CHARSET_H
#define TELLTALE_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* The charset of body into out (outlen bytes, at least 32): a name iconv
 * knows, "UTF-8" when nothing says otherwise.  content_type may be NULL;
 * html set (or a text/html content type) looks for <meta charset> in the
 * first 1024 bytes.  *bom is the length of a byte order mark to skip. */
void charset_detect(const char *content_type, const char *body, size_t len, bool html, char *out, size_t outlen,
                    size_t *bom);

/* Append len bytes of in, in charset, to out as UTF-8.  Returns 0, or -1
 * when iconv does not know the charset (out unchanged). */
int charset_to_utf8(const char *charset, const char *in, size_t len, struct buf *out);

#endif
