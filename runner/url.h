/* url.h — URLs as a browser resolves them (the WHATWG URL standard, as far
 * as pages under test need it), on libcurl's URL API.
 *
 * Hrefs and form actions come from markup: they may hold raw spaces or
 * UTF-8, and a ':' in a path is no scheme.  libxml2's xmlBuildURI escapes
 * such a ':' and gives up on a space; a browser resolves both. */
#ifndef TELLTALE_URL_H
#define TELLTALE_URL_H

#include <stdbool.h>

struct buf;

/* ref resolved against base, percent-encoding what a browser would (spaces,
 * controls, bytes >= 0x80 as their UTF-8 octets).  When base is NULL or ref
 * cannot be resolved (mailto:, javascript:, garbage), ref as written,
 * trimmed.  keep_fragment false drops the "#..." part (form actions).
 * Caller frees the result (never NULL). */
char *url_resolve(const char *base, const char *ref, bool keep_fragment);

/* "scheme://host[:port]" of url (no port when it is the scheme's default)
 * into out; false when url is not absolute. */
bool url_origin(const char *url, struct buf *out);

/* The path and query of url ("/a/b?c"), into out; url itself when it
 * does not parse. */
void url_path(const char *url, struct buf *out);

/* The lower-cased scheme of url into out (of outlen bytes); false when url
 * has none. */
bool url_scheme(const char *url, char *out, unsigned long outlen);

#endif
