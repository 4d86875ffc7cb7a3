/* redact.h — secrets never leave the process.
 *
 * Every string telltale writes — console, trace, reports, artifacts — passes
 * through redact_text() first.  It hides: values registered as secrets
 * (secret(), --var/env names that look like credentials, URL passwords seen
 * by the HTTP module), the password part of any URL (scheme://user:pw@host)
 * and the values of credential headers (Authorization, Cookie, ...).
 * The secret list is process-wide and thread-safe. */
#ifndef TELLTALE_REDACT_H
#define TELLTALE_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define REDACTED "[REDACTED]"

/* Remember value as a secret.  Values shorter than 3 bytes are ignored: they
 * would blank out ordinary text and hide nothing worth hiding. */
void redact_add_secret(const char *value);
/* True when a variable or header name suggests a credential
 * (password, secret, token, key, auth, cookie, credential, session). */
bool redact_name_is_secret(const char *name);
/* A copy of text with every secret replaced; caller frees. */
char *redact_text(const char *text);
char *redact_textn(const char *text, size_t len);
/* Forget every secret (tests, and the end of a run). */
void redact_reset(void);

#endif
