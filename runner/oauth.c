/* oauth.c — the token endpoint client and the shared token cache; see
 * oauth.h.
 *
 * Sources are kept in one list under one mutex, found by their digest,
 * and kept (with their cached token) after their last reference goes,
 * until oauth_sources_free.  Each source has a mutex of its
 * own held across a fetch: a second session that needs a token while one
 * is being fetched waits for it and takes the same token (one request,
 * however many sessions start at once). */
#include "oauth.h"

#include <curl/curl.h>
#include <lauxlib.h>
#include <gnutls/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "loop.h"
#include "redact.h"
#include "xalloc.h"

#define ANSWER_MAX (64u << 10)  /* a token endpoint's answer: a few kB */
#define DEFAULT_LIFETIME_S 3600 /* when the endpoint names no expires_in */
#define EARLY_S 60              /* a token is replaced this long before it expires */

struct oauth_source {
    int refs;                  /* under sources_lock */
    struct oauth_source *next; /* under sources_lock */
    char digest[65];           /* hex SHA-256 of every field */
    enum oauth_grant grant;
    char *token_url, *client_id, *client_secret, *refresh_token, *scope;
    bool insecure;
    pthread_mutex_t lock; /* held across a fetch; guards the cache */
    char *token;          /* the cached access token; NULL: none */
    uint64_t renew_at_ms; /* loop_clock_ms() from which it is replaced */
};

static pthread_mutex_t sources_lock = PTHREAD_MUTEX_INITIALIZER;
static struct oauth_source *sources;

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

/* ---- configuration ---- */

static bool loopback_host(const char *host) {
    return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 || strcmp(host, "[::1]") == 0 ||
           strcmp(host, "::1") == 0;
}

const char *oauth_config_problem(const struct oauth_config *cfg, char *buf, size_t len) {
    char *scheme = NULL, *host = NULL;
    const char *problem = NULL;
    CURLU *u;
    if (cfg->grant == OAUTH_GRANT_NONE) return cfg->access_token ? NULL : "oauth2 needs access_token or a grant";
    if (!cfg->token_url) return "oauth2 needs token_url (the provider's token endpoint)";
    if (!cfg->client_id) return "oauth2 needs client_id";
    if (cfg->grant == OAUTH_GRANT_REFRESH_TOKEN && !cfg->refresh_token)
        return "oauth2 needs refresh_token, or grant = \"client_credentials\"";
    if (cfg->grant == OAUTH_GRANT_CLIENT_CREDENTIALS && !cfg->client_secret)
        return "oauth2: the client_credentials grant needs client_secret";
    u = curl_url();
    if (curl_url_set(u, CURLUPART_URL, cfg->token_url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(buf, len, "oauth2: token_url '%s' is not a URL", cfg->token_url);
        problem = buf;
    } else if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0) {
        snprintf(buf, len, "oauth2: token_url '%s' is not an https:// URL", cfg->token_url);
        problem = buf;
    } else if (strcasecmp(scheme, "http") == 0 && !cfg->insecure && !loopback_host(host)) {
        /* A refresh token sent in clear text is a stolen mailbox. */
        snprintf(buf, len, "oauth2: token_url '%s' is http://: only loopback may be, or set insecure = true",
                 cfg->token_url);
        problem = buf;
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return problem;
}

/* ---- sources ---- */

static void source_digest(const struct oauth_config *cfg, char out[65]) {
    static const char *const grants[] = {"none", "refresh_token", "client_credentials"};
    const char *fields[] = {grants[cfg->grant], cfg->access_token,  cfg->token_url, cfg->client_id,
                            cfg->client_secret, cfg->refresh_token, cfg->scope,     cfg->insecure ? "insecure" : ""};
    unsigned char digest[32];
    struct buf all;
    buf_init(&all, 0);
    /* Length-prefixed: no value can forge another's boundary. */
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        buf_printf(&all, "%zu:%s/", fields[i] ? strlen(fields[i]) : 0, fields[i] ? fields[i] : "");
    gnutls_hash_fast(GNUTLS_DIG_SHA256, all.data, all.len, digest);
    buf_free(&all);
    for (size_t i = 0; i < sizeof digest; i++) snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

struct oauth_source *oauth_source_get(const struct oauth_config *cfg) {
    char digest[65];
    struct oauth_source *s;
    source_digest(cfg, digest);
    redact_add_secret(cfg->access_token);
    redact_add_secret(cfg->client_secret);
    redact_add_secret(cfg->refresh_token);
    pthread_mutex_lock(&sources_lock);
    for (s = sources; s; s = s->next)
        if (strcmp(s->digest, digest) == 0) break;
    if (!s) {
        s = xcalloc(1, sizeof *s);
        memcpy(s->digest, digest, sizeof digest);
        s->grant = cfg->grant;
        s->token_url = dup_or_null(cfg->token_url);
        s->client_id = dup_or_null(cfg->client_id);
        s->client_secret = dup_or_null(cfg->client_secret);
        s->refresh_token = dup_or_null(cfg->refresh_token);
        s->scope = dup_or_null(cfg->scope);
        s->insecure = cfg->insecure;
        s->token = dup_or_null(cfg->access_token);
        s->renew_at_ms = UINT64_MAX; /* a given token is used until refused */
        pthread_mutex_init(&s->lock, NULL);
        s->next = sources;
        sources = s;
    }
    s->refs++;
    pthread_mutex_unlock(&sources_lock);
    return s;
}

struct oauth_source *oauth_source_ref(struct oauth_source *s) {
    if (!s) return NULL;
    pthread_mutex_lock(&sources_lock);
    s->refs++;
    pthread_mutex_unlock(&sources_lock);
    return s;
}

static void source_free(struct oauth_source *s) {
    pthread_mutex_destroy(&s->lock);
    free(s->token_url);
    free(s->client_id);
    free(s->client_secret);
    free(s->refresh_token);
    free(s->scope);
    free(s->token);
    free(s);
}

/* A source nobody holds stays in the list with its token: the next probe
 * or send with the same credentials uses it instead of fetching another. */
void oauth_source_unref(struct oauth_source *s) {
    if (!s) return;
    pthread_mutex_lock(&sources_lock);
    s->refs--;
    pthread_mutex_unlock(&sources_lock);
}

void oauth_sources_free(void) {
    pthread_mutex_lock(&sources_lock);
    for (struct oauth_source **pp = &sources; *pp;) {
        struct oauth_source *s = *pp;
        if (s->refs > 0) { /* a session still running (abandoned at exit) */
            pp = &s->next;
            continue;
        }
        *pp = s->next;
        source_free(s);
    }
    pthread_mutex_unlock(&sources_lock);
}

const char *oauth_source_digest(const struct oauth_source *s) { return s->digest; }

bool oauth_source_refreshable(const struct oauth_source *s) { return s->grant != OAUTH_GRANT_NONE; }

/* ---- JSON members ---- */

/* json.c decodes, in a throwaway Lua state: this runs on a mail worker
 * thread, where no scenario's state may be touched, and token answers are
 * rare and small.  Objects and arrays are not members we read. */
bool oauth_json_field(const char *p, size_t len, const char *name, struct buf *out) {
    char err[128];
    bool found = false;
    lua_State *L = luaL_newstate();
    if (!L) return false;
    if (json_decode(L, p, len, err, sizeof err) == 0 && lua_istable(L, -1)) { /* answer */
        int type = lua_getfield(L, -1, name);                                 /* answer, value */
        if (type == LUA_TSTRING || type == LUA_TNUMBER) {
            size_t n;
            const char *v = lua_tolstring(L, -1, &n);
            buf_append(out, v, n);
            found = true;
        } else if (type == LUA_TBOOLEAN) {
            buf_puts(out, lua_toboolean(L, -1) ? "true" : "false");
            found = true;
        }
    }
    lua_close(L);
    return found;
}

/* ---- fetching ---- */

static size_t on_data(char *data, size_t size, size_t n, void *arg) {
    /* Past the cap the transfer fails (CURLE_WRITE_ERROR). */
    return buf_append(arg, data, size * n) == BUF_OK ? size * n : 0;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
    struct net_cancel *cancel = arg;
    bool stop;
    (void)a, (void)b, (void)c, (void)d;
    if (!cancel) return 0;
    pthread_mutex_lock(&cancel->lock);
    stop = cancel->cancelled;
    pthread_mutex_unlock(&cancel->lock);
    return stop; /* non-zero aborts the transfer */
}

static void form_add(CURL *curl, struct buf *form, const char *name, const char *value) {
    char *escaped;
    if (!value) return;
    escaped = curl_easy_escape(curl, value, 0);
    buf_printf(form, "%s%s=%s", form->len ? "&" : "", name, escaped ? escaped : "");
    curl_free(escaped);
}

/* What went wrong talking to the endpoint, in the engine's phases. */
static const char *curl_phase(CURLcode rc) {
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST: return "dns";
    case CURLE_COULDNT_CONNECT: return "connect";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION: return "tls";
    default: return "token";
    }
}

/* The endpoint answered status with body: a token, or why not. */
static enum oauth_result take_answer(struct oauth_source *s, long status, const struct buf *body, struct failure *f) {
    static const char *const grants[] = {"", "refresh_token", "client_credentials"};
    struct buf token, error, description, expires;
    enum oauth_result rc = OAUTH_TRANSIENT;
    buf_init(&token, 0);
    buf_init(&error, 0);
    buf_init(&description, 0);
    buf_init(&expires, 0);
    bool has_token = oauth_json_field(body->data ? body->data : "", body->len, "access_token", &token);
    bool has_error = oauth_json_field(body->data ? body->data : "", body->len, "error", &error);
    oauth_json_field(body->data ? body->data : "", body->len, "error_description", &description);
    if (status == 200 && has_token && token.len) {
        long long lifetime = DEFAULT_LIFETIME_S, early;
        if (oauth_json_field(body->data, body->len, "expires_in", &expires)) {
            lifetime = strtoll(buf_str(&expires), NULL, 10);
            if (lifetime <= 0) lifetime = 1;
        }
        /* A short-lived token is renewed half way, not after it expired. */
        early = lifetime / 2 < EARLY_S ? lifetime / 2 : EARLY_S;
        redact_add_secret(buf_str(&token));
        free(s->token);
        s->token = buf_take(&token);
        s->renew_at_ms = loop_clock_ms() + (uint64_t)(lifetime - early) * 1000;
        rc = OAUTH_OK;
    } else if (has_error && status >= 400 && status < 500) {
        /* invalid_grant (revoked, expired), invalid_client, unauthorized_client:
         * asking again gets the same answer. */
        failure_set(f, FAILURE_NETWORK, "OAuth token endpoint %s refused the %s grant: %s%s%s (HTTP %ld)", s->token_url,
                    grants[s->grant], buf_str(&error), description.len ? ": " : "", buf_str(&description), status);
        failure_set_phase(f, "authentication");
        rc = OAUTH_REFUSED;
    } else {
        failure_set(f, FAILURE_NETWORK, "OAuth token endpoint %s answered HTTP %ld without an access_token%s%s",
                    s->token_url, status, has_error ? ": " : "", buf_str(&error));
        failure_set_phase(f, status >= 400 && status < 500 ? "authentication" : "token");
        rc = status >= 400 && status < 500 ? OAUTH_REFUSED : OAUTH_TRANSIENT;
    }
    buf_free(&token);
    buf_free(&error);
    buf_free(&description);
    buf_free(&expires);
    return rc;
}

/* POST the grant to the token endpoint; with s->lock held. */
static enum oauth_result fetch(struct oauth_source *s, int64_t timeout_ms, struct net_cancel *cancel,
                               struct failure *f) {
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    struct buf form, body;
    char error[CURL_ERROR_SIZE] = "";
    enum oauth_result rc = OAUTH_TRANSIENT;
    long status = 0;
    CURLcode res;
    if (!curl) return failure_set(f, FAILURE_INTERNAL, "cannot make a libcurl handle"), OAUTH_TRANSIENT;
    buf_init(&form, 0);
    buf_init(&body, ANSWER_MAX);
    form_add(curl, &form, "grant_type", s->grant == OAUTH_GRANT_REFRESH_TOKEN ? "refresh_token" : "client_credentials");
    if (s->grant == OAUTH_GRANT_REFRESH_TOKEN) form_add(curl, &form, "refresh_token", s->refresh_token);
    form_add(curl, &form, "client_id", s->client_id);
    form_add(curl, &form, "client_secret", s->client_secret);
    form_add(curl, &form, "scope", s->scope);
    headers = curl_slist_append(headers, "Accept: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, s->token_url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, buf_str(&form));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, cancel);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); /* a worker thread: no SIGALRM for DNS */
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 15000));
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http"); /* oauth_config_problem said which */
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "telltale/" TELLTALE_VERSION);
    if (s->insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    res = curl_easy_perform(curl);
    if (res == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        rc = take_answer(s, status, &body, f);
    } else if (res == CURLE_ABORTED_BY_CALLBACK) {
        failure_set(f, FAILURE_ABORTED, "fetching a token from %s was cancelled", s->token_url);
    } else {
        failure_set(f, FAILURE_NETWORK, "OAuth token endpoint %s unreachable: %s", s->token_url,
                    error[0] ? error : curl_easy_strerror(res));
        failure_set_phase(f, curl_phase(res));
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    buf_free(&form);
    buf_free(&body);
    return rc;
}

enum oauth_result oauth_token(struct oauth_source *s, const char *stale, int64_t timeout_ms, struct net_cancel *cancel,
                              char **token, struct failure *f) {
    enum oauth_result rc = OAUTH_OK;
    *token = NULL;
    pthread_mutex_lock(&s->lock);
    bool usable = s->token && loop_clock_ms() < s->renew_at_ms && !(stale && strcmp(stale, s->token) == 0);
    if (!usable && s->grant == OAUTH_GRANT_NONE) {
        failure_set(f, FAILURE_NETWORK, "the access_token given in oauth2 was refused, and no grant can replace it");
        failure_set_phase(f, "authentication");
        rc = OAUTH_REFUSED;
    } else if (!usable) {
        rc = fetch(s, timeout_ms, cancel, f);
    }
    if (rc == OAUTH_OK) *token = xstrdup(s->token);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
