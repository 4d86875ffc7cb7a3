/* report_console.h — what a person reads: a line per scenario as it ends,
 * the failing step with its kind and message, and a summary; on a
 * terminal, a status line of what is running now.  Colour only on a
 * terminal, and never when NO_COLOR is set. */
#ifndef TELLTALE_REPORT_CONSOLE_H
#define TELLTALE_REPORT_CONSOLE_H

#include "engine.h"
#include "result.h"

/* A scenario run ended: its line; without -v its failing step under it,
 * with -v the steps it skipped (the others were shown as they ended). */
void report_console_scenario(const struct options *opt, const struct scenario_result *r);
/* -v: a step or teardown of r ended; its line now.  side_by_side: other
 * scenarios may be running too, so the line names its scenario. */
void report_console_step(const struct options *opt, const struct scenario_result *r, const struct step_result *s,
                         bool teardown, bool side_by_side);
/* The whole run; with --repeat, per scenario how many of its runs failed,
 * their kinds and the slowest run. */
void report_console_summary(const struct options *opt, const struct run_result *r);

/* The status line (opt->progress: stdout is a terminal that is not dumb):
 * what runs now, redrawn in place; every other line printed here erases
 * it first. */
struct console_progress {
    size_t position, total; /* the shown scenario run's place in the run (else runs ended), and in all */
    const char *scenario;   /* the one running longest in its current step; NULL: none */
    const char *step;       /* its step or teardown */
    bool teardown;
    int repeat;         /* --repeat: which run, else 0 */
    int64_t elapsed_ms; /* in that step */
    size_t more;        /* other scenarios running */
};
void report_console_progress(const struct options *opt, const struct console_progress *p);
/* Erase the status line (before another writer prints to the terminal). */
void report_console_progress_clear(void);

#endif
