/* cookie.h — cookies a scenario can look at: a Set-Cookie header parsed
 * into its attributes (RFC 6265 §5.2, the Expires date kept as sent), and
 * which of the cookie jar's entries (libcurl's Netscape-format lines,
 * CURLINFO_COOKIELIST) a request to a URL would carry (§5.4).  Lua-free. */
#ifndef TELLTALE_COOKIE_H
#define TELLTALE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* All strings owned (cookie_clear frees them); NULL when absent. */
struct cookie {
    char *name, *value;
    char *domain, *path;
    char *expires;  /* as sent, or the jar's Unix time as text */
    char *samesite; /* "Lax", "Strict", "None" as sent */
    long long max_age;
    bool has_max_age;
    bool secure, httponly;
};

/* Parse the value of one Set-Cookie header (without "Set-Cookie:").
 * Returns false (c cleared) when it has no name=value pair. */
bool cookie_parse(const char *header, size_t len, struct cookie *c);
void cookie_clear(struct cookie *c);

/* Whether the jar line (as CURLINFO_COOKIELIST gives it) would be sent to
 * a request for scheme://host/path at time now; if so c is filled (name,
 * value, domain, path, secure, httponly). */
bool cookie_jar_match(const char *line, const char *scheme, const char *host, const char *path, time_t now,
                      struct cookie *c);

#endif
