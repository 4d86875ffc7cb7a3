/* redact.c — hide secrets in every output; see redact.h for the rules and
 * the cost model.
 *
 * Two passes over a text.  The first finds every registered spelling with
 * the Aho–Corasick automata (one pass each, matches collected), then keeps
 * the leftmost-longest non-overlapping ones.  The second walks the result
 * line by line for what needs no registration: credential header lines,
 * curl's cookie lines, URL passwords. */
#include "redact.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "xalloc.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- the spellings: an array, and a hash set over it ---- */

struct pattern {
    char *s;
    size_t len;
    bool whole;   /* match only as a whole token (a short secret) */
    bool spelled; /* registered as a secret: its other spellings are in too */
};

static struct pattern *pats;
static size_t npats, pats_alloc;
static uint32_t *set; /* open addressing: pattern index + 1, 0 = empty */
static size_t set_size;

static uint64_t hash_bytes(const char *s, size_t len) {
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static void set_insert(uint32_t idx) {
    size_t mask = set_size - 1, i = hash_bytes(pats[idx].s, pats[idx].len) & mask;
    while (set[i]) i = (i + 1) & mask;
    set[i] = idx + 1;
}

static void set_grow(void) {
    free(set);
    set_size = set_size ? set_size * 2 : 64;
    set = xcalloc(set_size, sizeof *set);
    for (size_t i = 0; i < npats; i++) set_insert((uint32_t)i);
}

/* Add one spelling unless it is known; a known one that was whole-token
 * only stops being so when a long secret spells the same.  Returns its
 * index + 1 (0 for the empty string). */
static size_t add_pattern(const char *s, size_t len, bool whole) {
    size_t mask, i;
    if (len == 0) return 0;
    if ((npats + 1) * 2 > set_size) set_grow();
    mask = set_size - 1;
    for (i = hash_bytes(s, len) & mask; set[i]; i = (i + 1) & mask) {
        struct pattern *p = &pats[set[i] - 1];
        if (p->len == len && memcmp(p->s, s, len) == 0) {
            if (!whole) p->whole = false;
            return set[i];
        }
    }
    if (npats == pats_alloc) {
        pats_alloc = pats_alloc ? pats_alloc * 2 : 64;
        pats = xrealloc(pats, pats_alloc * sizeof *pats);
    }
    pats[npats] = (struct pattern){xstrndup(s, len), len, whole, false};
    set[i] = (uint32_t)++npats;
    return npats;
}

/* ---- Aho–Corasick over a contiguous range of pats ---- */

struct ac {
    size_t lo, hi;   /* the patterns [lo, hi) */
    size_t bytes;    /* their total length: what building costs */
    uint32_t *fail;  /* longest proper suffix that is a trie node */
    uint32_t *dict;  /* nearest node on the fail chain that ends a pattern */
    uint32_t *out;   /* pattern index + 1 ending exactly here, or 0 */
    uint32_t *depth; /* = length of the node's string */
    uint32_t root[256];
    uint64_t *keys; /* edges below the root: (node << 8 | byte), 0 = empty */
    uint32_t *vals;
    size_t mask;
};

static struct ac *stack[64]; /* oldest (largest) first; ranges adjacent */
static size_t nstack;
static size_t extra_scanned; /* bytes scanned by all but one automaton */

static size_t edge_slot(const struct ac *a, uint64_t key) {
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15u) >> 17) & a->mask;
    while (a->keys[i] && a->keys[i] != key) i = (i + 1) & a->mask;
    return i;
}

static uint32_t edge_get(const struct ac *a, uint32_t node, unsigned char c) {
    if (node == 0) return a->root[c];
    size_t i = edge_slot(a, (uint64_t)node << 8 | c);
    return a->keys[i] ? a->vals[i] : 0;
}

static void edge_put(struct ac *a, uint32_t node, unsigned char c, uint32_t child) {
    if (node == 0) {
        a->root[c] = child;
        return;
    }
    uint64_t key = (uint64_t)node << 8 | c;
    size_t i = edge_slot(a, key);
    a->keys[i] = key;
    a->vals[i] = child;
}

static void ac_free(struct ac *a) {
    if (!a) return;
    free(a->fail);
    free(a->dict);
    free(a->out);
    free(a->depth);
    free(a->keys);
    free(a->vals);
    free(a);
}

/* Fail and dict links in order of depth (a counting sort of the nodes), so
 * a node's parent and shorter suffixes are linked before it. */
static void ac_link(struct ac *a, uint32_t nnodes, const uint32_t *parent, const unsigned char *byte) {
    uint32_t maxd = 0, *count, *order;
    for (uint32_t v = 1; v < nnodes; v++)
        if (a->depth[v] > maxd) maxd = a->depth[v];
    count = xcalloc(maxd + 2, sizeof *count);
    order = xmalloc(nnodes * sizeof *order);
    for (uint32_t v = 1; v < nnodes; v++) count[a->depth[v]]++;
    for (uint32_t d = 1, sum = 0; d <= maxd; d++) {
        uint32_t n = count[d];
        count[d] = sum;
        sum += n;
    }
    for (uint32_t v = 1; v < nnodes; v++) order[count[a->depth[v]]++] = v;
    for (uint32_t k = 0; k + 1 < nnodes; k++) {
        uint32_t v = order[k], f, t = 0;
        if (parent[v] != 0) {
            for (f = a->fail[parent[v]]; !(t = edge_get(a, f, byte[v])) && f; f = a->fail[f]) {
            }
        }
        a->fail[v] = t;
        a->dict[v] = a->out[t] ? t : a->dict[t];
    }
    free(count);
    free(order);
}

static struct ac *ac_build(size_t lo, size_t hi) {
    struct ac *a = xcalloc(1, sizeof *a);
    size_t cap = 16, nodes;
    uint32_t *parent, nnodes = 1;
    unsigned char *byte;
    a->lo = lo, a->hi = hi;
    for (size_t p = lo; p < hi; p++) a->bytes += pats[p].len;
    nodes = a->bytes + 1;
    while (cap < 2 * nodes) cap *= 2;
    a->mask = cap - 1;
    a->keys = xcalloc(cap, sizeof *a->keys);
    a->vals = xmalloc(cap * sizeof *a->vals);
    a->fail = xcalloc(nodes, sizeof *a->fail);
    a->dict = xcalloc(nodes, sizeof *a->dict);
    a->out = xcalloc(nodes, sizeof *a->out);
    a->depth = xcalloc(nodes, sizeof *a->depth);
    parent = xcalloc(nodes, sizeof *parent);
    byte = xcalloc(nodes, 1);
    for (size_t p = lo; p < hi; p++) { /* the trie */
        uint32_t cur = 0;
        for (size_t i = 0; i < pats[p].len; i++) {
            unsigned char c = (unsigned char)pats[p].s[i];
            uint32_t next = edge_get(a, cur, c);
            if (!next) {
                next = nnodes++;
                a->depth[next] = a->depth[cur] + 1;
                parent[next] = cur;
                byte[next] = c;
                edge_put(a, cur, c, next);
            }
            cur = next;
        }
        a->out[cur] = (uint32_t)p + 1;
    }
    ac_link(a, nnodes, parent, byte);
    free(parent);
    free(byte);
    return a;
}

/* Build what additions left unbuilt; keep the stack geometric (each
 * automaton more than twice the size of the next); merge everything once
 * the extra passes have cost as much as building would. */
static void sync_automata(void) {
    size_t built = nstack ? stack[nstack - 1]->hi : 0, total = 0;
    if (built < npats) {
        stack[nstack++] = ac_build(built, npats);
        while (nstack >= 2 && stack[nstack - 2]->bytes <= 2 * stack[nstack - 1]->bytes) {
            struct ac *merged = ac_build(stack[nstack - 2]->lo, stack[nstack - 1]->hi);
            ac_free(stack[--nstack]);
            ac_free(stack[nstack - 1]);
            stack[nstack - 1] = merged;
        }
    }
    for (size_t i = 0; i < nstack; i++) total += stack[i]->bytes;
    if (nstack > 1 && extra_scanned > total) {
        struct ac *merged = ac_build(0, npats);
        while (nstack) ac_free(stack[--nstack]);
        stack[nstack++] = merged;
        extra_scanned = 0;
    }
}

/* ---- matching ---- */

struct match {
    size_t start, len;
};

static struct match *matches; /* reused under the lock */
static size_t nmatches, matches_alloc;

static bool is_word(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

/* Does an escape end just before pos (%41, \n, \u0041)?  Then a short
 * secret right after it still starts a token. */
static bool escape_before(const char *t, size_t pos) {
    if (pos >= 3 && t[pos - 3] == '%' && isxdigit((unsigned char)t[pos - 2]) && isxdigit((unsigned char)t[pos - 1]))
        return true;
    if (pos >= 2 && t[pos - 2] == '\\') return true;
    return pos >= 6 && t[pos - 6] == '\\' && t[pos - 5] == 'u';
}

/* \b at both ends of t[start, start + len). */
static bool whole_token(const char *t, size_t n, size_t start, size_t len) {
    size_t end = start + len;
    if (start > 0 && is_word((unsigned char)t[start - 1]) && is_word((unsigned char)t[start]) &&
        !escape_before(t, start))
        return false;
    return end >= n || !is_word((unsigned char)t[end]) || !is_word((unsigned char)t[end - 1]);
}

static void ac_scan(const struct ac *a, const char *t, size_t n) {
    uint32_t s = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        uint32_t next;
        while (!(next = edge_get(a, s, c)) && s) s = a->fail[s];
        s = next;
        for (uint32_t v = a->out[s] ? s : a->dict[s]; v; v = a->dict[v]) {
            const struct pattern *p = &pats[a->out[v] - 1];
            size_t start = i + 1 - p->len;
            if (p->whole && !whole_token(t, n, start, p->len)) continue;
            if (nmatches == matches_alloc) {
                matches_alloc = matches_alloc ? matches_alloc * 2 : 64;
                matches = xrealloc(matches, matches_alloc * sizeof *matches);
            }
            matches[nmatches++] = (struct match){start, p->len};
        }
    }
}

static int by_start_then_longest(const void *x, const void *y) {
    const struct match *a = x, *b = y;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return a->len > b->len ? -1 : a->len < b->len ? 1 : 0;
}

/* Pass one: registered spellings, leftmost-longest.  Returns false (and
 * leaves out alone) when nothing matched. */
static bool hide_secrets(const char *t, size_t n, struct buf *out) {
    size_t pos = 0;
    sync_automata();
    nmatches = 0;
    for (size_t i = 0; i < nstack; i++) ac_scan(stack[i], t, n);
    if (nstack > 1) extra_scanned += n * (nstack - 1);
    if (nmatches == 0) return false;
    qsort(matches, nmatches, sizeof *matches, by_start_then_longest);
    for (size_t i = 0; i < nmatches; i++) {
        if (matches[i].start < pos) continue; /* inside one already hidden */
        buf_append(out, t + pos, matches[i].start - pos);
        buf_puts(out, REDACTED);
        pos = matches[i].start + matches[i].len;
    }
    buf_append(out, t + pos, n - pos);
    return true;
}

/* ---- spellings of a secret ---- */

static void add_secret_locked(const char *v, size_t len);

/* URL-encoded as RFC 3986 encoders do (upper and lower hex), and as forms
 * do (+ for space). */
static void add_url_encoded(const char *v, size_t len, bool whole) {
    static const char upper[] = "0123456789ABCDEF", lower[] = "0123456789abcdef";
    struct buf up, low, plus;
    buf_init(&up, 0);
    buf_init(&low, 0);
    buf_init(&plus, 0);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (isalnum(c) || strchr("-._~", c)) {
            buf_append(&up, &c, 1), buf_append(&low, &c, 1), buf_append(&plus, &c, 1);
            continue;
        }
        char u[3] = {'%', upper[c >> 4], upper[c & 15]}, l[3] = {'%', lower[c >> 4], lower[c & 15]};
        buf_append(&up, u, 3);
        buf_append(&low, l, 3);
        if (c == ' ')
            buf_puts(&plus, "+");
        else
            buf_append(&plus, u, 3);
    }
    add_pattern(buf_str(&up), up.len, whole);
    add_pattern(buf_str(&low), low.len, whole);
    add_pattern(buf_str(&plus), plus.len, whole);
    buf_free(&up);
    buf_free(&low);
    buf_free(&plus);
}

/* HTML-escaped: &amp; &lt; &gt; always; quotes as the common escapers
 * spell them (&quot;/&#34; and &#39;/&#x27;/&apos;). */
static void add_html_escaped(const char *v, size_t len, bool whole) {
    static const char *const quotes[][2] = {
        {"&quot;", "&#39;"}, {"&#34;", "&#39;"}, {"&quot;", "&#x27;"}, {"&quot;", "&apos;"}};
    if (!memchr(v, '&', len) && !memchr(v, '<', len) && !memchr(v, '>', len) && !memchr(v, '"', len) &&
        !memchr(v, '\'', len))
        return;
    for (size_t q = 0; q < sizeof quotes / sizeof *quotes; q++) {
        struct buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < len; i++) {
            switch (v[i]) {
            case '&': buf_puts(&b, "&amp;"); break;
            case '<': buf_puts(&b, "&lt;"); break;
            case '>': buf_puts(&b, "&gt;"); break;
            case '"': buf_puts(&b, quotes[q][0]); break;
            case '\'': buf_puts(&b, quotes[q][1]); break;
            default: buf_append(&b, v + i, 1);
            }
        }
        add_pattern(buf_str(&b), b.len, whole);
        buf_free(&b);
    }
}

/* JSON-escaped, with and without the optional \/. */
static void add_json_escaped(const char *v, size_t len, bool whole) {
    static const char hex[] = "0123456789abcdef";
    for (int slash = 0; slash < 2; slash++) {
        struct buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)v[i];
            const char *e = c == '"'              ? "\\\""
                            : c == '\\'           ? "\\\\"
                            : c == '\n'           ? "\\n"
                            : c == '\r'           ? "\\r"
                            : c == '\t'           ? "\\t"
                            : (c == '/' && slash) ? "\\/"
                                                  : NULL;
            if (e) {
                buf_puts(&b, e);
            } else if (c < 0x20) {
                char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                buf_append(&b, u, 6);
            } else {
                buf_append(&b, &c, 1);
            }
        }
        add_pattern(buf_str(&b), b.len, whole);
        buf_free(&b);
    }
}

static void base64(const char *s, size_t len, struct buf *out) {
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t n = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < len ? p[i + 2] : 0);
        char q[4] = {a[n >> 18 & 63], a[n >> 12 & 63], i + 1 < len ? a[n >> 6 & 63] : '=',
                     i + 2 < len ? a[n & 63] : '='};
        buf_append(out, q, 4);
    }
}

/* Returns false on anything that is not base64. */
static bool unbase64(const char *s, size_t len, struct buf *out) {
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len && s[i] != '='; i++) {
        const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *at = s[i] ? strchr(a, s[i]) : NULL;
        if (!at) return false;
        acc = acc << 6 | (uint32_t)(at - a);
        if ((bits += 6) >= 8) {
            char c = (char)(acc >> (bits -= 8) & 0xFF);
            buf_append(out, &c, 1);
        }
    }
    return true;
}

/* "Basic dXNlcjpwdw==" and "Bearer x": the token alone travels too (an
 * echo, a log line), and Basic's password is a secret by itself. */
static void add_auth_parts(const char *v, size_t len) {
    size_t skip = len > 6 && strncasecmp(v, "basic ", 6) == 0    ? 6
                  : len > 7 && strncasecmp(v, "bearer ", 7) == 0 ? 7
                                                                 : 0;
    struct buf plain;
    if (!skip) return;
    while (skip < len && v[skip] == ' ') skip++;
    add_secret_locked(v + skip, len - skip);
    buf_init(&plain, 0);
    if (tolower((unsigned char)v[0]) == 'b' && tolower((unsigned char)v[1]) == 'a' &&
        unbase64(v + skip, len - skip, &plain) && plain.len) {
        const char *colon = memchr(plain.data, ':', plain.len);
        add_secret_locked(plain.data, plain.len);
        if (colon) add_secret_locked(colon + 1, plain.len - (size_t)(colon + 1 - plain.data));
    }
    buf_free(&plain);
}

/* A secret seen again (the same token in every request's header) costs one
 * lookup: its spellings are derived once. */
static void add_secret_locked(const char *v, size_t len) {
    bool whole = len < REDACT_SHORT;
    size_t known;
    if (len == 0) return;
    known = add_pattern(v, len, whole);
    if (pats[known - 1].spelled) return;
    pats[known - 1].spelled = true;
    add_url_encoded(v, len, whole);
    add_html_escaped(v, len, whole);
    add_json_escaped(v, len, whole);
    add_auth_parts(v, len);
}

static void add_credentials_locked(const char *user, size_t ulen, const char *pw, size_t plen) {
    struct buf pair, b64;
    if (plen == 0) return;
    add_secret_locked(pw, plen);
    buf_init(&pair, 0);
    buf_init(&b64, 0);
    buf_append(&pair, user, ulen);
    buf_puts(&pair, ":");
    buf_append(&pair, pw, plen);
    base64(pair.data, pair.len, &b64);
    add_pattern(b64.data, b64.len, false);
    buf_free(&pair);
    buf_free(&b64);
}

void redact_add_secret(const char *value) {
    if (!value) return;
    pthread_mutex_lock(&lock);
    add_secret_locked(value, strlen(value));
    pthread_mutex_unlock(&lock);
}

void redact_add_credentials(const char *user, const char *password) {
    if (!password) return;
    pthread_mutex_lock(&lock);
    add_credentials_locked(user ? user : "", user ? strlen(user) : 0, password, strlen(password));
    pthread_mutex_unlock(&lock);
}

/* Does a cookie's name say it is a credential?  Short words (sid, key,
 * jwt) must not run on into letters: "sidebar", "keyboard". */
static bool cookie_name_is_credential(const char *name, size_t len) {
    static const char *const anywhere[] = {"sess", "token", "auth", "csrf", "xsrf", "remember", "secret", "pass", NULL};
    static const char *const word[] = {"sid", "key", "jwt", NULL};
    for (size_t i = 0; i < len; i++) {
        for (const char *const *w = anywhere; *w; w++)
            if (len - i >= strlen(*w) && strncasecmp(name + i, *w, strlen(*w)) == 0) return true;
        for (const char *const *w = word; *w; w++) {
            size_t n = strlen(*w);
            if (len - i >= n && strncasecmp(name + i, *w, n) == 0 &&
                (i + n == len || !isalpha((unsigned char)name[i + n])))
                return true;
        }
    }
    return false;
}

void redact_add_cookie(const char *name, size_t name_len, const char *value, size_t value_len) {
    while (name_len && isspace((unsigned char)*name)) name++, name_len--;
    while (name_len && isspace((unsigned char)name[name_len - 1])) name_len--;
    if (value_len >= 2 && value[0] == '"' && value[value_len - 1] == '"') value++, value_len -= 2;
    if (value_len < 16 && (value_len < 4 || !cookie_name_is_credential(name, name_len))) return;
    pthread_mutex_lock(&lock);
    add_secret_locked(value, value_len);
    pthread_mutex_unlock(&lock);
}

void redact_reset(void) {
    pthread_mutex_lock(&lock);
    while (nstack) ac_free(stack[--nstack]);
    for (size_t i = 0; i < npats; i++) free(pats[i].s);
    free(pats);
    free(set);
    free(matches);
    pats = NULL, set = NULL, matches = NULL;
    npats = pats_alloc = set_size = nmatches = matches_alloc = extra_scanned = 0;
    pthread_mutex_unlock(&lock);
}

static const char *const secret_words[] = {"pass",   "secret",     "token",   "key", "auth",
                                           "cookie", "credential", "session", "pwd", NULL};

bool redact_name_is_secret(const char *name) {
    for (const char *const *w = secret_words; *w; w++)
        if (strcasestr(name, *w)) return true;
    return false;
}

/* ---- pass two: what needs no registration ---- */

/* Header names whose value is a credential, whatever it looks like. */
static const char *const secret_headers[] = {
    "authorization:", "proxy-authorization:", "cookie:", "set-cookie:", "x-api-key:", "x-auth-token:", NULL};

/* At the start of a line: "Authorization: Bearer abc" keeps the name and
 * hides the rest of the line. */
static size_t secret_header_at(const char *p, const char *end) {
    for (const char *const *h = secret_headers; *h; h++) {
        size_t n = strlen(*h);
        if ((size_t)(end - p) >= n && strncasecmp(p, *h, n) == 0) return n;
    }
    return 0;
}

/* curl's `Added cookie name="value" for domain ...`: the length up to and
 * including the opening quote, or 0. */
static size_t curl_cookie_at(const char *p, const char *end) {
    size_t n = (size_t)(end - p) > 13 && strncmp(p, "Added cookie ", 13) == 0      ? 13
               : (size_t)(end - p) > 16 && strncmp(p, "Replaced cookie ", 16) == 0 ? 16
                                                                                   : 0;
    while (n && p + n < end && p[n] != '"' && p[n] != '\n') n++;
    return n && p + n < end && p[n] == '"' ? n + 1 : 0;
}

static void percent_decode(const char *s, size_t len, struct buf *out) {
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
            char h[3] = {s[i + 1], s[i + 2], 0};
            char c = (char)strtol(h, NULL, 16);
            buf_append(out, &c, 1);
            i += 2;
        } else {
            buf_append(out, s + i, 1);
        }
    }
}

/* "scheme://user:password@host", p just after the ':' that follows the
 * user: the length of the password, or 0.  The walk back stops at ':' and
 * '@' too (neither may be in the user), which keeps it linear. */
static size_t url_password_at(const char *start, const char *p, const char *end, const char **user) {
    const char *u = p - 1; /* p[-1] == ':' */
    size_t n = 0;
    while (u > start && !strchr(" \t\r\n/\"':@", u[-1])) u--;
    if (u - start < 3 || strncmp(u - 3, "://", 3) != 0) return 0;
    while (p + n < end && p[n] != '@' && p[n] != '/' && !isspace((unsigned char)p[n])) n++;
    *user = u;
    return (p + n < end && p[n] == '@' && n > 0) ? n : 0;
}

/* Returns the bytes consumed at p (0: none), after appending their
 * replacement. */
static size_t hide_structural(const char *t, const char *p, const char *end, bool line_start, struct buf *out) {
    const char *user;
    size_t n;
    if (line_start && (n = secret_header_at(p, end)) > 0) {
        const char *q = p + n;
        buf_append(out, p, n);
        buf_puts(out, " " REDACTED);
        while (q < end && *q != '\n' && *q != '\r') q++;
        return (size_t)(q - p);
    }
    if (line_start && (n = curl_cookie_at(p, end)) > 0) {
        const char *q = p + n;
        buf_append(out, p, n);
        buf_puts(out, REDACTED);
        while (q < end && *q != '"' && *q != '\n') q++;
        return (size_t)(q - p);
    }
    if (*p == ':' && p > t && (n = url_password_at(t, p + 1, end, &user)) > 0) {
        struct buf u, pw;
        buf_init(&u, 0);
        buf_init(&pw, 0);
        percent_decode(user, (size_t)(p - user), &u);
        percent_decode(p + 1, n, &pw);
        /* What Basic auth will send for it, from now on. */
        add_credentials_locked(buf_str(&u), u.len, buf_str(&pw), pw.len);
        buf_free(&u);
        buf_free(&pw);
        buf_puts(out, ":" REDACTED);
        return 1 + n;
    }
    return 0;
}

static void hide_structure(const char *t, size_t len, struct buf *out) {
    const char *p = t, *end = t + len, *run = t; /* bytes from run to p not yet copied */
    bool line_start = true;
    while (p < end) {
        if (line_start || *p == ':') {
            struct buf repl;
            size_t n;
            buf_init(&repl, 0);
            if ((n = hide_structural(t, p, end, line_start, &repl)) > 0) {
                buf_append(out, run, (size_t)(p - run));
                buf_append(out, buf_str(&repl), repl.len);
                p += n;
                run = p;
                line_start = false;
                buf_free(&repl);
                continue;
            }
            buf_free(&repl);
        }
        line_start = (*p == '\n');
        p++;
    }
    buf_append(out, run, (size_t)(end - run));
}

char *redact_textn(const char *text, size_t len) {
    struct buf first, out;
    buf_init(&first, 0);
    buf_init(&out, 0);
    pthread_mutex_lock(&lock);
    if (hide_secrets(text, len, &first)) text = first.data, len = first.len;
    hide_structure(text, len, &out);
    pthread_mutex_unlock(&lock);
    buf_free(&first);
    return buf_take(&out);
}

char *redact_text(const char *text) { return redact_textn(text ? text : "", text ? strlen(text) : 0); }
