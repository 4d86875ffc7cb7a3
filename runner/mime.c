/* mime.c — decode an e-mail message; see mime.h.
 *
 * Headers are read here directly (unfolded, RFC 2047 words decoded with
 * libetpan's mailmime_encoded_phrase_parse) because a scenario wants them
 * as text; the body goes through libetpan's MIME parser, and each text part
 * through its transfer decoders and charconv. */
#include "mime.h"

#include <ctype.h>
#include <libetpan/libetpan.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "failure.h"
#include "xalloc.h"

/* ---- headers ---- */

/* RFC 2047: "=?UTF-8?Q?R=C3=A9initialiser?=" → "Réinitialiser".  Raw 8-bit
 * headers are taken as UTF-8 already, else as Latin-1. */
static char *decode_header_value(const char *value) {
    size_t idx = 0;
    char *out = NULL;
    if (!strstr(value, "=?")) return xstrdup(value);
    if (mailmime_encoded_phrase_parse("iso-8859-1", value, strlen(value), &idx, "utf-8", &out) == MAILIMF_NO_ERROR &&
        out) {
        char *copy = xstrdup(out);
        free(out);
        return copy;
    }
    return xstrdup(value);
}

/* The header block ends at the first empty line. */
static void parse_headers(const char *raw, size_t len, struct mail_message *m) {
    const char *p = raw, *end = raw + len;
    struct buf name, value;
    buf_init(&name, 0);
    buf_init(&value, 0);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        size_t n = (size_t)(line_end - p);
        if (n && p[n - 1] == '\r') n--;
        bool continuation = n > 0 && (p[0] == ' ' || p[0] == '\t');
        if (!continuation && name.len) { /* the previous header is complete */
            char *decoded = decode_header_value(buf_str(&value));
            strlist_push(&m->header_names, buf_str(&name));
            strlist_push(&m->header_values, decoded);
            free(decoded);
            buf_reset(&name);
            buf_reset(&value);
        }
        if (n == 0) break; /* end of headers */
        if (continuation) {
            const char *s = p;
            while (s < p + n && (*s == ' ' || *s == '\t')) s++;
            buf_puts(&value, " ");
            buf_append(&value, s, (size_t)(p + n - s));
        } else {
            const char *colon = memchr(p, ':', n);
            if (colon) {
                for (const char *s = p; s < colon; s++) {
                    char c = (char)tolower((unsigned char)*s);
                    buf_append(&name, &c, 1);
                }
                const char *v = colon + 1;
                while (v < p + n && (*v == ' ' || *v == '\t')) v++;
                buf_append(&value, v, (size_t)(p + n - v));
            }
        }
        p = eol ? eol + 1 : end;
    }
    buf_free(&name);
    buf_free(&value);
}

static const char *header(const struct mail_message *m, const char *name) {
    for (size_t i = 0; i < m->header_names.len; i++)
        if (strcmp(m->header_names.items[i], name) == 0) return m->header_values.items[i];
    return NULL;
}

/* "Ann <a@x>, \"B, C\" <b@x>, c@x" → a@x, b@x, c@x */
static void parse_addresses(const char *value, struct strlist *out) {
    const char *p = value;
    while (value && *p) {
        const char *start = p;
        bool quoted = false;
        int angle = 0;
        for (; *p && (quoted || angle || *p != ','); p++) {
            if (*p == '"')
                quoted = !quoted;
            else if (!quoted && *p == '<')
                angle++;
            else if (!quoted && *p == '>' && angle)
                angle--;
        }
        const char *lt = NULL, *gt = NULL;
        for (const char *s = start; s < p; s++) {
            if (*s == '<') lt = s;
            if (*s == '>' && lt) gt = s;
        }
        const char *a = lt && gt ? lt + 1 : start, *b = lt && gt ? gt : p;
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        if (b > a && memchr(a, '@', (size_t)(b - a))) {
            char *addr = xstrndup(a, (size_t)(b - a));
            strlist_push(out, addr);
            free(addr);
        }
        if (*p == ',') p++;
    }
}

/* ---- links ---- */

static bool has_link(const struct strlist *links, const char *s) {
    for (size_t i = 0; i < links->len; i++)
        if (strcmp(links->items[i], s) == 0) return true;
    return false;
}

static void add_link(struct strlist *links, const char *s, size_t n) {
    /* Sentence punctuation after a link in text is not part of it. */
    while (n && strchr(".,;:!?)]}'\"", s[n - 1])) n--;
    if (n <= 8) return;
    char *link = xstrndup(s, n);
    if (!has_link(links, link)) strlist_push(links, link);
    free(link);
}

/* &amp; &lt; &gt; &quot; &#39; &#x27; — what HTML mail puts in hrefs. */
static char *decode_entities(const char *s, size_t n) {
    struct buf out;
    buf_init(&out, 0);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '&') {
            static const struct {
                const char *name;
                char c;
            } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
            bool done = false;
            for (size_t k = 0; k < sizeof named / sizeof named[0] && !done; k++) {
                size_t len = strlen(named[k].name);
                if (i + 1 + len <= n && strncmp(s + i + 1, named[k].name, len) == 0) {
                    buf_append(&out, &named[k].c, 1);
                    i += len;
                    done = true;
                }
            }
            if (!done && i + 2 < n && s[i + 1] == '#') {
                char *endp;
                bool hex = s[i + 2] == 'x' || s[i + 2] == 'X';
                long code = strtol(s + i + (hex ? 3 : 2), &endp, hex ? 16 : 10);
                if (*endp == ';' && code > 0 && code < 128) {
                    char c = (char)code;
                    buf_append(&out, &c, 1);
                    i = (size_t)(endp - s);
                    done = true;
                }
            }
            if (done) continue;
        }
        buf_append(&out, &s[i], 1);
    }
    return buf_take(&out);
}

void mime_find_links(const char *text, int is_html, struct strlist *links) {
    if (!text) return;
    if (is_html) {
        for (const char *p = text; (p = strcasestr(p, "href")) != NULL;) {
            p += 4;
            while (isspace((unsigned char)*p)) p++;
            if (*p != '=') continue;
            p++;
            while (isspace((unsigned char)*p)) p++;
            char quote = (*p == '"' || *p == '\'') ? *p++ : 0;
            const char *start = p;
            while (*p && (quote ? *p != quote : !isspace((unsigned char)*p) && *p != '>')) p++;
            char *href = decode_entities(start, (size_t)(p - start));
            if ((strncasecmp(href, "http://", 7) == 0 || strncasecmp(href, "https://", 8) == 0) &&
                !has_link(links, href))
                strlist_push(links, href);
            free(href);
        }
        return;
    }
    for (const char *p = text; *p;) {
        const char *http = strcasestr(p, "http");
        if (!http) break;
        if (strncasecmp(http, "http://", 7) != 0 && strncasecmp(http, "https://", 8) != 0) {
            p = http + 4;
            continue;
        }
        const char *e = http;
        while (*e && !isspace((unsigned char)*e) && !strchr("<>\"", *e)) e++;
        add_link(links, http, (size_t)(e - http));
        p = e;
    }
}

/* ---- body ---- */

static bool is_text(struct mailmime_content *ct, const char *subtype) {
    return ct && ct->ct_type && ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
           ct->ct_type->tp_data.tp_discrete_type->dt_type == MAILMIME_DISCRETE_TYPE_TEXT && ct->ct_subtype &&
           strcasecmp(ct->ct_subtype, subtype) == 0;
}

static bool is_attachment(struct mailmime *mime) {
    if (!mime->mm_mime_fields) return false;
    for (clistiter *it = clist_begin(mime->mm_mime_fields->fld_list); it; it = clist_next(it)) {
        struct mailmime_field *field = clist_content(it);
        if (field->fld_type == MAILMIME_FIELD_DISPOSITION && field->fld_data.fld_disposition &&
            field->fld_data.fld_disposition->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT)
            return true;
    }
    return false;
}

/* A text part, transfer-decoded and converted to UTF-8. */
static char *decode_part(struct mailmime *mime) {
    struct mailmime_data *data = mime->mm_data.mm_single;
    const char *src;
    size_t len, idx = 0, decoded_len = 0;
    char *decoded = NULL, *utf8 = NULL, *result;
    const char *charset;
    if (!data || data->dt_type != MAILMIME_DATA_TEXT) return NULL;
    src = data->dt_data.dt_text.dt_data;
    len = data->dt_data.dt_text.dt_length;
    if (data->dt_encoded) {
        if (mailmime_part_parse(src, len, &idx, data->dt_encoding, &decoded, &decoded_len) != MAILIMF_NO_ERROR)
            return NULL;
        src = decoded;
        len = decoded_len;
    }
    charset = mime->mm_content_type ? mailmime_content_charset_get(mime->mm_content_type) : NULL;
    if (charset && strcasecmp(charset, "utf-8") != 0 && strcasecmp(charset, "us-ascii") != 0 &&
        charconv("utf-8", charset, src, len, &utf8) == MAIL_CHARCONV_NO_ERROR) {
        result = xstrdup(utf8);
        free(utf8); /* charconv_buffer_free leaks: it only releases mmap strings */
    } else {
        result = xstrndup(src, len);
    }
    if (decoded) mmap_string_unref(decoded);
    return result;
}

static void walk(struct mailmime *mime, struct mail_message *m) {
    switch (mime->mm_type) {
    case MAILMIME_SINGLE:
        if (is_attachment(mime)) return;
        if (!m->text && is_text(mime->mm_content_type, "plain"))
            m->text = decode_part(mime);
        else if (!m->html && is_text(mime->mm_content_type, "html"))
            m->html = decode_part(mime);
        return;
    case MAILMIME_MULTIPLE:
        for (clistiter *it = clist_begin(mime->mm_data.mm_multipart.mm_mp_list); it; it = clist_next(it))
            walk(clist_content(it), m);
        return;
    case MAILMIME_MESSAGE:
        /* Only the top-level message: a forwarded message/rfc822 inside
         * is an attachment, not what this mail says. */
        if (!mime->mm_parent && mime->mm_data.mm_message.mm_msg_mime) walk(mime->mm_data.mm_message.mm_msg_mime, m);
        return;
    }
}

int mime_parse(const char *raw, size_t len, struct mail_message *m, struct failure *f) {
    struct mailmime *mime = NULL;
    size_t idx = 0;
    const char *v;
    memset(m, 0, sizeof *m);
    parse_headers(raw, len, m);
    m->subject = xstrdup(header(m, "subject") ? header(m, "subject") : "");
    struct strlist from = {0};
    parse_addresses(header(m, "from"), &from);
    m->from = xstrdup(from.len ? from.items[0] : "");
    strlist_free(&from);
    parse_addresses(header(m, "to"), &m->to);
    parse_addresses(header(m, "cc"), &m->cc);
    m->date = xstrdup(header(m, "date") ? header(m, "date") : "");
    v = header(m, "message-id");
    if (v) {
        while (*v == '<' || isspace((unsigned char)*v)) v++;
        size_t n = strcspn(v, ">");
        m->message_id = xstrndup(v, n);
    } else {
        m->message_id = xstrdup("");
    }
    if (mailmime_parse(raw, len, &idx, &mime) != MAILIMF_NO_ERROR) {
        mime_message_free(m);
        return failure_set(f, FAILURE_ASSERTION, "malformed e-mail message: its MIME structure cannot be parsed");
    }
    walk(mime, m);
    mailmime_free(mime);
    mime_find_links(m->text, 0, &m->links);
    mime_find_links(m->html, 1, &m->links);
    return 0;
}

void mime_message_free(struct mail_message *m) {
    free(m->subject);
    free(m->from);
    strlist_free(&m->to);
    strlist_free(&m->cc);
    free(m->date);
    free(m->message_id);
    strlist_free(&m->header_names);
    strlist_free(&m->header_values);
    free(m->text);
    free(m->html);
    strlist_free(&m->links);
    memset(m, 0, sizeof *m);
}
