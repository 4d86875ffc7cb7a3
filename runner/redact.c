/* redact.c — hide secrets in every output; see redact.h. */
#include "redact.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "xalloc.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t nsecrets, secrets_alloc;

static void add_one(const char *value);

/* A secret also travels URL-encoded (query strings, form bodies): hide
 * that spelling too, with %20 and with + for spaces. */
static void add_encoded(const char *value) {
    static const char hex[] = "0123456789ABCDEF";
    struct buf pct, plus;
    buf_init(&pct, 0);
    buf_init(&plus, 0);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p)) {
            buf_append(&pct, p, 1);
            buf_append(&plus, p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            buf_append(&pct, e, 3);
            if (*p == ' ')
                buf_puts(&plus, "+");
            else
                buf_append(&plus, e, 3);
        }
    }
    if (strcmp(buf_str(&pct), value) != 0) add_one(buf_str(&pct));
    if (strcmp(buf_str(&plus), buf_str(&pct)) != 0) add_one(buf_str(&plus));
    buf_free(&pct);
    buf_free(&plus);
}

void redact_add_secret(const char *value) {
    if (!value || strlen(value) < 3) return;
    add_one(value);
    add_encoded(value);
}

static void add_one(const char *value) {
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nsecrets; i++)
        if (strcmp(secrets[i], value) == 0) goto out;
    if (nsecrets == secrets_alloc) {
        secrets_alloc = secrets_alloc ? secrets_alloc * 2 : 8;
        secrets = xrealloc(secrets, secrets_alloc * sizeof *secrets);
    }
    secrets[nsecrets++] = xstrdup(value);
out:
    pthread_mutex_unlock(&lock);
}

void redact_reset(void) {
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nsecrets; i++) free(secrets[i]);
    free(secrets);
    secrets = NULL;
    nsecrets = secrets_alloc = 0;
    pthread_mutex_unlock(&lock);
}

static const char *const secret_words[] = {"pass",   "secret",     "token",   "key", "auth",
                                           "cookie", "credential", "session", "pwd", NULL};

bool redact_name_is_secret(const char *name) {
    for (const char *const *w = secret_words; *w; w++) {
        size_t n = strlen(*w);
        for (const char *p = name; *p; p++)
            if (strncasecmp(p, *w, n) == 0) return true;
    }
    return false;
}

/* Header names whose value is a credential, whatever it looks like. */
static const char *const secret_headers[] = {
    "authorization:", "proxy-authorization:", "cookie:", "set-cookie:", "x-api-key:", "x-auth-token:", NULL};

/* At the start of a line: "Authorization: Bearer abc" keeps the name and
 * hides the rest of the line. */
static size_t secret_header_at(const char *p) {
    for (const char *const *h = secret_headers; *h; h++) {
        size_t n = strlen(*h);
        if (strncasecmp(p, *h, n) == 0) return n;
    }
    return 0;
}

/* "scheme://user:password@host": returns the length of the password run
 * starting at p (just after the ':' following the user), or 0. */
static size_t url_password_at(const char *start, const char *p) {
    const char *user = p - 1; /* p[-1] == ':' */
    while (user > start && !isspace((unsigned char)user[-1]) && user[-1] != '/' && user[-1] != '"' && user[-1] != '\'')
        user--;
    if (user - start < 3 || strncmp(user - 3, "://", 3) != 0) return 0;
    for (const char *q = user; q < p - 1; q++)
        if (*q == '@' || *q == ':') return 0;
    size_t n = 0;
    while (p[n] && p[n] != '@' && p[n] != '/' && !isspace((unsigned char)p[n])) n++;
    return (p[n] == '@' && n > 0) ? n : 0;
}

static size_t secret_at(const char *p) {
    for (size_t i = 0; i < nsecrets; i++) {
        size_t n = strlen(secrets[i]);
        if (strncmp(p, secrets[i], n) == 0) return n;
    }
    return 0;
}

char *redact_textn(const char *text, size_t len) {
    struct buf out;
    char *copy = xstrndup(text, len); /* NUL-terminated view for the scanners */
    const char *p = copy, *end = copy + len;
    bool line_start = true;

    buf_init(&out, 0);
    pthread_mutex_lock(&lock);
    while (p < end) {
        size_t n;
        if (line_start && (n = secret_header_at(p)) > 0) {
            buf_append(&out, p, n);
            buf_puts(&out, " " REDACTED);
            p += n;
            while (p < end && *p != '\n' && *p != '\r') p++;
            line_start = false;
            continue;
        }
        if (*p == ':' && p > copy && (n = url_password_at(copy, p + 1)) > 0) {
            buf_puts(&out, ":" REDACTED);
            p += 1 + n;
            line_start = false;
            continue;
        }
        if (*p && (n = secret_at(p)) > 0) {
            buf_puts(&out, REDACTED);
            p += n;
            line_start = false;
            continue;
        }
        buf_append(&out, p, 1);
        line_start = (*p == '\n');
        p++;
    }
    pthread_mutex_unlock(&lock);
    free(copy);
    return buf_take(&out);
}

char *redact_text(const char *text) { return redact_textn(text ? text : "", text ? strlen(text) : 0); }
