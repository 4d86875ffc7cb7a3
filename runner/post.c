/* post.c — blocking HTTP sends with retries; see post.h. */
#include "post.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "failure.h"
#include "redact.h"

#define RESPONSE_CAP 4096  /* enough of an error page to say why */
#define RESPONSE_SHOWN 300 /* what a one-line message quotes of it */

static size_t on_body(char *data, size_t size, size_t n, void *userp) {
    struct buf *b = userp;
    size_t room = b->cap - b->len;
    /* Keep the start of the body, drop the rest: a capped read must not
     * abort the transfer, its status is what matters. */
    buf_append(b, data, size * n < room ? size * n : room);
    return size * n;
}

static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) continue;
}

/* One attempt; returns the HTTP status, or 0 with the curl error in err. */
static long attempt(CURL *h, struct buf *resp, char *err) {
    long status = 0;
    CURLcode rc;
    buf_reset(resp);
    err[0] = '\0';
    rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        if (!err[0]) snprintf(err, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
        return 0;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static int retryable(long status) { return status == 0 || status == 429 || status >= 500; }

int post_send(const struct post_request *req, struct failure *f) {
    CURL *h = curl_easy_init();
    struct curl_slist *headers = NULL;
    struct buf resp, ct;
    char err[CURL_ERROR_SIZE];
    char *url = redact_text(req->url);
    long status = 0;
    int tries = 0, rc = -1;

    buf_init(&resp, RESPONSE_CAP);
    buf_init(&ct, 0);
    if (!h) {
        failure_set(f, FAILURE_INTERNAL, "cannot create a libcurl handle for %s", url);
        goto cleanup;
    }
    if (req->content_type) {
        buf_printf(&ct, "Content-Type: %s", req->content_type);
        headers = curl_slist_append(headers, buf_str(&ct));
    }
    headers = curl_slist_append(headers, "Expect:"); /* no 1 s wait for 100-continue */
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "telltale/" TELLTALE_VERSION);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM for DNS timeouts */
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);

    for (tries = 1;; tries++) {
        status = attempt(h, &resp, err);
        if (status >= 200 && status < 300) {
            rc = 0;
            goto cleanup;
        }
        if (tries >= req->attempts || !retryable(status)) break;
        pause_ms(500L << (tries - 1)); /* 0.5 s, 1 s, 2 s ... */
    }
    if (status == 0) {
        failure_set(f, FAILURE_NETWORK, "%s %s: %s (%d attempt%s)", req->method, url, err, tries,
                    tries == 1 ? "" : "s");
    } else {
        char *body = redact_textn(buf_str(&resp), resp.len < RESPONSE_SHOWN ? resp.len : RESPONSE_SHOWN);
        size_t n = strlen(body);
        for (char *p = body; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
        while (n > 0 && body[n - 1] == ' ') body[--n] = '\0';
        failure_set(f, FAILURE_HTTP, "%s %s returned %ld%s%s (%d attempt%s)", req->method, url, status,
                    *body ? ": " : "", body, tries, tries == 1 ? "" : "s");
        free(body);
    }

cleanup:
    curl_slist_free_all(headers);
    if (h) curl_easy_cleanup(h);
    buf_free(&resp);
    buf_free(&ct);
    free(url);
    return rc;
}
