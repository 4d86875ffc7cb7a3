/* charset.c — detecting and converting a body's charset; see charset.h.
 *
 * The order is the WHATWG encoding standard's: a byte order mark wins, then
 * the transport's label, then what the page says about itself.  Labels a
 * browser reads as windows-1252 (ISO-8859-1 and ASCII among them: pages
 * that say latin1 use its 0x80-0x9F punctuation) are mapped to it; any other
 * label goes to iconv as written. */
#include "charset.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "utf8.h"

#define REPLACEMENT "\xEF\xBF\xBD"
#define PRESCAN 1024 /* bytes of a page searched for <meta>, as browsers do */

static const char *const windows_1252[] = {"iso-8859-1", "iso8859-1", "latin1",     "l1",           "us-ascii", "ascii",
                                           "cp819",      "ibm819",    "iso-ir-100", "windows-1252", "cp1252",   NULL};

/* Copy the label at s (quotes, spaces and what follows the label dropped)
 * into out; false when there is none. */
static bool copy_label(const char *s, const char *end, char *out, size_t outlen) {
    size_t n = 0;
    while (s < end && (*s == '"' || *s == '\'' || isspace((unsigned char)*s))) s++;
    while (s < end && n + 1 < outlen && (isalnum((unsigned char)*s) || strchr("-_.:", *s)))
        out[n++] = (char)tolower((unsigned char)*s++);
    out[n] = '\0';
    if (n == 0) return false;
    for (const char *const *l = windows_1252; *l; l++)
        if (strcmp(out, *l) == 0) snprintf(out, outlen, "WINDOWS-1252");
    if (strcmp(out, "utf8") == 0 || strcmp(out, "unicode-1-1-utf-8") == 0) snprintf(out, outlen, "UTF-8");
    return true;
}

/* "charset=" inside [s, end), case-insensitively. */
static const char *find_charset(const char *s, const char *end) {
    for (; s + 8 <= end; s++)
        if (strncasecmp(s, "charset=", 8) == 0) return s + 8;
    return NULL;
}

/* <meta charset="x"> or <meta http-equiv=content-type content="...;
 * charset=x"> in the first PRESCAN bytes. */
static bool meta_charset(const char *body, size_t len, char *out, size_t outlen) {
    const char *end = body + (len < PRESCAN ? len : PRESCAN);
    for (const char *p = body; p + 5 < end; p++) {
        if (strncasecmp(p, "<meta", 5) != 0) continue;
        const char *close = memchr(p, '>', (size_t)(end - p));
        const char *cs = find_charset(p, close ? close : end);
        if (cs && copy_label(cs, close ? close : end, out, outlen)) return true;
    }
    return false;
}

void charset_detect(const char *content_type, const char *body, size_t len, bool html, char *out, size_t outlen,
                    size_t *bom) {
    const char *cs;
    *bom = 0;
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
        *bom = 3;
        snprintf(out, outlen, "UTF-8");
    } else if (len >= 2 && (memcmp(body, "\xFE\xFF", 2) == 0 || memcmp(body, "\xFF\xFE", 2) == 0)) {
        *bom = 2;
        snprintf(out, outlen, body[0] == '\xFE' ? "UTF-16BE" : "UTF-16LE");
    } else if (content_type && (cs = find_charset(content_type, content_type + strlen(content_type))) &&
               copy_label(cs, cs + strlen(cs), out, outlen)) {
        /* the transport's label */
    } else if ((html || (content_type && strcasestr(content_type, "html"))) && meta_charset(body, len, out, outlen)) {
        /* the page's own */
    } else {
        snprintf(out, outlen, "UTF-8");
    }
}

int charset_to_utf8(const char *charset, const char *in, size_t len, struct buf *out) {
    char chunk[4096];
    iconv_t cd;
    if (strcasecmp(charset, "UTF-8") == 0) {
        utf8_append_sanitized(out, in, len);
        return 0;
    }
    cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1) return -1;
    char *src = (char *)in; /* iconv's prototype; it does not write there */
    size_t left = len;
    while (left > 0) {
        char *dst = chunk;
        size_t room = sizeof chunk;
        size_t rc = iconv(cd, &src, &left, &dst, &room);
        buf_append(out, chunk, sizeof chunk - room);
        if (rc != (size_t)-1 || errno == E2BIG) continue;
        /* An undecodable byte (EILSEQ) or a truncated sequence at the end
         * (EINVAL): one replacement character, then the next byte. */
        buf_puts(out, REPLACEMENT);
        src++, left--;
    }
    iconv_close(cd);
    return 0;
}
