/* mime.h — an e-mail message, decoded: what a scenario checks.
 *
 * Lua-free, so it is unit-tested on fixture messages.  Decoding follows the
 * message as mail clients show it: nested multipart (alternative, mixed,
 * related), base64 and quoted-printable (soft line breaks inside links
 * included), charsets converted to UTF-8, RFC 2047 encoded words in
 * headers, and links collected from the text and the HTML with entities
 * like &amp; decoded.  The MIME parser and decoders are libetpan's. */
#ifndef TELLTALE_MIME_H
#define TELLTALE_MIME_H

#include <stddef.h>

#include "result.h"

struct failure;

struct mail_message {
    char *subject;     /* decoded; "" when absent */
    char *from;        /* the sender's address (addr-spec), "" when absent */
    struct strlist to; /* addresses */
    struct strlist cc;
    char *date;                   /* the Date header as sent */
    char *message_id;             /* without angle brackets */
    struct strlist header_names;  /* lower-case, in order, repeated names repeated */
    struct strlist header_values; /* decoded, unfolded */
    char *text;                   /* the first text/plain part, UTF-8; NULL if none */
    char *html;                   /* the first text/html part, UTF-8; NULL if none */
    struct strlist links;         /* every http(s) link in text and html, in order, once */
};

/* Parse raw (len bytes).  Returns 0, or -1 with f filled (kind
 * `assertion`: the message is malformed beyond recovery).  out is owned by
 * the caller: free with mime_message_free. */
int mime_parse(const char *raw, size_t len, struct mail_message *out, struct failure *f);
void mime_message_free(struct mail_message *m);
/* Links in text (http:// and https:// up to whitespace or a delimiter),
 * appended to links unless already there.  For HTML, pass is_html = 1:
 * href attributes are taken and entities decoded. */
void mime_find_links(const char *text, int is_html, struct strlist *links);

#endif
