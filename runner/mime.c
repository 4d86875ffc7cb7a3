/* mime.c — decode an e-mail message; see mime.h.
 *
 * Headers are read here directly (unfolded, RFC 2047 words decoded with
 * libetpan's mailmime_encoded_phrase_parse) because a scenario wants them
 * as text; the body goes through libetpan's MIME parser, and each text part
 * through its transfer decoders and charconv. */
#include "mime.h"

#include <ctype.h>
#include <libetpan/libetpan.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "failure.h"
#include "redact.h"
#include "xalloc.h"

#define MIME_STR2(x) #x
#define MIME_STR(x) MIME_STR2(x)

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

/* The links seen so far, hashed (FNV-1a, open addressing): a mail with
 * 100k links is deduplicated in one pass, not 100k passes. */
struct linkset {
    const char **slot; /* borrowed from the strlist */
    size_t cap, n;
};

static size_t link_hash(const char *s) {
    size_t h = 14695981039346656037u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void linkset_put(struct linkset *set, const char *s);

static void linkset_grow(struct linkset *set) {
    struct linkset bigger = {xcalloc(set->cap ? set->cap * 2 : 64, sizeof *set->slot), set->cap ? set->cap * 2 : 64, 0};
    for (size_t i = 0; i < set->cap; i++)
        if (set->slot[i]) linkset_put(&bigger, set->slot[i]);
    free(set->slot);
    *set = bigger;
}

/* True when s was not in the set (it is now). */
static bool linkset_add(struct linkset *set, const char *s) {
    if ((set->n + 1) * 2 > set->cap) linkset_grow(set);
    for (size_t i = link_hash(s) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
        if (!set->slot[i]) {
            set->slot[i] = s;
            set->n++;
            return true;
        }
        if (strcmp(set->slot[i], s) == 0) return false;
    }
}

static void linkset_put(struct linkset *set, const char *s) { linkset_add(set, s); }

static void push_link(struct strlist *links, struct linkset *set, const char *s, size_t n) {
    char *link = xstrndup(s, n);
    strlist_push(links, link); /* the set borrows the list's copy */
    free(link);
    if (!linkset_add(set, links->items[links->len - 1])) free(links->items[--links->len]);
}

static bool is_web_link(const char *s) {
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* Every <a href> and <area href> of the document, in document order. */
static void html_links(const char *html, struct strlist *links, struct linkset *set) {
    htmlDocPtr doc = htmlReadMemory(html, (int)strlen(html), NULL, "UTF-8",
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    xmlNodePtr n = doc ? xmlDocGetRootElement(doc) : NULL;
    while (n) {
        if (n->type == XML_ELEMENT_NODE &&
            (xmlStrcasecmp(n->name, BAD_CAST "a") == 0 || xmlStrcasecmp(n->name, BAD_CAST "area") == 0)) {
            xmlChar *href = xmlGetProp(n, BAD_CAST "href");
            if (href) {
                const char *h = (const char *)href, *e;
                while (isspace((unsigned char)*h)) h++;
                e = h + strlen(h);
                while (e > h && isspace((unsigned char)e[-1])) e--;
                if (is_web_link(h)) push_link(links, set, h, (size_t)(e - h));
                xmlFree(href);
            }
        }
        /* Depth first without recursion: children, then siblings, then up. */
        if (n->children && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            continue;
        }
        while (n && !n->next) n = n->parent && n->parent->type == XML_ELEMENT_NODE ? n->parent : NULL;
        if (n) n = n->next;
    }
    if (doc) xmlFreeDoc(doc);
}

void mime_find_links(const char *text, int is_html, struct strlist *links) {
    struct linkset set = {0};
    if (!text) return;
    for (size_t i = 0; i < links->len; i++) linkset_add(&set, links->items[i]);
    if (is_html) {
        html_links(text, links, &set);
        free(set.slot);
        return;
    }
    for (const char *p = text; *p;) {
        const char *http = strcasestr(p, "http");
        if (!http) break;
        if (!is_web_link(http)) {
            p = http + 4;
            continue;
        }
        const char *e = http;
        while (*e && !isspace((unsigned char)*e) && !strchr("<>\"", *e)) e++;
        p = e;
        /* Sentence punctuation after a link in text is not part of it. */
        while (e > http && strchr(".,;:!?)]}'\"", e[-1])) e--;
        if (e - http > 8) push_link(links, &set, http, (size_t)(e - http));
    }
    free(set.slot);
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

/* What walking the MIME tree keeps track of. */
struct walk {
    struct mail_message *m;
    const char *raw; /* the message: parts point into it */
    size_t raw_len;
    size_t parts;
    struct buf spans; /* secret spans, size_t pairs */
    const char *error;
};

/* CRLF (and a lone CR) become LF, in place. */
static void to_lf(char *s) {
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '\r') {
            *w++ = '\n';
            if (r[1] == '\n') r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

static bool has_secret(const char *s, size_t n) {
    char *clean = redact_textn(s, n);
    bool found = strlen(clean) != n || memcmp(clean, s, n) != 0;
    free(clean);
    return found;
}

/* An encoded part's body whose decoded form holds a secret: raw must
 * hide the whole body, as redaction cannot find it there. */
static void note_secret(struct walk *w, struct mailmime_data *data) {
    const char *at = data->dt_data.dt_text.dt_data;
    size_t span[2];
    if (at < w->raw || at > w->raw + w->raw_len) return;
    span[0] = (size_t)(at - w->raw);
    span[1] = data->dt_data.dt_text.dt_length;
    buf_append(&w->spans, (const char *)span, sizeof span);
}

/* A part transfer-decoded (secrets looked for in it), and for text
 * converted to UTF-8 with LF line ends; NULL when want_text is false. */
static char *decode_part(struct walk *w, struct mailmime *mime, bool want_text) {
    struct mailmime_data *data = mime->mm_data.mm_single;
    const char *src;
    size_t len, idx = 0, decoded_len = 0;
    char *decoded = NULL, *utf8 = NULL, *result;
    const char *charset;
    if (!data || data->dt_type != MAILMIME_DATA_TEXT) return NULL;
    src = data->dt_data.dt_text.dt_data;
    len = data->dt_data.dt_text.dt_length;
    if (data->dt_encoded && data->dt_encoding != MAILMIME_MECHANISM_7BIT &&
        data->dt_encoding != MAILMIME_MECHANISM_8BIT && data->dt_encoding != MAILMIME_MECHANISM_BINARY) {
        if (mailmime_part_parse(src, len, &idx, data->dt_encoding, &decoded, &decoded_len) != MAILIMF_NO_ERROR)
            return NULL;
        if (has_secret(decoded, decoded_len)) note_secret(w, data);
        src = decoded;
        len = decoded_len;
    }
    if (!want_text) {
        if (decoded) mmap_string_unref(decoded);
        return NULL;
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
    to_lf(result);
    return result;
}

static void walk(struct walk *w, struct mailmime *mime, int depth) {
    struct mail_message *m = w->m;
    if (w->error) return;
    if (++w->parts > MIME_MAX_PARTS) {
        w->error = "more than " MIME_STR(MIME_MAX_PARTS) " MIME parts";
        return;
    }
    if (depth > MIME_MAX_DEPTH) {
        w->error = "multiparts nested deeper than " MIME_STR(MIME_MAX_DEPTH) " levels";
        return;
    }
    switch (mime->mm_type) {
    case MAILMIME_SINGLE:
        if (is_attachment(mime)) {
            decode_part(w, mime, false); /* only looked at for secrets */
        } else if (!m->text && is_text(mime->mm_content_type, "plain")) {
            m->text = decode_part(w, mime, true);
        } else if (!m->html && is_text(mime->mm_content_type, "html")) {
            m->html = decode_part(w, mime, true);
        } else {
            decode_part(w, mime, false);
        }
        return;
    case MAILMIME_MULTIPLE:
        for (clistiter *it = clist_begin(mime->mm_data.mm_multipart.mm_mp_list); it; it = clist_next(it))
            walk(w, clist_content(it), depth + 1);
        return;
    case MAILMIME_MESSAGE:
        /* Only the top-level message: a forwarded message/rfc822 inside
         * is an attachment, not what this mail says. */
        if (!mime->mm_parent && mime->mm_data.mm_message.mm_msg_mime)
            walk(w, mime->mm_data.mm_message.mm_msg_mime, depth + 1);
        return;
    }
}

/* libetpan's parser recurses once per nesting level, before any cap here
 * could apply: a message declaring more boundaries (or embedded
 * messages) than it may have parts is refused unparsed. */
static bool too_many_parts(const char *raw, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i + 8 <= len; i++) {
        char c = (char)(raw[i] | 0x20);
        if ((c == 'b' && strncasecmp(raw + i, "boundary", 8) == 0) ||
            (c == 'm' && i + 14 <= len && strncasecmp(raw + i, "message/rfc822", 14) == 0))
            if (++n > MIME_MAX_PARTS) return true;
    }
    return false;
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
    if (too_many_parts(raw, len))
        return failure_set(f, FAILURE_ASSERTION, "e-mail message refused: more than %d MIME parts or boundaries",
                           MIME_MAX_PARTS);
    if (mailmime_parse(raw, len, &idx, &mime) != MAILIMF_NO_ERROR)
        return failure_set(f, FAILURE_ASSERTION, "malformed e-mail message: its MIME structure cannot be parsed");
    struct walk w = {.m = m, .raw = raw, .raw_len = len};
    buf_init(&w.spans, 0);
    walk(&w, mime, 0);
    mailmime_free(mime);
    m->nsecret_spans = w.spans.len / (2 * sizeof(size_t));
    m->secret_spans = m->nsecret_spans ? (size_t *)buf_take(&w.spans) : NULL;
    buf_free(&w.spans);
    if (w.error) return failure_set(f, FAILURE_ASSERTION, "e-mail message refused: %s", w.error);
    mime_find_links(m->text, 0, &m->links);
    mime_find_links(m->html, 1, &m->links);
    return 0;
}

char *mime_redact_raw(const char *raw, size_t len, const struct mail_message *m, size_t *out_len) {
    struct buf out;
    size_t at = 0;
    if (!m->nsecret_spans) return NULL;
    buf_init(&out, len);
    /* Spans come in document order and never overlap (one per leaf part). */
    for (size_t i = 0; i < m->nsecret_spans; i++) {
        size_t off = m->secret_spans[2 * i], n = m->secret_spans[2 * i + 1];
        if (off < at || off + n > len) continue;
        buf_append(&out, raw + at, off - at);
        buf_puts(&out, REDACTED "\r\n");
        at = off + n;
    }
    buf_append(&out, raw + at, len - at);
    *out_len = out.len;
    return buf_take(&out);
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
    free(m->secret_spans);
    memset(m, 0, sizeof *m);
}
