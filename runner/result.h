/* result.h — what a run produced, Lua-free: the input of every report writer.
 *
 * run.c fills it as scenarios finish; report_console.c, report_json.c and
 * report_junit.c only read it.  Every string is owned by the struct that
 * holds it and freed by result_run_free. */
#ifndef TELLTALE_RESULT_H
#define TELLTALE_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "failure.h"

struct strlist {
    char **items;
    size_t len, alloc;
};
void strlist_push(struct strlist *l, const char *s); /* copies s */
void strlist_free(struct strlist *l);

enum step_status { STEP_PASSED, STEP_FAILED, STEP_SKIPPED };

/* One HTTP request a step made (each hop of a redirect chain is one), with
 * libcurl's phase timings: what the HTML report draws as a waterfall. */
struct request_record {
    char method[16];
    char *url;         /* owned; redacted by the report writers, as all text */
    long status;       /* 0: no response (network failure) */
    int64_t offset_ms; /* start, since the scenario started */
    double dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms;
    char span_id[17]; /* the traceparent span sent, "" if none */
};
enum scenario_status { SCENARIO_PASSED, SCENARIO_FAILED, SCENARIO_ERROR, SCENARIO_SKIPPED };

struct step_result {
    char *name;
    enum step_status status;
    int64_t duration_ms;
    int attempts;
    struct strlist logs;
    struct failure failure;          /* kind FAILURE_NONE unless failed */
    int64_t offset_ms;               /* first attempt's start, since the scenario started */
    struct request_record *requests; /* in the order they finished, every attempt's */
    size_t nrequests;
};

struct scenario_result {
    char *name;
    char *file;
    struct strlist tags;
    enum scenario_status status;
    int64_t started_at_ms; /* wall clock, Unix ms; 0 if never started */
    int64_t duration_ms;
    struct step_result *steps;
    size_t nsteps;
    struct step_result *teardown;
    size_t nteardown;
    struct failure failure; /* the first failure: what the console shows */
    char trace_id[33];      /* W3C trace id of this run (32 hex digits), "" if it never started */
    int repeat;             /* which run of the selection (--repeat), from 1 */
    size_t selection_index; /* the file's place in the selection: the same in every run */
};

struct run_result {
    char run_id[40];
    char location[64];     /* --location NAME (prom_check_location), or "" */
    int64_t started_at_ms; /* wall clock, Unix ms */
    int64_t duration_ms;
    int interrupted_by; /* signal number, 0 if none */
    int repeat;         /* --repeat: runs of the selection, 1 without it */
    struct scenario_result *scenarios;
    size_t nscenarios;
};

const char *step_status_name(enum step_status s);
const char *scenario_status_name(enum scenario_status s);
/* Format Unix ms as ISO-8601 UTC with milliseconds: 2026-11-29T00:25:42.123Z */
void result_format_time(int64_t unix_ms, char *out, size_t outlen);
/* Append a copy of rec (its url copied) to sr->requests. */
void result_step_add_request(struct step_result *sr, const struct request_record *rec);
void result_scenario_free(struct scenario_result *s);
void result_run_free(struct run_result *r);

#endif
