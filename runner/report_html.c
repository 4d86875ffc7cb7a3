/* report_html.c — the HTML report; see report_html.h.
 *
 * Every piece of text goes through text() (redact, then escape); numbers
 * are the only thing printed raw.  The waterfalls are CSS widths in
 * percent of the scenario's duration, so the page needs no script. */
#include "report_html.h"

#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "artifacts.h"
#include "buf.h"
#include "redact.h"
#include "report_file.h"
#include "xalloc.h"

static const char STYLE[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1d2330;"
    "background:#f4f5f7}"
    "main{max-width:1100px;margin:0 auto;padding:24px}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:0}h3{font-size:14px;margin:18px 0 6px;"
    "text-transform:uppercase;letter-spacing:.04em;color:#5b6475}"
    "code,pre,.mono{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,monospace;font-size:12.5px}"
    "pre{background:#f6f7f9;border:1px solid #e3e6eb;border-radius:4px;padding:8px 10px;margin:6px 0;"
    "white-space:pre-wrap;word-break:break-word}"
    ".card{background:#fff;border:1px solid #dfe2e8;border-radius:6px;padding:16px 18px;margin:16px 0}"
    ".meta{color:#5b6475;margin:4px 0}"
    ".badge{display:inline-block;border-radius:3px;padding:1px 7px;font-size:12px;font-weight:600;color:#fff;"
    "vertical-align:middle;margin-right:6px}"
    ".passed{background:#1f883d}.failed,.error{background:#cf222e}.skipped{background:#8c959f}"
    ".warn{background:#bf8700}"
    "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:3px 6px;vertical-align:top}"
    "th{color:#5b6475;font-weight:600;border-bottom:1px solid #dfe2e8}"
    ".runs td{border-bottom:1px solid #eef0f3}"
    ".tl td{border-bottom:1px solid #f0f1f4}.tl .name{width:34%}.tl .dur{width:11%;text-align:right;"
    "white-space:nowrap}"
    ".tl .req td{color:#5b6475;font-size:12.5px}.tl .req .name{padding-left:22px;word-break:break-all}"
    ".track{position:relative;height:14px;background:#f0f1f4;border-radius:2px;margin-top:3px}"
    ".bar{position:absolute;top:0;height:14px;border-radius:2px;min-width:2px;display:flex;overflow:hidden}"
    ".bar.passed{background:#2da44e}.bar.failed{background:#cf222e}.bar.skipped{background:#c4c9d0}"
    ".seg{height:14px}.s-dns{background:#8250df}.s-connect{background:#e16f24}.s-tls{background:#bf3989}"
    ".s-wait{background:#0969da}.s-recv{background:#54aeff}.s-none{background:#c4c9d0}"
    ".legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;vertical-align:-1px}"
    ".failure{border-left:4px solid #cf222e;background:#fff5f5;padding:8px 12px;margin:8px 0}"
    ".failure .msg{font-weight:600}.near{color:#9a6700}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}dt{color:#5b6475}"
    "dd{margin:0}a{color:#0969da}";

/* Redacted, then escaped for element content and attribute values alike.
 * Control characters other than tab and newline become '?'. */
static void text(struct buf *b, const char *s) {
    char *clean = redact_text(s ? s : "");
    for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
        switch (*p) {
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '&': buf_puts(b, "&amp;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&#39;"); break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n')
                buf_puts(b, "?");
            else
                buf_append(b, p, 1);
        }
    }
    free(clean);
}

static void ms_text(struct buf *b, double ms) {
    if (ms < 1000)
        buf_printf(b, "%.0f ms", ms);
    else
        buf_printf(b, "%.2f s", ms / 1000.0);
}

static const char *step_class(enum step_status s) {
    return s == STEP_PASSED ? "passed" : s == STEP_FAILED ? "failed" : "skipped";
}

static double pct(double part, double whole) {
    double p = whole > 0 ? part * 100.0 / whole : 0;
    return p < 0 ? 0 : p > 100 ? 100 : p;
}

/* A bar at [offset, offset + width) of a track scaled to scale ms. */
static void bar_open(struct buf *b, const char *cls, double offset, double width, double scale) {
    double left = pct(offset, scale), w = pct(width, scale);
    if (left + w > 100) w = 100 - left;
    buf_printf(b, "<div class=\"track\"><div class=\"bar %s\" style=\"left:%.3f%%;width:%.3f%%\">", cls, left, w);
}

static void segment(struct buf *b, const char *cls, const char *title, double ms, double total) {
    if (ms <= 0 || total <= 0) return;
    buf_printf(b, "<div class=\"seg s-%s\" title=\"%s %.1f ms\" style=\"width:%.3f%%\"></div>", cls, title, ms,
               pct(ms, total));
}

static void request_row(struct buf *b, const struct request_record *q, double scale) {
    double recv = q->total_ms - q->dns_ms - q->connect_ms - q->tls_ms - q->ttfb_ms;
    buf_puts(b, "<tr class=\"req\"><td class=\"name mono\">");
    text(b, q->method);
    buf_puts(b, " ");
    text(b, q->url);
    if (q->status)
        buf_printf(b, " &rarr; %ld", q->status);
    else
        buf_puts(b, " &rarr; no response");
    buf_printf(b, "</td><td class=\"dur\">");
    ms_text(b, q->total_ms);
    buf_printf(b, "</td><td>");
    bar_open(b, "", (double)q->offset_ms, q->total_ms, scale);
    segment(b, "dns", "dns", q->dns_ms, q->total_ms);
    segment(b, "connect", "connect", q->connect_ms, q->total_ms);
    segment(b, "tls", "tls", q->tls_ms, q->total_ms);
    segment(b, "wait", "ttfb", q->ttfb_ms, q->total_ms);
    segment(b, recv > 0 ? "recv" : "none", "receive", recv > 0 ? recv : q->total_ms, q->total_ms);
    buf_printf(b,
               "</div></div><div class=\"mono\">dns %.1f ms &middot; connect %.1f ms &middot; tls %.1f ms "
               "&middot; ttfb %.1f ms",
               q->dns_ms, q->connect_ms, q->tls_ms, q->ttfb_ms);
    if (q->span_id[0]) buf_printf(b, " &middot; span %s", q->span_id);
    buf_puts(b, "</div></td></tr>\n");
}

static void timeline_rows(struct buf *b, const char *prefix, const struct step_result *st, size_t n, double scale) {
    for (size_t i = 0; i < n; i++) {
        const struct step_result *s = &st[i];
        buf_printf(b, "<tr><td class=\"name\"><span class=\"badge %s\">%s</span>", step_class(s->status),
                   step_status_name(s->status));
        text(b, prefix);
        text(b, s->name);
        if (s->attempts > 1) buf_printf(b, " <span class=\"meta\">(%d attempts)</span>", s->attempts);
        buf_puts(b, "</td><td class=\"dur\">");
        if (s->status != STEP_SKIPPED) ms_text(b, (double)s->duration_ms);
        buf_puts(b, "</td><td>");
        if (s->status != STEP_SKIPPED) {
            bar_open(b, step_class(s->status), (double)s->offset_ms, (double)s->duration_ms, scale);
            buf_puts(b, "</div></div>");
        }
        buf_puts(b, "</td></tr>\n");
        for (size_t j = 0; j < s->nrequests; j++) request_row(b, &s->requests[j], scale);
    }
}

static void failure_block(struct buf *b, const char *what, const struct failure *f) {
    buf_puts(b, "<div class=\"failure\"><div class=\"msg\">");
    if (what) {
        text(b, what);
        buf_puts(b, ": ");
    }
    buf_puts(b, "<span class=\"badge failed\">");
    text(b, failure_kind_name(f->kind));
    buf_puts(b, "</span>");
    text(b, f->message);
    buf_puts(b, "</div>");
    if (f->where || f->phase) {
        buf_puts(b, "<div class=\"meta\">");
        if (f->where) {
            buf_puts(b, "at <code>");
            text(b, f->where);
            buf_puts(b, "</code> ");
        }
        if (f->phase) {
            buf_puts(b, "while ");
            text(b, f->phase);
        }
        buf_puts(b, "</div>");
    }
    if (f->detail && *f->detail) {
        /* Near misses (mail waits) stand out from the rest of the detail. */
        buf_puts(b, "<pre>");
        for (const char *line = f->detail; *line;) {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) : strlen(line);
            char *one = xstrndup(line, len);
            bool near = strncmp(one, "near miss:", 10) == 0;
            if (near) buf_puts(b, "<span class=\"near\">");
            text(b, one);
            if (near) buf_puts(b, "</span>");
            buf_puts(b, "\n");
            free(one);
            line += len + (end ? 1 : 0);
        }
        buf_puts(b, "</pre>");
    }
    buf_puts(b, "</div>\n");
}

static void step_failures(struct buf *b, const char *prefix, const struct step_result *st, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const struct step_result *s = &st[i];
        if (s->status == STEP_FAILED) {
            struct buf label;
            buf_init(&label, 0);
            buf_printf(&label, "%s%s", prefix, s->name);
            failure_block(b, buf_str(&label), &s->failure);
            buf_free(&label);
        }
    }
}

static void step_logs(struct buf *b, const char *prefix, const struct step_result *st, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const struct step_result *s = &st[i];
        if (s->logs.len) {
            buf_puts(b, "<div class=\"meta\">log of ");
            text(b, prefix);
            text(b, s->name);
            buf_puts(b, "</div><pre>");
            for (size_t j = 0; j < s->logs.len; j++) {
                text(b, s->logs.items[j]);
                buf_puts(b, "\n");
            }
            buf_puts(b, "</pre>\n");
        }
    }
}

/* ---- artifacts ---- */

/* The directory part of path, made absolute ("." when it has none). */
static char *abs_dir(const char *path, bool is_dir) {
    char *copy = xstrdup(path), *slash = strrchr(copy, '/'), *abs;
    const char *dir = is_dir ? copy : slash ? (slash == copy ? "/" : (*slash = '\0', copy)) : ".";
    abs = realpath(dir, NULL);
    free(copy);
    return abs;
}

/* to (absolute) as seen from the directory from (absolute). */
static void relative_path(const char *from, const char *to, struct buf *out) {
    size_t common = 0;
    for (size_t i = 0;; i++) {
        bool from_end = from[i] == '\0' || from[i] == '/', to_end = to[i] == '\0' || to[i] == '/';
        if (from_end && to_end) common = i;
        if (from[i] != to[i] || from[i] == '\0') break;
    }
    for (const char *p = from + common; *p; p++)
        if (*p == '/') buf_puts(out, "../");
    buf_puts(out, *(to + common) == '/' ? to + common + 1 : to + common);
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The files under DIR/<scenario>/ written since the run started (a reused
 * directory keeps older runs' files: they are not this run's). */
static void artifact_links(struct buf *b, const struct scenario_result *s, const char *report_dir,
                           const char *artifacts_dir, int64_t since_ms) {
    char sname[96];
    struct buf dir;
    struct strlist names = {0};
    DIR *d;
    struct dirent *e;
    artifacts_safe_name(s->name, sname, sizeof sname);
    buf_init(&dir, 0);
    buf_printf(&dir, "%s/%s", artifacts_dir, sname);
    d = opendir(buf_str(&dir));
    while (d && (e = readdir(d))) {
        struct stat st;
        struct buf file;
        if (e->d_name[0] == '.') continue;
        buf_init(&file, 0);
        buf_printf(&file, "%s/%s", buf_str(&dir), e->d_name);
        if (stat(buf_str(&file), &st) == 0 && S_ISREG(st.st_mode) && (int64_t)st.st_mtime >= since_ms / 1000)
            strlist_push(&names, e->d_name);
        buf_free(&file);
    }
    if (d) closedir(d);
    if (names.len) {
        qsort(names.items, names.len, sizeof *names.items, compare_names);
        buf_puts(b, "<h3>Artifacts</h3><ul class=\"mono\">\n");
        for (size_t i = 0; i < names.len; i++) {
            struct buf rel;
            buf_init(&rel, 0);
            relative_path(report_dir, artifacts_dir, &rel);
            buf_printf(&rel, "%s%s/%s", rel.len ? "/" : "", sname, names.items[i]);
            buf_puts(b, "<li><a href=\"");
            text(b, buf_str(&rel));
            buf_puts(b, "\">");
            text(b, names.items[i]);
            buf_puts(b, "</a></li>\n");
            buf_free(&rel);
        }
        buf_puts(b, "</ul>\n");
    }
    strlist_free(&names);
    buf_free(&dir);
}

/* ---- the page ---- */

static void scenario(struct buf *b, const struct scenario_result *s, size_t id, const char *report_dir,
                     const char *artifacts_dir) {
    const char *status = scenario_status_name(s->status);
    double scale = s->duration_ms > 0 ? (double)s->duration_ms : 1;
    char when[40];
    buf_printf(b, "<section class=\"card\" id=\"s%zu\"><h2><span class=\"badge %s\">%s</span>", id, status, status);
    text(b, s->name);
    buf_puts(b, "</h2><dl><dt>file</dt><dd><code>");
    text(b, s->file);
    buf_puts(b, "</code></dd>");
    if (s->started_at_ms) {
        result_format_time(s->started_at_ms, when, sizeof when);
        buf_printf(b, "<dt>started</dt><dd>%s</dd><dt>duration</dt><dd>", when);
        ms_text(b, (double)s->duration_ms);
        buf_puts(b, "</dd>");
    }
    if (s->trace_id[0]) buf_printf(b, "<dt>trace id</dt><dd><code class=\"trace\">%s</code></dd>", s->trace_id);
    if (s->tags.len) {
        buf_puts(b, "<dt>tags</dt><dd>");
        for (size_t i = 0; i < s->tags.len; i++) {
            if (i) buf_puts(b, ", ");
            text(b, s->tags.items[i]);
        }
        buf_puts(b, "</dd>");
    }
    buf_puts(b, "</dl>\n");
    if (s->status == SCENARIO_ERROR) failure_block(b, "could not load", &s->failure);
    /* What went wrong first, then when, then what the steps said. */
    step_failures(b, "", s->steps, s->nsteps);
    step_failures(b, "teardown: ", s->teardown, s->nteardown);
    if (s->nsteps + s->nteardown) {
        buf_puts(b, "<h3>Timeline</h3><table class=\"tl\">\n");
        timeline_rows(b, "", s->steps, s->nsteps, scale);
        timeline_rows(b, "teardown: ", s->teardown, s->nteardown, scale);
        buf_puts(b, "</table>\n");
    }
    size_t nlogs = 0;
    for (size_t i = 0; i < s->nsteps; i++) nlogs += s->steps[i].logs.len;
    for (size_t i = 0; i < s->nteardown; i++) nlogs += s->teardown[i].logs.len;
    if (nlogs) buf_puts(b, "<h3>Logs</h3>\n");
    step_logs(b, "", s->steps, s->nsteps);
    step_logs(b, "teardown: ", s->teardown, s->nteardown);
    if (artifacts_dir) artifact_links(b, s, report_dir, artifacts_dir, s->started_at_ms);
    buf_puts(b, "</section>\n");
}

static void summary(struct buf *b, const struct run_result *r) {
    size_t counts[4] = {0};
    char when[40];
    for (size_t i = 0; i < r->nscenarios; i++) counts[r->scenarios[i].status]++;
    result_format_time(r->started_at_ms, when, sizeof when);
    buf_printf(
        b,
        "<title>telltale: %zu passed, %zu failed &middot; run %s</title>\n<style>%s</style>\n</head>\n<body><main>\n",
        counts[SCENARIO_PASSED], counts[SCENARIO_FAILED] + counts[SCENARIO_ERROR], r->run_id, STYLE);
    buf_puts(b, "<header class=\"card\"><h1>telltale run <code>");
    text(b, r->run_id);
    buf_printf(b,
               "</code></h1><p class=\"summary\"><span class=\"badge passed\">%zu passed</span>"
               "<span class=\"badge failed\">%zu failed</span>",
               counts[SCENARIO_PASSED], counts[SCENARIO_FAILED]);
    if (counts[SCENARIO_ERROR])
        buf_printf(b, "<span class=\"badge error\">%zu could not load</span>", counts[SCENARIO_ERROR]);
    if (counts[SCENARIO_SKIPPED])
        buf_printf(b, "<span class=\"badge skipped\">%zu skipped</span>", counts[SCENARIO_SKIPPED]);
    buf_printf(b, " %zu scenario%s in ", r->nscenarios, r->nscenarios == 1 ? "" : "s");
    ms_text(b, (double)r->duration_ms);
    buf_printf(b, ", started %s", when);
    if (r->interrupted_by)
        buf_printf(b, ", <b>interrupted by %s</b>", r->interrupted_by == SIGINT ? "SIGINT" : "SIGTERM");
    buf_puts(b, "</p><p class=\"meta\">telltale ");
    text(b, TELLTALE_VERSION);
    buf_puts(b, "</p>\n<table class=\"runs\"><tr><th>status</th><th>scenario</th><th>file</th><th>duration</th>"
                "<th>trace id</th></tr>\n");
    for (size_t i = 0; i < r->nscenarios; i++) {
        const struct scenario_result *s = &r->scenarios[i];
        buf_printf(b, "<tr><td><span class=\"badge %s\">%s</span></td><td><a href=\"#s%zu\">",
                   scenario_status_name(s->status), scenario_status_name(s->status), i);
        text(b, s->name);
        buf_puts(b, "</a></td><td><code>");
        text(b, s->file);
        buf_puts(b, "</code></td><td>");
        ms_text(b, (double)s->duration_ms);
        buf_printf(b, "</td><td><code>%s</code></td></tr>\n", s->trace_id);
    }
    buf_puts(b, "</table>\n<p class=\"legend meta\">requests:<span class=\"s-dns\"></span>dns"
                "<span class=\"s-connect\"></span>connect<span class=\"s-tls\"></span>tls"
                "<span class=\"s-wait\"></span>time to first byte<span class=\"s-recv\"></span>receive</p>"
                "</header>\n");
}

int report_html_write(const char *path, const struct run_result *r, const char *artifacts_dir, struct failure *f) {
    struct buf b;
    char *report_dir = abs_dir(path, false), *art = artifacts_dir ? abs_dir(artifacts_dir, true) : NULL;
    int rc;
    buf_init(&b, 0);
    buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    summary(&b, r);
    for (size_t i = 0; i < r->nscenarios; i++) scenario(&b, &r->scenarios[i], i, report_dir ? report_dir : ".", art);
    buf_puts(&b, "</main></body>\n</html>\n");
    rc = report_file_write(path, &b, f);
    buf_free(&b);
    free(report_dir);
    free(art);
    return rc;
}
