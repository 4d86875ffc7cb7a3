/* redact.h — secrets never leave the process.
 *
 * Every string telltale writes — console, trace, reports, artifacts — passes
 * through redact_text() first.  It hides: values registered as secrets
 * (secret(), --var/env names that look like credentials, passwords of
 * databases and mailboxes, cookies that look like credentials), the
 * password part of any URL (scheme://user:pw@host), the values of
 * credential headers (Authorization, Cookie, Set-Cookie, ...) on lines that
 * start with them, and the value in curl's `Added cookie name="value"`.
 *
 * A secret is hidden whole, in every spelling it travels in: as given,
 * URL-encoded (%XX, + for space), HTML-escaped (&amp; &quot; &#39; ...),
 * JSON-escaped (\" \\ \/), and for `Basic`/`Bearer` credentials the token
 * alone and the decoded password.  Where secrets overlap the leftmost, then
 * longest, match wins: with `pw-abc` and `pw-abcdef`, "pw-abcdef" becomes
 * one [REDACTED].  A secret shorter than REDACT_SHORT bytes is hidden only
 * as a whole token (as regex \b): secret `1000` hides "1000 tries" but not
 * "10000"; so is a 1-byte secret() — there is no minimum length.
 *
 * Cost model: adding a secret is O(its length) (a hash set de-duplicates).
 * Spellings are matched by Aho–Corasick automata built lazily on the next
 * redaction after additions; new secrets go into a new small automaton,
 * merged with the next older one whenever that is at most twice its size,
 * so each spelling is rebuilt O(log n) times and at most log2(n) automata
 * exist.  Redaction is one pass per automaton, O(text + matches); once the
 * extra passes have cost as much as the patterns' size, all automata are
 * merged into one.  Steady state: one linear pass whatever the number of
 * secrets.  The state is process-wide behind one mutex (mail workers
 * redact their traces from their own threads). */
#ifndef TELLTALE_REDACT_H
#define TELLTALE_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define REDACTED "[REDACTED]"
#define REDACT_SHORT 6 /* secrets shorter than this match whole tokens only */

/* Remember value as a secret, in all its spellings.  Empty values are
 * ignored. */
void redact_add_secret(const char *value);
/* A user name and its password (URL userinfo, auth options): the password
 * and the base64 of "user:password" that Basic auth sends. */
void redact_add_credentials(const char *user, const char *password);
/* A cookie the server set: its value becomes a secret only when it could
 * be a credential — 16 bytes or more, or a name that says so (session,
 * sess, sid, token, auth, jwt, csrf, xsrf, remember, key, secret, pass) and
 * 4 bytes or more.  Other cookies (`UseCDNCache=false`) stay visible
 * except on Cookie/Set-Cookie lines, which are always hidden.  Lengths
 * are explicit: the caller passes slices of a header line. */
void redact_add_cookie(const char *name, size_t name_len, const char *value, size_t value_len);
/* True when a variable or header name suggests a credential
 * (password, secret, token, key, auth, cookie, credential, session). */
bool redact_name_is_secret(const char *name);
/* A copy of text with every secret replaced; caller frees.  The text may
 * hold any bytes, NUL included (redact_textn). */
char *redact_text(const char *text);
char *redact_textn(const char *text, size_t len);
/* Forget every secret (tests, and the end of a run). */
void redact_reset(void);

#endif
