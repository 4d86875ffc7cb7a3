/* http.h — libcurl's multi-socket interface driven by the event loop.
 *
 * Lua-free: http_lua.c configures an easy handle, wraps it in a
 * http_transfer and starts it here; done is called on the loop thread when
 * the transfer ends, whatever the outcome.  Bodies and headers are capped:
 * crossing the cap aborts the transfer and sets too_big. */
#ifndef TELLTALE_HTTP_H
#define TELLTALE_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>

#include "buf.h"
#include "failure.h"

struct loop;
struct http;
struct http_transfer;

typedef void http_done_fn(struct http_transfer *x);

struct http_transfer {
    CURL *easy;         /* not owned; configured by the caller */
    struct buf body;    /* response body of the last response, capped */
    struct buf headers; /* raw header block of the last response */
    CURLcode result;
    bool too_big; /* the body passed its cap */
    bool running;
    char errbuf[CURL_ERROR_SIZE];
    http_done_fn *done;
    void *data; /* for the caller */
};

/* NULL if curl cannot be initialised. */
struct http *http_new(struct loop *loop);
void http_free(struct http *h);

/* Prepare x around easy (body capped at max_body bytes; 0 = no cap). */
void http_transfer_init(struct http_transfer *x, CURL *easy, size_t max_body, http_done_fn *done, void *data);
void http_transfer_free(struct http_transfer *x);
/* Ready a finished x for another transfer on the same handle (the next
 * hop of a redirect): buffers emptied, result and too_big cleared. */
void http_transfer_reset(struct http_transfer *x);
/* Start x: sets the write/header callbacks and CURLOPT_PRIVATE, adds it to
 * the multi handle.  Returns 0, or -1 with f filled. */
int http_start(struct http *h, struct http_transfer *x, struct failure *f);
/* Stop x without calling done (deadline, cancelled step). */
void http_cancel(struct http *h, struct http_transfer *x);
/* Describe where a transfer is (or stopped): "connecting to 127.0.0.1:80"... */
void http_phase(struct http_transfer *x, const char *method, struct buf *out);
/* A session cookie is a credential: a "Set-Cookie:" header line's value
 * is registered as a secret.  Called for every response header, and by the
 * trace before curl logs the cookie it just stored. */
void http_note_set_cookie(const char *line, size_t len);
/* Turn a finished, unsuccessful transfer into a failure: `network` with
 * the reason (dns, refused, reset, tls), `timeout` with the phase, or
 * `http` for a body over its cap or too many redirects. */
void http_transfer_failure(struct http_transfer *x, const char *method, struct failure *f);

#endif
