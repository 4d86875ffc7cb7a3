/* report_console.c — the human report on stdout; see report_console.h. */
#include "report_console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "buf.h"
#include "duration.h"
#include "redact.h"
#include "utf8.h"
#include "xalloc.h"

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define RESET "\033[0m"
#define ERASE_LINE "\r\033[K"

static const char *c(const struct options *opt, const char *code) { return opt->color ? code : ""; }

/* Whether the status line is on the terminal now.  stdout is one per
 * process, and so is what it shows: every line printed here erases the
 * status line first, and the next tick draws it again under the new line. */
static bool status_shown;

static void erase_status(void) {
    if (!status_shown) return;
    fputs(ERASE_LINE, stdout);
    status_shown = false;
}

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

/* A step's line; scenario, when given, names the scenario it belongs to
 * (-v with scenarios running side by side, whose steps interleave). */
static void print_step(const struct options *opt, const char *scenario, const char *label,
                       const struct step_result *s) {
    char d[32];
    const char *mark = s->status == STEP_PASSED ? "✓" : s->status == STEP_FAILED ? "✗" : "-";
    const char *colour = s->status == STEP_PASSED ? GREEN : s->status == STEP_FAILED ? RED : YELLOW;
    char *name = terminal_safe(s->name, FAILURE_MESSAGE_MAX, "      ");
    duration_format(s->duration_ms, d, sizeof d);
    printf("    %s%s%s ", c(opt, colour), mark, c(opt, RESET));
    if (scenario) {
        char *sname = terminal_safe(scenario, FAILURE_MESSAGE_MAX, "      ");
        printf("%s › ", sname);
        free(sname);
    }
    printf("%s%s %s(%s", label, name, c(opt, DIM), d);
    free(name);
    if (s->attempts > 1) printf(", %d attempts", s->attempts);
    printf(")%s\n", c(opt, RESET));
    if (s->status == STEP_FAILED) print_failure(opt, "      ", &s->failure);
    for (size_t i = 0; i < s->logs.len; i++) print_block("      | ", s->logs.items[i]);
}

void report_console_step(const struct options *opt, const struct scenario_result *r, const struct step_result *s,
                         bool teardown, bool side_by_side) {
    if (!opt->verbose || opt->nagios) return; /* under --nagios -v adds per-step perfdata instead */
    erase_status();
    print_step(opt, side_by_side ? r->name : NULL, teardown ? "teardown: " : "", s);
    fflush(stdout);
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
    char run[24] = "";
    if (opt->repeat > 1) snprintf(run, sizeof run, " #%d", r->repeat);
    duration_format(r->duration_ms, d, sizeof d);
    erase_status();
    printf("%s%-5s%s %s%s %s(%s, %s)%s\n", c(opt, colour), mark, c(opt, RESET), name, run, c(opt, DIM), file, d,
           c(opt, RESET));
    free(name);
    free(file);
    if (r->status == SCENARIO_ERROR) print_failure(opt, "    ", &r->failure);
    /* With -v every step that ran was shown as it ended, and the skipped
     * ones are listed now; without -v, the failing one. */
    enum step_status shown = opt->verbose ? STEP_SKIPPED : STEP_FAILED;
    for (size_t i = 0; i < r->nsteps; i++)
        if (r->steps[i].status == shown) print_step(opt, NULL, "", &r->steps[i]);
    for (size_t i = 0; i < r->nteardown; i++)
        if (r->teardown[i].status == shown) print_step(opt, NULL, "teardown: ", &r->teardown[i]);
    fflush(stdout);
}

/* ---- the status line ---- */

static size_t terminal_columns(void) {
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

/* Cut UTF-8 text to at most cols characters (one column each: names are
 * mostly Latin; a wide character only shortens the margin). */
static void cut_columns(struct buf *b, size_t cols) {
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++) {
        if (((unsigned char)b->data[i] & 0xC0) == 0x80) continue;
        if (n++ == cols) {
            b->data[i] = '\0';
            b->len = i;
            return;
        }
    }
}

void report_console_progress(const struct options *opt, const struct console_progress *p) {
    struct buf line;
    char counter[64], d[32];
    if (!opt->progress) return;
    snprintf(counter, sizeof counter, "[%zu/%zu] ", p->position, p->total);
    buf_init(&line, 0);
    if (p->scenario) {
        char *scen = terminal_safe(p->scenario, 200, ""), *step = terminal_safe(p->step ? p->step : "", 200, "");
        if (p->elapsed_ms < 60000)
            snprintf(d, sizeof d, "%.1fs", (double)p->elapsed_ms / 1000.0);
        else
            duration_format(p->elapsed_ms, d, sizeof d);
        buf_puts(&line, scen);
        if (p->repeat > 0) buf_printf(&line, " #%d", p->repeat);
        if (*step) buf_printf(&line, " › %s%s", p->teardown ? "teardown: " : "", step);
        buf_printf(&line, " %s", d);
        if (p->more) buf_printf(&line, " (+%zu more)", p->more);
        free(scen);
        free(step);
    }
    /* One line that never wraps: a wrapped line cannot be erased by \r. */
    size_t cols = terminal_columns();
    cut_columns(&line, cols > strlen(counter) + 1 ? cols - strlen(counter) - 1 : 0);
    printf("%s%s%s%s%s", ERASE_LINE, c(opt, DIM), counter, c(opt, RESET), buf_str(&line));
    fflush(stdout);
    status_shown = true;
    buf_free(&line);
}

void report_console_progress_clear(void) {
    erase_status();
    fflush(stdout);
}

/* --repeat: per scenario, how many of its runs failed, of which kinds,
 * and the slowest run.  Runs are grouped by their place in the selection,
 * in one pass over the runs. */
static void repeat_summary(const struct options *opt, const struct run_result *r) {
    struct group {
        const struct scenario_result *first, *slowest;
        size_t runs, failed;
        size_t kinds[FAILURE_KIND_COUNT + 1]; /* the last: not started */
    } * g;
    size_t n = 0;
    char d[32];
    for (size_t i = 0; i < r->nscenarios; i++)
        if (r->scenarios[i].selection_index + 1 > n) n = r->scenarios[i].selection_index + 1;
    g = xcalloc(n ? n : 1, sizeof *g);
    for (size_t i = 0; i < r->nscenarios; i++) {
        const struct scenario_result *s = &r->scenarios[i];
        struct group *e = &g[s->selection_index];
        if (!e->first) e->first = s;
        e->runs++;
        if (s->status != SCENARIO_SKIPPED && (!e->slowest || s->duration_ms > e->slowest->duration_ms)) e->slowest = s;
        if (s->status == SCENARIO_PASSED) continue;
        e->failed++;
        e->kinds[s->status == SCENARIO_SKIPPED ? FAILURE_KIND_COUNT : s->failure.kind]++;
    }
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        if (!g[i].first) continue;
        char *name = terminal_safe(g[i].first->name, FAILURE_MESSAGE_MAX, "    ");
        printf("%s: %s%zu of %zu runs failed%s", name, g[i].failed ? c(opt, RED) : c(opt, GREEN), g[i].failed,
               g[i].runs, c(opt, RESET));
        free(name);
        for (size_t k = 0, shown = 0; k <= FAILURE_KIND_COUNT; k++) {
            if (!g[i].kinds[k]) continue;
            printf("%s%zu %s", shown++ ? ", " : " (", g[i].kinds[k],
                   k == FAILURE_KIND_COUNT ? "not started" : failure_kind_name((enum failure_kind)k));
        }
        if (g[i].failed) printf(")");
        if (g[i].slowest) {
            duration_format(g[i].slowest->duration_ms, d, sizeof d);
            printf(", slowest #%d %s", g[i].slowest->repeat, d);
        }
        printf("\n");
    }
    free(g);
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
    erase_status();
    if (r->repeat > 1) repeat_summary(opt, r);
    duration_format(r->duration_ms, d, sizeof d);
    if (r->repeat > 1)
        printf("\n%zu runs (%d of each scenario): ", r->nscenarios, r->repeat);
    else
        printf("\n%zu scenarios: ", r->nscenarios);
    printf("%s%zu passed%s, %s%zu failed%s", c(opt, GREEN), counts[SCENARIO_PASSED], c(opt, RESET),
           counts[SCENARIO_FAILED] ? c(opt, RED) : "", counts[SCENARIO_FAILED], c(opt, RESET));
    if (counts[SCENARIO_ERROR]) printf(", %s%zu could not load%s", c(opt, RED), counts[SCENARIO_ERROR], c(opt, RESET));
    if (counts[SCENARIO_SKIPPED]) printf(", %zu skipped", counts[SCENARIO_SKIPPED]);
    printf(" in %s (run %s)\n", d, r->run_id);
    fflush(stdout);
}
