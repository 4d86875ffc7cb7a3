/* oauth.h — OAuth 2.0 access tokens for IMAP and SMTP (SASL XOAUTH2 and
 * OAUTHBEARER, RFC 7628).
 *
 * A token source is either an access token minted by another tool, or a
 * token endpoint with a refresh-token or client-credentials grant.
 * Sources are process-wide and shared: every mailbox, send and probe with
 * the same endpoint, client and grant holds the same source, so one
 * cached token serves them all and concurrent sessions wait for one fetch
 * instead of making their own.  Tokens are fetched with libcurl's easy
 * API on the calling thread — always a mail worker thread, never the
 * loop — and cached until shortly before their expires_in.  Every
 * secret (client secret, refresh token, access tokens as they arrive) is
 * registered with redact.c. */
#ifndef TELLTALE_OAUTH_H
#define TELLTALE_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "failure.h"
#include "net.h"

enum oauth_grant {
    OAUTH_GRANT_NONE,              /* access_token given: nothing to fetch */
    OAUTH_GRANT_REFRESH_TOKEN,     /* refresh_token = */
    OAUTH_GRANT_CLIENT_CREDENTIALS /* grant = "client_credentials" */
};

/* What mail.mailbox{ oauth2 = { ... } } says; strings are borrowed. */
struct oauth_config {
    enum oauth_grant grant;
    const char *access_token; /* OAUTH_GRANT_NONE */
    const char *token_url, *client_id, *client_secret, *refresh_token, *scope;
    bool insecure; /* http:// to a host other than loopback, no certificate check */
};

/* Why cfg cannot work, in words for a Lua error ("oauth2 needs token_url"),
 * or NULL when it can: a grant needs token_url and client_id; token_url is
 * https://, or http:// to loopback (tests), unless insecure. */
const char *oauth_config_problem(const struct oauth_config *cfg, char *buf, size_t len);

struct oauth_source;

/* The shared source for cfg, with a reference the caller owns (any
 * thread).  Its secrets are registered for redaction. */
struct oauth_source *oauth_source_get(const struct oauth_config *cfg);
struct oauth_source *oauth_source_ref(struct oauth_source *s);
/* The source stays cached after its last reference: sessions one after
 * another (a probe, then a send) share its token too. */
void oauth_source_unref(struct oauth_source *s);
/* Free every source no one holds (the end of a run, after the mailboxes);
 * one a session still running holds is left to it. */
void oauth_sources_free(void);
/* A SHA-256 of everything that makes the source (hex, 64 characters): a
 * session key may contain it, it gives no secret away. */
const char *oauth_source_digest(const struct oauth_source *s);
/* False for a fixed access token: a refused one cannot be replaced. */
bool oauth_source_refreshable(const struct oauth_source *s);

enum oauth_result {
    OAUTH_OK = 0,
    OAUTH_TRANSIENT = -1, /* endpoint unreachable, 5xx, garbage: try again later */
    OAUTH_REFUSED = -2    /* the endpoint refused the grant: final */
};

/* A valid access token (malloc'd; the caller frees it).  stale, when not
 * NULL, is a token the mail server refused: unless the cache already
 * holds another one, a new token is fetched.  Blocks for at most
 * timeout_ms; cancel (may be NULL) interrupts the fetch.  Fills f on
 * failure: kind network naming the endpoint, phase "authentication" with
 * the endpoint's error and error_description when it refused. */
enum oauth_result oauth_token(struct oauth_source *s, const char *stale, int64_t timeout_ms, struct net_cancel *cancel,
                              char **token, struct failure *f);

/* The value of a top-level member of a JSON object as text (a string
 * unescaped, a number or literal as written; objects and arrays are
 * skipped, not returned) appended to out; false when the text is not an
 * object or has no such member.  For token endpoint answers and SASL
 * error challenges: flat objects from servers, not general JSON. */
bool oauth_json_field(const char *json, size_t len, const char *name, struct buf *out);

#endif
