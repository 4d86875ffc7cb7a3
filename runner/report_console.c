/* report_console.c — the human report on stdout; see report_console.h. */
#include "report_console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "redact.h"

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define RESET "\033[0m"

static const char *c(const struct options *opt, const char *code) { return opt->color ? code : ""; }

/* Print text redacted, every line indented. */
static void print_block(const char *indent, const char *text) {
    char *clean = redact_text(text);
    for (char *line = clean, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        printf("%s%s\n", indent, line);
    }
    free(clean);
}

static void print_failure(const struct options *opt, const char *indent, const struct failure *f) {
    char *msg = redact_text(f->message);
    printf("%s%s[%s]%s %s", indent, c(opt, RED), failure_kind_name(f->kind), c(opt, RESET), msg);
    /* Lua's own error messages already start with file:line. */
    if (f->where && strncmp(f->message, f->where, strlen(f->where)) != 0)
        printf(" %s(%s)%s", c(opt, DIM), f->where, c(opt, RESET));
    printf("\n");
    free(msg);
    if (f->detail && (opt->verbose || f->kind != FAILURE_SCRIPT)) {
        char deeper[32];
        snprintf(deeper, sizeof deeper, "%s  ", indent);
        print_block(deeper, f->detail);
    }
}

static void print_step(const struct options *opt, const char *label, const struct step_result *s) {
    char d[32];
    const char *mark = s->status == STEP_PASSED ? "✓" : s->status == STEP_FAILED ? "✗" : "-";
    const char *colour = s->status == STEP_PASSED ? GREEN : s->status == STEP_FAILED ? RED : YELLOW;
    if (!opt->verbose && s->status != STEP_FAILED) return;
    duration_format(s->duration_ms, d, sizeof d);
    printf("    %s%s%s %s%s %s(%s", c(opt, colour), mark, c(opt, RESET), label, s->name, c(opt, DIM), d);
    if (s->attempts > 1) printf(", %d attempts", s->attempts);
    printf(")%s\n", c(opt, RESET));
    if (s->status == STEP_FAILED) print_failure(opt, "      ", &s->failure);
    if (opt->verbose || s->status == STEP_FAILED)
        for (size_t i = 0; i < s->logs.len; i++) print_block("      | ", s->logs.items[i]);
}

void report_console_scenario(const struct options *opt, const struct scenario_result *r) {
    if (opt->nagios) return; /* stdout is the plugin's status line */
    char d[32];
    const char *mark, *colour;
    switch (r->status) {
    case SCENARIO_PASSED:
        mark = "PASS";
        colour = GREEN;
        break;
    case SCENARIO_SKIPPED:
        mark = "SKIP";
        colour = YELLOW;
        break;
    case SCENARIO_ERROR:
        mark = "ERROR";
        colour = RED;
        break;
    default:
        mark = "FAIL";
        colour = RED;
        break;
    }
    duration_format(r->duration_ms, d, sizeof d);
    printf("%s%-5s%s %s %s(%s, %s)%s\n", c(opt, colour), mark, c(opt, RESET), r->name, c(opt, DIM), r->file, d,
           c(opt, RESET));
    if (r->status == SCENARIO_ERROR) print_failure(opt, "    ", &r->failure);
    for (size_t i = 0; i < r->nsteps; i++) print_step(opt, "", &r->steps[i]);
    for (size_t i = 0; i < r->nteardown; i++) print_step(opt, "teardown: ", &r->teardown[i]);
    fflush(stdout);
}

void report_console_summary(const struct options *opt, const struct run_result *r) {
    if (opt->nagios) return;
    size_t counts[4] = {0};
    char d[32];
    for (size_t i = 0; i < r->nscenarios; i++) {
        const struct scenario_result *s = &r->scenarios[i];
        counts[s->status]++;
        /* Not-started scenarios never printed their own line. */
        if (s->status == SCENARIO_SKIPPED) report_console_scenario(opt, s);
    }
    duration_format(r->duration_ms, d, sizeof d);
    printf("\n%zu scenarios: %s%zu passed%s, %s%zu failed%s", r->nscenarios, c(opt, GREEN), counts[SCENARIO_PASSED],
           c(opt, RESET), counts[SCENARIO_FAILED] ? c(opt, RED) : "", counts[SCENARIO_FAILED], c(opt, RESET));
    if (counts[SCENARIO_ERROR]) printf(", %s%zu could not load%s", c(opt, RED), counts[SCENARIO_ERROR], c(opt, RESET));
    if (counts[SCENARIO_SKIPPED]) printf(", %zu skipped", counts[SCENARIO_SKIPPED]);
    printf(" in %s (run %s)\n", d, r->run_id);
    fflush(stdout);
}
