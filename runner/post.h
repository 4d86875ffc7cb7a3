/* post.h — one blocking HTTP send, for the moments no event loop runs:
 * pushing metrics after a run, heartbeat pings around a wrapped command.
 *
 * Short timeouts and a few attempts: a push or a ping that cannot be
 * delivered must be reported within seconds, never hang a cron job.  Failed
 * attempts are retried on network errors, 429 and 5xx; any other status is
 * final.  Scenarios never come here: their HTTP goes through http.c on the
 * loop. */
#ifndef TELLTALE_POST_H
#define TELLTALE_POST_H

#include <stddef.h>

struct failure;

struct post_request {
    const char *method;       /* "POST", "PUT" */
    const char *url;          /* http:// or https:// */
    const char *content_type; /* NULL: no Content-Type header */
    const char *body;         /* may be NULL when body_len is 0 */
    size_t body_len;
    long timeout_ms; /* per attempt, the whole transfer */
    int attempts;    /* >= 1 */
};

/* Send req; 0 when a 2xx response arrived.  Otherwise -1 with f filled:
 * kind `network` (naming the URL, the curl error and the attempts made) or
 * `http` (the status and the first bytes of the response body).  URLs in
 * messages are redacted (no user:password).  Needs curl_global_init done. */
int post_send(const struct post_request *req, struct failure *f);

#endif
