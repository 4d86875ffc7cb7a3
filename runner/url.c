/* url.c — resolving hrefs and actions the way a browser does; see url.h.
 *
 * libcurl's URL API does the resolution (dot segments, scheme-relative
 * refs, absolute refs).  What it does differently from a browser is
 * handled around it: the ref is trimmed and percent-encoded first (curl
 * turns a space in a query into '+', a browser into %20), an empty ref or
 * a bare fragment keeps the base's path and query (curl drops the last
 * segment), and the host is lower-cased. */
#include "url.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

/* Bytes a browser percent-encodes in a path, query or fragment. */
static bool must_encode(unsigned char c) { return c <= 0x20 || c >= 0x7f || strchr("\"<>`{}", c); }

/* ref without leading and trailing spaces and controls, and without tabs
 * and newlines anywhere (the URL standard strips them).  Percent-encodes
 * when encode is set; a backslash before the query is a slash, as in a
 * browser for http(s). */
static void clean_ref(const char *ref, bool encode, struct buf *out) {
    const unsigned char *s = (const unsigned char *)ref, *end = s + strlen(ref);
    bool in_path = true;
    while (s < end && *s <= 0x20) s++;
    while (end > s && end[-1] <= 0x20) end--;
    for (; s < end; s++) {
        if (*s == '\t' || *s == '\n' || *s == '\r') continue;
        if (*s == '?' || *s == '#') in_path = false;
        if (encode && *s == '\\' && in_path)
            buf_puts(out, "/");
        else if (encode && must_encode(*s))
            buf_printf(out, "%%%02X", *s);
        else
            buf_append(out, s, 1);
    }
}

static char *without_fragment(const char *url) {
    const char *hash = strchr(url, '#');
    return hash ? xstrndup(url, (size_t)(hash - url)) : xstrdup(url);
}

static void lower_host(CURLU *u) {
    char *host = NULL;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) return;
    for (char *p = host; *p; p++) *p = (char)tolower((unsigned char)*p);
    curl_url_set(u, CURLUPART_HOST, host, 0);
    curl_free(host);
}

char *url_resolve(const char *base, const char *ref, bool keep_fragment) {
    struct buf clean;
    CURLU *u = NULL;
    char *got = NULL, *result = NULL;

    buf_init(&clean, 0);
    clean_ref(ref, base != NULL, &clean);
    if (!base) return buf_take(&clean);
    if (clean.len == 0 || buf_str(&clean)[0] == '#') {
        /* The same document: its URL, with the ref's fragment if any. */
        char *doc = without_fragment(base);
        result = xmalloc(strlen(doc) + clean.len + 1);
        memcpy(result, doc, strlen(doc) + 1);
        if (keep_fragment) memcpy(result + strlen(doc), buf_str(&clean), clean.len + 1);
        free(doc);
        goto cleanup;
    }
    u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, base, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_URL, buf_str(&clean), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        /* Not resolvable (mailto:, javascript:, a broken base): as written. */
        buf_reset(&clean);
        clean_ref(ref, false, &clean);
        result = buf_take(&clean);
        goto cleanup;
    }
    lower_host(u);
    if (!keep_fragment) curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
    if (curl_url_get(u, CURLUPART_URL, &got, 0) == CURLUE_OK)
        result = xstrdup(got);
    else
        result = buf_take(&clean);
cleanup:
    curl_free(got);
    curl_url_cleanup(u);
    buf_free(&clean);
    return result;
}

bool url_origin(const char *url, struct buf *out) {
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    bool ok = false;
    if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        for (char *p = host; *p; p++) *p = (char)tolower((unsigned char)*p);
        buf_printf(out, "%s://%s", scheme, host);
        /* CURLUPART_PORT without CURLU_DEFAULT_PORT is only an explicit port;
         * an explicit default port is no part of an origin either. */
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
            !((strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
              (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0)))
            buf_printf(out, ":%s", port);
        ok = true;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return ok;
}

void url_path(const char *url, struct buf *out) {
    CURLU *u = curl_url();
    char *path = NULL, *query = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        buf_puts(out, path);
        if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) buf_printf(out, "?%s", query);
    } else {
        buf_puts(out, url);
    }
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
}

bool url_scheme(const char *url, char *out, unsigned long outlen) {
    size_t n = 0;
    if (!isalpha((unsigned char)url[0])) return false;
    while (isalnum((unsigned char)url[n]) || url[n] == '+' || url[n] == '-' || url[n] == '.') n++;
    if (url[n] != ':' || n + 1 > outlen) return false;
    for (size_t i = 0; i < n; i++) out[i] = (char)tolower((unsigned char)url[i]);
    out[n] = '\0';
    return true;
}
