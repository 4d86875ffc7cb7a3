/* report_console.c — the human report on stdout; see report_console.h. */
#include "report_console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "duration.h"
#include "redact.h"
#include "utf8.h"

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define RESET "\033[0m"

static const char *c(const struct options *opt, const char *code) { return opt->color ? code : ""; }

/* Text from a scenario, a server or an error, made safe for a terminal
 * (utf8_append_terminal): redacted, capped, and every control character
 * shown instead of obeyed.  Newlines start a new line under indent.
 * Caller frees. */
static char *terminal_safe(const char *text, size_t max, const char *indent) {
    char *clean = redact_text(text ? text : "");
    struct buf utf, out;
    buf_init(&utf, 0);
    buf_init(&out, 0);
    utf8_append_capped(&utf, clean, strlen(clean), max);
    while (utf.len && utf.data[utf.len - 1] == '\n') utf.data[--utf.len] = '\0'; /* no empty last line */
    utf8_append_terminal(&out, buf_str(&utf), utf.len, indent);
    buf_free(&utf);
    free(clean);
    return buf_take(&out);
}

/* Print text made safe, every line indented. */
static void print_block(const char *indent, const char *text) {
    char *safe = terminal_safe(text, FAILURE_DETAIL_MAX, indent);
    if (*safe) printf("%s%s\n", indent, safe);
    free(safe);
}

static void print_failure(const struct options *opt, const char *indent, const struct failure *f) {
    char *msg = terminal_safe(f->message, FAILURE_MESSAGE_MAX, indent);
    printf("%s%s[%s]%s %s", indent, c(opt, RED), failure_kind_name(f->kind), c(opt, RESET), msg);
    /* Lua's own error messages already start with file:line. */
    if (f->where && strncmp(f->message, f->where, strlen(f->where)) != 0) {
        char *where = terminal_safe(f->where, FAILURE_MESSAGE_MAX, indent);
        printf(" %s(%s)%s", c(opt, DIM), where, c(opt, RESET));
        free(where);
    }
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
    char *name = terminal_safe(s->name, FAILURE_MESSAGE_MAX, "      ");
    duration_format(s->duration_ms, d, sizeof d);
    printf("    %s%s%s %s%s %s(%s", c(opt, colour), mark, c(opt, RESET), label, name, c(opt, DIM), d);
    free(name);
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
    char *name = terminal_safe(r->name, FAILURE_MESSAGE_MAX, "    "), *file = terminal_safe(r->file, 4096, "    ");
    duration_format(r->duration_ms, d, sizeof d);
    printf("%s%-5s%s %s %s(%s, %s)%s\n", c(opt, colour), mark, c(opt, RESET), name, c(opt, DIM), file, d,
           c(opt, RESET));
    free(name);
    free(file);
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
