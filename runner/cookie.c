/* cookie.c — Set-Cookie parsing and jar matching; see cookie.h.
 *
 * The jar itself is libcurl's (it stores, expires and sends cookies); this
 * only reads it, so the rules here need to be the sending rules: domain
 * match (exact, or a suffix at a dot for a Domain cookie), path match
 * (prefix ending at a '/'), Secure only over https, not expired. */
#include "cookie.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

static char *trimmed(const char *s, const char *end) {
    while (s < end && isspace((unsigned char)*s)) s++;
    while (end > s && isspace((unsigned char)end[-1])) end--;
    return xstrndup(s, (size_t)(end - s));
}

void cookie_clear(struct cookie *c) {
    free(c->name);
    free(c->value);
    free(c->domain);
    free(c->path);
    free(c->expires);
    free(c->samesite);
    memset(c, 0, sizeof *c);
}

/* One "; Attr=value" of a Set-Cookie header; unknown attributes are
 * ignored, as user agents do. */
static void attribute(struct cookie *c, const char *s, const char *end) {
    const char *eq = memchr(s, '=', (size_t)(end - s));
    char *name = trimmed(s, eq ? eq : end);
    char *value = eq ? trimmed(eq + 1, end) : xstrdup("");
    char **slot = NULL;
    if (strcasecmp(name, "expires") == 0)
        slot = &c->expires;
    else if (strcasecmp(name, "domain") == 0)
        slot = &c->domain;
    else if (strcasecmp(name, "path") == 0)
        slot = &c->path;
    else if (strcasecmp(name, "samesite") == 0)
        slot = &c->samesite;
    else if (strcasecmp(name, "secure") == 0)
        c->secure = true;
    else if (strcasecmp(name, "httponly") == 0)
        c->httponly = true;
    else if (strcasecmp(name, "max-age") == 0) {
        char *stop;
        long long n = strtoll(value, &stop, 10);
        if (*value && !*stop) c->max_age = n, c->has_max_age = true;
    }
    if (slot) {
        free(*slot);
        *slot = value;
        value = NULL;
    }
    free(name);
    free(value);
}

bool cookie_parse(const char *header, size_t len, struct cookie *c) {
    const char *end = header + len, *semi = memchr(header, ';', len);
    const char *pair_end = semi ? semi : end, *eq = memchr(header, '=', (size_t)(pair_end - header));
    memset(c, 0, sizeof *c);
    if (!eq) return false;
    c->name = trimmed(header, eq);
    c->value = trimmed(eq + 1, pair_end);
    if (!*c->name) {
        cookie_clear(c);
        return false;
    }
    /* ';' separates attributes; an Expires date holds a ',' but never a ';'. */
    for (const char *s = semi; s && s < end;) {
        const char *next = memchr(s + 1, ';', (size_t)(end - s - 1));
        attribute(c, s + 1, next ? next : end);
        s = next;
    }
    return true;
}

static bool domain_matches(const char *host, const char *domain, bool tail) {
    size_t hl = strlen(host), dl;
    if (*domain == '.') domain++;
    dl = strlen(domain);
    if (strcasecmp(host, domain) == 0) return true;
    return tail && hl > dl && host[hl - dl - 1] == '.' && strcasecmp(host + hl - dl, domain) == 0;
}

static bool path_matches(const char *path, const char *cpath) {
    size_t n = strlen(cpath);
    if (strncmp(path, cpath, n) != 0) return false;
    return path[n] == '\0' || path[n] == '/' || path[n] == '?' || (n > 0 && cpath[n - 1] == '/');
}

bool cookie_jar_match(const char *line, const char *scheme, const char *host, const char *path, time_t now,
                      struct cookie *c) {
    char *f[7];
    char *copy = xstrdup(line), *p = copy;
    bool httponly = false, ok = false;
    int n;
    memset(c, 0, sizeof *c);
    /* domain, tailmatch, path, secure, expires, name, value: tab-separated;
     * an HttpOnly cookie's domain carries a "#HttpOnly_" prefix. */
    for (n = 0; n < 6; n++) {
        f[n] = p;
        if (!(p = strchr(p, '\t'))) goto cleanup;
        *p++ = '\0';
    }
    f[6] = p;
    if (strncmp(f[0], "#HttpOnly_", 10) == 0) f[0] += 10, httponly = true;
    if (!domain_matches(host, f[0], strcmp(f[1], "TRUE") == 0) || !path_matches(path, f[2])) goto cleanup;
    if (strcmp(f[3], "TRUE") == 0 && strcasecmp(scheme, "https") != 0) goto cleanup;
    if (strtoll(f[4], NULL, 10) != 0 && strtoll(f[4], NULL, 10) <= (long long)now) goto cleanup;
    c->name = xstrdup(f[5]);
    c->value = xstrdup(f[6]);
    c->domain = xstrdup(*f[0] == '.' ? f[0] + 1 : f[0]);
    c->path = xstrdup(f[2]);
    c->expires = strcmp(f[4], "0") == 0 ? NULL : xstrdup(f[4]);
    c->secure = strcmp(f[3], "TRUE") == 0;
    c->httponly = httponly;
    ok = true;
cleanup:
    free(copy);
    return ok;
}
