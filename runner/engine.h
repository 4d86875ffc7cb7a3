/* engine.h — the context every module of one telltale process shares:
 * the options the user gave, the event loop, and the drivers on it.
 * main.c builds it; modules reach it from Lua through task_engine(). */
#ifndef TELLTALE_ENGINE_H
#define TELLTALE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result.h"

struct loop;
struct http;

struct options {
    struct strlist paths;      /* scenario files or directories */
    struct strlist vars;       /* "NAME=VALUE" from --var and --vars-file, in order */
    struct strlist tags;       /* --tag filters: a scenario runs if it has any */
    int parallel;              /* scenarios running at once */
    int repeat;                /* --repeat: run the selection this many times (1) */
    int browsers;              /* browser pages open at once; 0 = the default (2) */
    int64_t run_timeout_ms;    /* --timeout for the whole run; 0 = none */
    int64_t teardown_grace_ms; /* teardown deadline after SIGINT/SIGTERM */
    size_t max_body;           /* cap on a response body, bytes */
    size_t max_memory;         /* --max-memory: cap on one scenario's Lua memory, bytes; 0 = the default */
    bool unsafe_lua;           /* --unsafe-lua: the standard libraries whole, no sandbox */
    bool fail_fast;
    bool verbose;
    bool trace;
    bool color;
    bool progress;   /* the status line: stdout is a terminal, TERM is not dumb, no --trace */
    bool check_only; /* check/list: the top level runs, a missing var is recorded (scenario_def.needed_vars) */
    const char *junit_path;
    const char *json_path;
    const char *prom_file_path;  /* --prom-file: metrics for node_exporter */
    const char *pushgateway_url; /* --pushgateway: metrics pushed after the run */
    const char *location;        /* --location: a label on the metrics, a field of the JSON report */
    const char *artifacts_dir;
    const char *html_path;           /* --html: a report a person opens */
    const char *tap_path;            /* --tap: TAP version 14 */
    bool nagios;                     /* --nagios: plugin output on stdout, exit 0/1/2/3 */
    int64_t warning_ms, critical_ms; /* --warning, --critical: scenario durations; 0 = none */
};

struct script_lib;

struct engine {
    const struct options *opt;
    struct loop *loop;
    struct http *http; /* the libcurl multi driver; NULL for check/list */
    char run_id[40];
    struct script_lib *lib; /* lib/NAME.lua compiled once for every scenario state (script.c's) */
};

#endif
