/* main.c — the command line: parse, build the engine, dispatch to
 * run / check / list / version.  Nothing else lives here. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "browser.h"
#include "db.h"
#include "duration.h"
#include "engine.h"
#include "failure.h"
#include "http.h"
#include "json.h"
#include "loop.h"
#include "mail.h"
#include "metrics.h"
#include "prom.h"
#include "worker.h"
#include "random.h"
#include "redact.h"
#include "report_console.h"
#include "report_html.h"
#include "report_json.h"
#include "report_junit.h"
#include "report_nagios.h"
#include "report_tap.h"
#include "run.h"
#include "sandbox.h"
#include "sched.h"
#include "script.h"
#include "serve.h"
#include "size.h"
#include "vars.h"
#include "wrap.h"
#include "xalloc.h"

#define DEFAULT_PARALLEL 4
#define DEFAULT_MAX_BODY (10u * 1024 * 1024)
#define DEFAULT_GRACE_MS 10000

/* Which commands use an option: one that a command does not use is an
 * error there (`check --junit x.xml` would otherwise write nothing). */
enum { CMD_RUN = 1, CMD_CHECK = 2, CMD_LIST = 4, CMD_ALL = 7 };

enum {
    OPT_VAR = 256,
    OPT_VARS_FILE,
    OPT_TAG,
    OPT_PARALLEL,
    OPT_BROWSERS,
    OPT_TIMEOUT,
    OPT_GRACE,
    OPT_FAIL_FAST,
    OPT_JUNIT,
    OPT_JSON,
    OPT_ARTIFACTS,
    OPT_MAX_BODY,
    OPT_TRACE,
    OPT_NO_COLOR,
    OPT_PROM_FILE,
    OPT_PUSHGATEWAY,
    OPT_MAX_MEMORY,
    OPT_UNSAFE_LUA,
    OPT_HTML,
    OPT_TAP,
    OPT_NAGIOS,
    OPT_WARNING,
    OPT_CRITICAL,
    OPT_LOCATION,
    OPT_REPEAT
};

static const struct option long_options[] = {
    {"var", required_argument, NULL, OPT_VAR},
    {"vars-file", required_argument, NULL, OPT_VARS_FILE},
    {"tag", required_argument, NULL, OPT_TAG},
    {"parallel", required_argument, NULL, OPT_PARALLEL},
    {"browsers", required_argument, NULL, OPT_BROWSERS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"grace", required_argument, NULL, OPT_GRACE},
    {"fail-fast", no_argument, NULL, OPT_FAIL_FAST},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"junit", required_argument, NULL, OPT_JUNIT},
    {"json", required_argument, NULL, OPT_JSON},
    {"html", required_argument, NULL, OPT_HTML},
    {"tap", required_argument, NULL, OPT_TAP},
    {"nagios", no_argument, NULL, OPT_NAGIOS},
    {"warning", required_argument, NULL, OPT_WARNING},
    {"critical", required_argument, NULL, OPT_CRITICAL},
    {"prom-file", required_argument, NULL, OPT_PROM_FILE},
    {"pushgateway", required_argument, NULL, OPT_PUSHGATEWAY},
    {"location", required_argument, NULL, OPT_LOCATION},
    {"artifacts", required_argument, NULL, OPT_ARTIFACTS},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
    {"unsafe-lua", no_argument, NULL, OPT_UNSAFE_LUA},
    {"trace", no_argument, NULL, OPT_TRACE},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The help line and the commands of each option, in help order. */
static const struct {
    int id;
    unsigned cmds;
    const char *help;
} option_help[] = {
    {OPT_VAR, CMD_ALL, "  --var NAME=VALUE     set vars.NAME (repeatable)"},
    {OPT_VARS_FILE, CMD_ALL,
     "  --vars-file FILE     read vars from FILE: NAME=VALUE lines, or a JSON object if FILE ends in .json"},
    {OPT_TAG, CMD_ALL, "  --tag TAG            only scenarios with this tag (repeatable: any of them)"},
    {OPT_PARALLEL, CMD_RUN, "  --parallel N         scenarios running at once (default 4)"},
    {OPT_BROWSERS, CMD_RUN, "  --browsers N         browser pages open at once (default 2)"},
    {OPT_TIMEOUT, CMD_RUN, "  --timeout D          deadline for the whole run, e.g. 10m (default: none)"},
    {OPT_GRACE, CMD_RUN, "  --grace D            deadline for teardowns after SIGINT/SIGTERM (default 10s)"},
    {OPT_FAIL_FAST, CMD_RUN, "  --fail-fast          start no new scenario after the first failure"},
    {OPT_REPEAT, CMD_RUN,
     "  --repeat N           run the selection N times in a row, in one process (flakiness check)"},
    {OPT_JUNIT, CMD_RUN, "  --junit FILE         write a JUnit XML report"},
    {OPT_JSON, CMD_RUN, "  --json FILE          write a JSON report"},
    {OPT_HTML, CMD_RUN, "  --html FILE          write an HTML report (one self-contained file)"},
    {OPT_TAP, CMD_RUN, "  --tap FILE           write a TAP version 14 report"},
    {OPT_NAGIOS, CMD_RUN,
     "  --nagios             be a Nagios/Icinga plugin: status line and perfdata on stdout, exit 0/1/2/3"},
    {OPT_WARNING, CMD_RUN, "  --warning D          with --nagios: WARNING when a scenario takes longer than D"},
    {OPT_CRITICAL, CMD_RUN, "  --critical D         with --nagios: CRITICAL when a scenario takes longer than D"},
    {OPT_PROM_FILE, CMD_RUN,
     "  --prom-file FILE     write Prometheus metrics for node_exporter's textfile collector (atomically)"},
    {OPT_PUSHGATEWAY, CMD_RUN,
     "  --pushgateway URL    push Prometheus metrics to a Pushgateway (URL/metrics/job/telltale)"},
    {OPT_LOCATION, CMD_RUN,
     "  --location NAME      where this canary runs: label location=NAME on the metrics, a JSON report field"},
    {OPT_ARTIFACTS, CMD_RUN, "  --artifacts DIR      save every response under DIR/<scenario>/"},
    {OPT_MAX_BODY, CMD_RUN, "  --max-body SIZE      cap on a response body, e.g. 512k, 10M (default 10M)"},
    {OPT_MAX_MEMORY, CMD_ALL, "  --max-memory SIZE    cap on one scenario's Lua memory, e.g. 64M, 1G (default 256M)"},
    {OPT_UNSAFE_LUA, CMD_ALL,
     "  --unsafe-lua         open Lua's standard libraries whole (os.execute, io, debug...): trusted suites only"},
    {'v', CMD_RUN, "  -v, --verbose        show every step with timings and logs"},
    {OPT_TRACE, CMD_RUN, "  --trace              log every request and response to stderr (secrets redacted)"},
    {OPT_NO_COLOR, CMD_RUN, "  --no-color           no colour (also: NO_COLOR set, or stdout not a terminal)"},
    {'h', CMD_ALL, "  -h, --help           this help"},
};

static const struct {
    const char *name;
    unsigned bit;
    const char *synopsis;
} commands[] = {
    {"run", CMD_RUN, "telltale run [options] PATH...     run scenarios (files, or directories searched for *.lua)"},
    {"check", CMD_CHECK, "telltale check [options] PATH...   load and validate scenarios without running steps"},
    {"list", CMD_LIST, "telltale list [options] PATH...    list scenarios, their steps and tags"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static unsigned command_bit(const char *cmd) {
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, cmd) == 0) return commands[i].bit;
    return 0;
}

/* The whole help (cmd NULL), or one command's: its options only. */
static void usage(FILE *out, const char *cmd) {
    unsigned bit = cmd ? command_bit(cmd) : CMD_ALL;
    for (size_t i = 0, n = 0; i < NCOMMANDS; i++)
        if (commands[i].bit & bit) fprintf(out, "%s %s\n", n++ ? "      " : "usage:", commands[i].synopsis);
    if (!cmd) {
        fputs(
            "       telltale wrap NAME [options] -- COMMAND [ARG...]   run a cron job, ping a heartbeat (wrap --help)\n"
            "       telltale serve CONFIG [--listen ADDR] [--state FILE]   scheduled canary, alerts, /metrics (serve "
            "--help)\n"
            "       telltale version                   print the version\n",
            out);
    }
    fputs("\noptions (before or after the paths):\n", out);
    for (size_t i = 0; i < sizeof option_help / sizeof option_help[0]; i++)
        if (option_help[i].cmds & bit)
            fprintf(out, "%s%s\n", option_help[i].help, !cmd && option_help[i].cmds == CMD_RUN ? "  (run)" : "");
    if (bit & (CMD_CHECK | CMD_LIST))
        fputs("\ncheck and list run each file's top level without the steps; vars it reads that were not\n"
              "given are listed (\"needs vars\"). A selection (--tag, paths) that matches no scenario exits 2.\n",
              out);
    if (!(bit & CMD_RUN)) return;
    fputs("\nexit codes: 0 all passed, 1 a scenario failed, 2 usage error or a scenario could not be loaded,\n"
          "            3 internal error, 130/143 interrupted by SIGINT/SIGTERM (reports still written)\n",
          out);
    fputs("\nfailure kinds:\n", out);
    for (int k = 1; k < FAILURE_KIND_COUNT; k++)
        fprintf(out, "  %-10s %s\n", failure_kind_name((enum failure_kind)k),
                failure_kind_description((enum failure_kind)k));
}

static const char *help_cmd; /* the command usage_error points to */

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "telltale: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see 'telltale %s%s--help')\n", help_cmd ? help_cmd : "", help_cmd ? " " : "");
    return EXIT_USAGE;
}

/* A bad --var or --vars-file: a usage error, its message printed. */
static int vars_error(struct failure *f) {
    int rc = usage_error("%s", f->message);
    failure_clear(f);
    return rc;
}

/* ---- paths ---- */

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Directories are searched recursively for *.lua in name order, skipping
 * hidden directories and `lib/` ones (modules scenarios require). */
static int collect(const char *path, struct strlist *out, int top) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "telltale: cannot read scenario path %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    if (!S_ISDIR(st.st_mode)) {
        size_t n = strlen(path);
        if (top || (n > 4 && strcmp(path + n - 4, ".lua") == 0)) strlist_push(out, path);
        return 0;
    }
    DIR *dir = opendir(path);
    struct dirent *e;
    struct strlist names = {0};
    int rc = 0;
    if (!dir) {
        fprintf(stderr, "telltale: cannot read directory %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    while ((e = readdir(dir)))
        if (e->d_name[0] != '.' && strcmp(e->d_name, "lib") != 0) strlist_push(&names, e->d_name);
    closedir(dir);
    if (names.len) qsort(names.items, names.len, sizeof *names.items, compare_strings);
    for (size_t i = 0; i < names.len && rc == 0; i++) {
        struct buf child;
        buf_init(&child, 0);
        buf_printf(&child, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names.items[i]);
        rc = collect(buf_str(&child), out, 0);
        buf_free(&child);
    }
    strlist_free(&names);
    return rc;
}

/* ---- commands ---- */

/* A selection that matched nothing runs nothing: that is not a pass. */
static int no_match(const struct options *opt, size_t nfiles) {
    struct buf tags;
    buf_init(&tags, 0);
    for (size_t i = 0; i < opt->tags.len; i++) buf_printf(&tags, "%s--tag %s", i ? " " : "", opt->tags.items[i]);
    fprintf(stderr, "telltale: no scenario matches %s (%zu scenario file%s searched)\n", buf_str(&tags), nfiles,
            nfiles == 1 ? "" : "s");
    buf_free(&tags);
    return EXIT_USAGE;
}

static void print_needed_vars(FILE *out, const struct strlist *needed, const char *prefix) {
    if (needed->len == 0) return;
    fprintf(out, "%sneeds vars:", prefix);
    for (size_t j = 0; j < needed->len; j++) fprintf(out, "%s %s", j ? "," : "", needed->items[j]);
    fprintf(out, " (pass --var NAME=... or --vars-file)\n");
}

static void list_scenario(const struct scenario_def *def) {
    char d[32];
    duration_format(def->timeout_ms, d, sizeof d);
    printf("%s  (%s, timeout %s", def->name, def->file, d);
    if (def->tags.len) {
        printf(", tags:");
        for (size_t j = 0; j < def->tags.len; j++) printf(" %s", def->tags.items[j]);
    }
    printf(")\n");
    for (size_t j = 0; j < def->nsteps; j++) {
        duration_format(def->steps[j].timeout_ms, d, sizeof d);
        printf("  %zu. %s  (timeout %s", j + 1, def->steps[j].name, d);
        if (def->steps[j].retries) printf(", retries %d", def->steps[j].retries);
        printf(")\n");
    }
    for (size_t j = def->nteardowns; j > 0; j--) printf("  teardown: %s\n", def->teardowns[j - 1].name);
    print_needed_vars(stdout, &def->needed_vars, "  ");
}

/* check and list: load each file (its top level runs, vars it reads but
 * nobody gave are recorded), report it, honour --tag. */
static int cmd_check(struct engine *e, const struct strlist *files, bool list) {
    int rc = EXIT_PASSED;
    size_t matched = 0;
    for (size_t i = 0; i < files->len; i++) {
        struct task *t;
        struct scenario_def def;
        struct failure f = {0};
        if (script_load(e, files->items[i], &t, &def, &f) != 0) {
            char *msg = redact_text(f.message);
            FILE *out = list ? stderr : stdout;
            fprintf(out, "ERROR %s: %s\n", files->items[i], msg);
            /* The failure may come from a placeholder standing in for one. */
            print_needed_vars(out, &def.needed_vars, "      ");
            free(msg);
            failure_clear(&f);
            script_def_free(&def);
            rc = EXIT_USAGE;
            matched++;
            continue;
        }
        if (script_def_has_tag(&def, &e->opt->tags)) {
            matched++;
            if (list) {
                list_scenario(&def);
            } else {
                printf("ok    %s: %s, %zu step%s, %zu teardown%s\n", def.file, def.name, def.nsteps,
                       def.nsteps == 1 ? "" : "s", def.nteardowns, def.nteardowns == 1 ? "" : "s");
                print_needed_vars(stdout, &def.needed_vars, "      ");
            }
        }
        task_free(t);
        script_def_free(&def);
    }
    if (matched == 0) return no_match(e->opt, files->len);
    return rc;
}

static int write_reports(const struct options *opt, const struct run_result *r) {
    struct failure f = {0};
    int rc = 0;
    report_console_summary(opt, r);
    if (opt->json_path && report_json_write(opt->json_path, r, &f) != 0) {
        fprintf(stderr, "telltale: %s\n", f.message);
        rc = -1;
    }
    if (opt->junit_path && report_junit_write(opt->junit_path, r, &f) != 0) {
        fprintf(stderr, "telltale: %s\n", f.message);
        rc = -1;
    }
    if (opt->html_path && report_html_write(opt->html_path, r, opt->artifacts_dir, &f) != 0) {
        fprintf(stderr, "telltale: %s\n", f.message);
        rc = -1;
    }
    if (opt->tap_path && report_tap_write(opt->tap_path, r, &f) != 0) {
        fprintf(stderr, "telltale: %s\n", f.message);
        rc = -1;
    }
    if ((opt->prom_file_path || opt->pushgateway_url) && r->repeat == 1 && metrics_duplicates(r) > 0)
        fprintf(stderr, "telltale: warning: scenarios share a name; metrics export the first of each\n");
    if (opt->prom_file_path && metrics_write_file(opt->prom_file_path, r, &f) != 0) {
        fprintf(stderr, "telltale: %s\n", f.message);
        rc = -1;
    }
    if (opt->pushgateway_url && metrics_push(opt->pushgateway_url, r, &f) != 0) {
        fprintf(stderr, "telltale: --pushgateway: metrics not pushed: %s\n", f.message);
        rc = -1;
    }
    failure_clear(&f);
    return rc;
}

static unsigned option_cmds(int id) {
    for (size_t i = 0; i < sizeof option_help / sizeof option_help[0]; i++)
        if (option_help[i].id == id) return option_help[i].cmds;
    return CMD_ALL;
}

/* Options may come before or after the paths (getopt permutes argv);
 * "--" ends them. */
static int parse_options(int argc, char **argv, const char *cmd, struct options *opt) {
    struct failure f = {0};
    int c, longindex;
    opterr = 0;
    optind = 2; /* argv[1] is the command */
    while ((longindex = -1, c = getopt_long(argc, argv, "vh", long_options, &longindex)) != -1) {
        if (c != '?' && !(option_cmds(c) & command_bit(cmd))) {
            char msg[160];
            if (longindex >= 0)
                snprintf(msg, sizeof msg, "'telltale %s' does not use --%s (an option of 'telltale run')", cmd,
                         long_options[longindex].name);
            else
                snprintf(msg, sizeof msg, "'telltale %s' does not use -%c (an option of 'telltale run')", cmd, c);
            return usage_error("%s", msg);
        }
        switch (c) {
        case OPT_VAR:
            if (vars_add(&opt->vars, optarg, &f) != 0) return vars_error(&f);
            break;
        case OPT_VARS_FILE:
            if (vars_add_file(&opt->vars, optarg, &f) != 0) return vars_error(&f);
            break;
        case OPT_TAG: strlist_push(&opt->tags, optarg); break;
        case OPT_PARALLEL: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 100000) return usage_error("invalid --parallel '%s': expected 1..100000", optarg);
            opt->parallel = (int)n;
            break;
        }
        case OPT_BROWSERS: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 1000) return usage_error("invalid --browsers '%s': expected 1..1000", optarg);
            opt->browsers = (int)n;
            break;
        }
        case OPT_REPEAT: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || end == optarg || n < 1 || n > 100000)
                return usage_error("invalid --repeat '%s': expected 1..100000", optarg);
            opt->repeat = (int)n;
            break;
        }
        case OPT_TIMEOUT:
        case OPT_GRACE:
        case OPT_WARNING:
        case OPT_CRITICAL: {
            int64_t ms = 0;
            bool bad = duration_parse(optarg, &ms, &f) != 0;
            if (!bad && (c == OPT_WARNING || c == OPT_CRITICAL) && ms <= 0)
                bad = failure_set(&f, FAILURE_SCRIPT, "expected a duration above 0, got '%s'", optarg) != 0;
            if (bad) {
                char msg[300];
                snprintf(msg, sizeof msg, "invalid --%s: %s", long_options[longindex].name, f.message);
                failure_clear(&f);
                return usage_error("%s", msg);
            }
            if (c == OPT_TIMEOUT)
                opt->run_timeout_ms = ms;
            else if (c == OPT_GRACE)
                opt->teardown_grace_ms = ms;
            else if (c == OPT_WARNING)
                opt->warning_ms = ms;
            else
                opt->critical_ms = ms;
            break;
        }
        case OPT_FAIL_FAST: opt->fail_fast = true; break;
        case OPT_JUNIT: opt->junit_path = optarg; break;
        case OPT_JSON: opt->json_path = optarg; break;
        case OPT_HTML: opt->html_path = optarg; break;
        case OPT_TAP: opt->tap_path = optarg; break;
        case OPT_NAGIOS: opt->nagios = true; break;
        case OPT_PROM_FILE: opt->prom_file_path = optarg; break;
        case OPT_PUSHGATEWAY: opt->pushgateway_url = optarg; break;
        case OPT_LOCATION:
            if (prom_check_location(optarg, &f) != 0) {
                int bad = usage_error("invalid --location: %s", f.message);
                failure_clear(&f);
                return bad;
            }
            opt->location = optarg;
            break;
        case OPT_ARTIFACTS: opt->artifacts_dir = optarg; break;
        case OPT_MAX_BODY:
            if (size_parse(optarg, &opt->max_body) != 0 || opt->max_body == 0)
                return usage_error("invalid --max-body '%s': expected a size like 512k or 10M", optarg);
            break;
        case OPT_MAX_MEMORY:
            /* Below 1M the libraries themselves would not load. */
            if (size_parse(optarg, &opt->max_memory) != 0 || opt->max_memory < 1024 * 1024)
                return usage_error("invalid --max-memory '%s': expected a size of at least 1M, like 64M or 1G", optarg);
            break;
        case OPT_UNSAFE_LUA: opt->unsafe_lua = true; break;
        case OPT_TRACE: opt->trace = true; break;
        case OPT_NO_COLOR: opt->color = false; break;
        case 'v': opt->verbose = true; break;
        case 'h': usage(stdout, cmd); return -1;
        case '?':
        default:
            if (optopt) {
                char o[3] = {'-', (char)optopt, 0};
                return usage_error("unknown option '%s'", o);
            }
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    return 0;
}

/* ---- --nagios ---- */

static bool nagios_done; /* the plugin output is on stdout */

/* The plugin output of a finished run; returns the plugin's exit code. */
static int nagios_report(const struct options *opt, const struct run_result *r, int run_rc) {
    struct nagios_limits lim = {opt->warning_ms, opt->critical_ms, opt->verbose};
    struct buf out;
    buf_init(&out, 0);
    int state = (int)report_nagios_format(&out, r, run_rc, &lim);
    fputs(buf_str(&out), stdout);
    fflush(stdout);
    buf_free(&out);
    nagios_done = true;
    return state;
}

/* --nagios anywhere among the options (getopt's unique prefixes too): the
 * usage errors found before the option is parsed must exit 3 as well. */
static bool wants_nagios(int argc, char **argv) {
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strlen(argv[i]) >= 4 && strncmp(argv[i], "--nagios", strlen(argv[i])) == 0) return true;
    return false;
}

static int telltale_main(int argc, char **argv);

/* Nagios reads stdout's first line and the exit code, nothing else: a run
 * that could not happen says why there, as UNKNOWN (3), not usage (2). */
static int nagios_main(int argc, char **argv) {
    struct buf why, line;
    int rc, captured = report_nagios_capture_stderr();
    rc = telltale_main(argc, argv);
    buf_init(&why, 0);
    if (captured == 0) report_nagios_release_stderr(&why);
    if (nagios_done || rc == EXIT_PASSED) {
        buf_free(&why);
        return rc;
    }
    buf_init(&line, 0);
    report_nagios_unknown(&line, why.len ? buf_str(&why) : "could not run (see the plugin's stderr)");
    fputs(buf_str(&line), stdout);
    buf_free(&line);
    buf_free(&why);
    return NAGIOS_UNKNOWN;
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "wrap") != 0 && strcmp(argv[1], "serve") != 0 && wants_nagios(argc, argv))
        return nagios_main(argc, argv);
    return telltale_main(argc, argv);
}

static int telltale_main(int argc, char **argv) {
    struct options opt = {0};
    struct engine engine = {0};
    struct strlist files = {0};
    const char *cmd = argc > 1 ? argv[1] : NULL;
    int rc;

    if (!cmd) {
        usage(stderr, NULL);
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("telltale %s (%s, %s)\n", TELLTALE_VERSION, LUA_RELEASE, curl_version());
        return EXIT_PASSED;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout, NULL);
        return EXIT_PASSED;
    }
    if (strcmp(cmd, "wrap") == 0) return wrap_main(argc, argv);
    if (strcmp(cmd, "serve") == 0) return serve_main(argc, argv);
    if (strcmp(cmd, "run") != 0 && strcmp(cmd, "check") != 0 && strcmp(cmd, "list") != 0)
        return usage_error("unknown command '%s' (expected run, check, list or version)", cmd);
    if (strcmp(cmd, "run") == 0) {
        /* Before anything else: a SIGTERM in the first milliseconds must
         * wait for the run's watchdog (and give a report), not kill us. */
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        sigprocmask(SIG_BLOCK, &stop, NULL);
    }

    signal(SIGPIPE, SIG_IGN);
    opt.parallel = DEFAULT_PARALLEL;
    opt.repeat = 1;
    opt.max_body = DEFAULT_MAX_BODY;
    opt.max_memory = SANDBOX_DEFAULT_MAX_MEMORY;
    opt.teardown_grace_ms = DEFAULT_GRACE_MS;
    opt.color = isatty(STDOUT_FILENO) && !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
    help_cmd = cmd;
    opt.check_only = strcmp(cmd, "run") != 0;
    rc = parse_options(argc, argv, cmd, &opt);
    if (rc == 0 && (opt.warning_ms || opt.critical_ms) && !opt.nagios)
        rc = usage_error("%s are thresholds of --nagios, which was not given", "--warning and --critical");
    if (rc != 0) goto out;
    /* The status line needs a terminal that understands "erase line";
     * --trace's lines on stderr would run into it, and --nagios's stdout
     * is for Nagios. */
    opt.progress =
        isatty(STDOUT_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0 && !opt.trace && !opt.nagios;
    if (optind >= argc) {
        rc = usage_error("%s needs at least one scenario file or directory", cmd);
        goto out;
    }
    /* Every path must select something: a directory with no scenario in
     * it is a typo or a wrong checkout, not a green run. */
    for (int i = optind; i < argc && rc == 0; i++) {
        size_t before = files.len;
        rc = collect(argv[i], &files, 1);
        if (rc == 0 && files.len == before) rc = usage_error("no *.lua scenario files found in %s", argv[i]);
    }
    if (rc != 0) goto out;

    engine.opt = &opt;
    random_hex_id(engine.run_id, 6);
    engine.loop = loop_new();
    if (!engine.loop) {
        fprintf(stderr, "telltale: cannot create the event loop: %s\n", strerror(errno));
        rc = EXIT_INTERNAL;
        goto out;
    }
    engine.http = http_new(engine.loop);
    if (!engine.http) {
        fprintf(stderr, "telltale: cannot initialise libcurl\n");
        rc = EXIT_INTERNAL;
        goto out;
    }

    if (strcmp(cmd, "run") == 0) {
        struct run_result result;
        rc = run_scenarios(&engine, &files, write_reports, &result);
        if (result.nscenarios == 0 && !result.interrupted_by)
            rc = no_match(&opt, files.len);
        else {
            if (write_reports(&opt, &result) != 0 && rc == EXIT_PASSED) rc = EXIT_INTERNAL;
            if (opt.nagios) rc = nagios_report(&opt, &result, rc);
        }
        result_run_free(&result);
    } else {
        rc = cmd_check(&engine, &files, strcmp(cmd, "list") == 0);
    }

out:
    db_pools_free();
    mail_boxes_free();
    browser_shutdown();
    /* After the drivers abandoned theirs, before the loop goes.  A job
     * whose thread will not end in time keeps libcurl and the TLS library
     * under it (as in serve): the process is ending anyway. */
    if (worker_join_all() == 0) http_free(engine.http);
    script_lib_free(&engine);
    loop_free(engine.loop);
    strlist_free(&files);
    strlist_free(&opt.vars);
    strlist_free(&opt.tags);
    redact_reset();
    return rc < 0 ? EXIT_PASSED : rc;
}
