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
    /* Byte ranges (offset, length pairs) of raw holding the encoded body of
     * a part (base64, quoted-printable) whose decoded text contains a
     * secret (redact.h): the raw form hides it from redaction. */
    size_t *secret_spans;
    size_t nsecret_spans;
};

/* How deep multiparts may nest and how many parts a message may have: a
 * message past either is refused (mime_parse fails) before it costs more. */
#define MIME_MAX_DEPTH 32
#define MIME_MAX_PARTS 1000

/* Parse raw (len bytes).  Text and HTML get "\n" line ends, as a mail
 * client shows them.  Returns 0, or -1 with f filled (kind `assertion`:
 * the message is malformed beyond recovery, nested deeper than
 * MIME_MAX_DEPTH or has more than MIME_MAX_PARTS parts).  out is owned by
 * the caller: free with mime_message_free (also after a failure). */
int mime_parse(const char *raw, size_t len, struct mail_message *out, struct failure *f);
void mime_message_free(struct mail_message *m);
/* raw with every secret span of m replaced by "[REDACTED]"; caller frees.
 * NULL when m has none. */
char *mime_redact_raw(const char *raw, size_t len, const struct mail_message *m, size_t *out_len);
/* Links in text (http:// and https:// up to whitespace or a delimiter),
 * appended to links unless already there; linear in the text and the
 * links.  For HTML, pass is_html = 1: the document is parsed (libxml2)
 * and the href of every <a> and <area> is taken, entities decoded. */
void mime_find_links(const char *text, int is_html, struct strlist *links);

#endif
