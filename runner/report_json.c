/* report_json.c — the JSON report; see report_json.h.  Every string is
 * redacted, capped and escaped by the JSON writer, never pasted: the file
 * is valid UTF-8 JSON whatever bytes a scenario produced. */
#include "report_json.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "redact.h"
#include "report_file.h"
#include "utf8.h"

/* Redacted, then capped at max bytes (cut on a character boundary, with a
 * note), then written as a JSON string: invalid UTF-8 becomes U+FFFD. */
static void capped(struct buf *b, const char *s, size_t max) {
    char *clean = redact_text(s ? s : "");
    struct buf cut;
    buf_init(&cut, 0);
    utf8_append_capped(&cut, clean, strlen(clean), max);
    json_write_string(b, buf_str(&cut), cut.len);
    buf_free(&cut);
    free(clean);
}

static void str(struct buf *b, const char *s) { capped(b, s, FAILURE_DETAIL_MAX); }

static void key(struct buf *b, const char *k) {
    json_write_string(b, k, strlen(k));
    buf_puts(b, ":");
}

static void failure_obj(struct buf *b, const struct failure *f) {
    if (f->kind == FAILURE_NONE) {
        buf_puts(b, "null");
        return;
    }
    buf_puts(b, "{");
    key(b, "kind");
    str(b, failure_kind_name(f->kind));
    buf_puts(b, ",");
    key(b, "message");
    capped(b, f->message, FAILURE_MESSAGE_MAX);
    buf_puts(b, ",");
    key(b, "detail");
    if (f->detail)
        str(b, f->detail);
    else
        buf_puts(b, "null");
    buf_puts(b, ",");
    key(b, "phase");
    if (f->phase)
        str(b, f->phase);
    else
        buf_puts(b, "null");
    buf_puts(b, ",");
    key(b, "where");
    if (f->where)
        str(b, f->where);
    else
        buf_puts(b, "null");
    buf_puts(b, "}");
}

static void requests(struct buf *b, const struct step_result *s) {
    buf_puts(b, "[");
    for (size_t i = 0; i < s->nrequests; i++) {
        const struct request_record *q = &s->requests[i];
        buf_puts(b, i ? ",{" : "{");
        key(b, "method");
        str(b, q->method);
        buf_puts(b, ",");
        key(b, "url");
        str(b, q->url);
        buf_printf(b,
                   ",\"status\":%ld,\"offset_ms\":%lld,\"timings\":{\"dns\":%.3f,\"connect\":%.3f,\"tls\":%.3f,"
                   "\"ttfb\":%.3f,\"total\":%.3f},",
                   q->status, (long long)q->offset_ms, q->dns_ms, q->connect_ms, q->tls_ms, q->ttfb_ms, q->total_ms);
        key(b, "span_id");
        if (q->span_id[0])
            str(b, q->span_id);
        else
            buf_puts(b, "null");
        buf_puts(b, "}");
    }
    buf_puts(b, "]");
}

static void steps(struct buf *b, const struct step_result *s, size_t n) {
    buf_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i) buf_puts(b, ",");
        buf_puts(b, "{");
        key(b, "name");
        str(b, s[i].name);
        buf_puts(b, ",");
        key(b, "status");
        str(b, step_status_name(s[i].status));
        buf_printf(b, ",\"duration_ms\":%lld,\"attempts\":%d,", (long long)s[i].duration_ms, s[i].attempts);
        key(b, "logs");
        buf_puts(b, "[");
        for (size_t j = 0; j < s[i].logs.len; j++) {
            if (j) buf_puts(b, ",");
            str(b, s[i].logs.items[j]);
        }
        buf_puts(b, "],");
        buf_printf(b, "\"offset_ms\":%lld,", (long long)s[i].offset_ms);
        key(b, "requests");
        requests(b, &s[i]);
        buf_puts(b, ",");
        key(b, "failure");
        failure_obj(b, &s[i].failure);
        buf_puts(b, "}");
    }
    buf_puts(b, "]");
}

static void scenario(struct buf *b, const struct scenario_result *s) {
    char when[40];
    buf_puts(b, "{");
    key(b, "name");
    str(b, s->name);
    buf_puts(b, ",");
    key(b, "file");
    str(b, s->file);
    buf_puts(b, ",");
    key(b, "status");
    str(b, scenario_status_name(s->status));
    buf_puts(b, ",");
    key(b, "tags");
    buf_puts(b, "[");
    for (size_t i = 0; i < s->tags.len; i++) {
        if (i) buf_puts(b, ",");
        str(b, s->tags.items[i]);
    }
    buf_puts(b, "],");
    key(b, "started_at");
    if (s->started_at_ms) {
        result_format_time(s->started_at_ms, when, sizeof when);
        str(b, when);
    } else {
        buf_puts(b, "null");
    }
    buf_printf(b, ",\"duration_ms\":%lld,\"repeat\":%d,", (long long)s->duration_ms, s->repeat);
    key(b, "trace_id");
    if (s->trace_id[0])
        str(b, s->trace_id);
    else
        buf_puts(b, "null");
    buf_puts(b, ",");
    key(b, "steps");
    steps(b, s->steps, s->nsteps);
    buf_puts(b, ",");
    key(b, "teardown");
    steps(b, s->teardown, s->nteardown);
    buf_puts(b, ",");
    key(b, "failure");
    failure_obj(b, &s->failure);
    buf_puts(b, "}");
}

int report_json_write(const char *path, const struct run_result *r, struct failure *f) {
    struct buf b;
    char when[40];
    size_t counts[4] = {0};
    int rc;
    buf_init(&b, 0);
    result_format_time(r->started_at_ms, when, sizeof when);
    for (size_t i = 0; i < r->nscenarios; i++) counts[r->scenarios[i].status]++;
    buf_printf(&b, "{\"version\":%d,", REPORT_JSON_VERSION);
    key(&b, "telltale");
    str(&b, TELLTALE_VERSION);
    buf_puts(&b, ",");
    key(&b, "run_id");
    str(&b, r->run_id);
    buf_puts(&b, ",");
    key(&b, "location");
    if (*r->location)
        str(&b, r->location);
    else
        buf_puts(&b, "null");
    buf_puts(&b, ",");
    key(&b, "started_at");
    str(&b, when);
    buf_printf(&b, ",\"duration_ms\":%lld,\"repeat\":%d,", (long long)r->duration_ms, r->repeat);
    key(&b, "interrupted_by");
    if (r->interrupted_by)
        str(&b, r->interrupted_by == SIGINT ? "SIGINT" : r->interrupted_by == SIGTERM ? "SIGTERM" : "signal");
    else
        buf_puts(&b, "null");
    buf_printf(&b, ",\"summary\":{\"passed\":%zu,\"failed\":%zu,\"error\":%zu,\"skipped\":%zu},",
               counts[SCENARIO_PASSED], counts[SCENARIO_FAILED], counts[SCENARIO_ERROR], counts[SCENARIO_SKIPPED]);
    key(&b, "scenarios");
    buf_puts(&b, "[");
    for (size_t i = 0; i < r->nscenarios; i++) {
        if (i) buf_puts(&b, ",");
        scenario(&b, &r->scenarios[i]);
    }
    buf_puts(&b, "]}\n");
    rc = report_file_write(path, &b, f);
    buf_free(&b);
    return rc;
}
