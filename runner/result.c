/* result.c — ownership helpers for the result model; see result.h. */
#include "result.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "xalloc.h"

void strlist_push(struct strlist *l, const char *s) {
    if (l->len == l->alloc) {
        l->alloc = l->alloc ? l->alloc * 2 : 4;
        l->items = xrealloc(l->items, l->alloc * sizeof *l->items);
    }
    l->items[l->len++] = xstrdup(s);
}

void strlist_free(struct strlist *l) {
    for (size_t i = 0; i < l->len; i++) free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = l->alloc = 0;
}

const char *step_status_name(enum step_status s) {
    switch (s) {
    case STEP_PASSED: return "passed";
    case STEP_FAILED: return "failed";
    case STEP_SKIPPED: return "skipped";
    }
    return "failed";
}

const char *scenario_status_name(enum scenario_status s) {
    switch (s) {
    case SCENARIO_PASSED: return "passed";
    case SCENARIO_FAILED: return "failed";
    case SCENARIO_ERROR: return "error";
    case SCENARIO_SKIPPED: return "skipped";
    }
    return "error";
}

void result_format_time(int64_t unix_ms, char *out, size_t outlen) {
    time_t secs = (time_t)(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(unix_ms % 1000));
}

void result_step_add_request(struct step_result *sr, const struct request_record *rec) {
    size_t n = sr->nrequests;
    /* Capacity doubles at each power of two: no realloc per request. */
    if ((n & (n - 1)) == 0) sr->requests = xrealloc(sr->requests, (n ? n * 2 : 1) * sizeof *sr->requests);
    sr->requests[n] = *rec;
    sr->requests[n].url = xstrdup(rec->url ? rec->url : "");
    sr->nrequests++;
}

static void step_free(struct step_result *s) {
    free(s->name);
    strlist_free(&s->logs);
    for (size_t i = 0; i < s->nrequests; i++) free(s->requests[i].url);
    free(s->requests);
    failure_clear(&s->failure);
}

void result_scenario_free(struct scenario_result *s) {
    free(s->name);
    free(s->file);
    strlist_free(&s->tags);
    for (size_t i = 0; i < s->nsteps; i++) step_free(&s->steps[i]);
    for (size_t i = 0; i < s->nteardown; i++) step_free(&s->teardown[i]);
    free(s->steps);
    free(s->teardown);
    failure_clear(&s->failure);
}

void result_run_free(struct run_result *r) {
    for (size_t i = 0; i < r->nscenarios; i++) result_scenario_free(&r->scenarios[i]);
    free(r->scenarios);
    r->scenarios = NULL;
    r->nscenarios = 0;
}
