/* report_console.h — what a person reads: a line per scenario as it ends,
 * the failing step with its kind and message, and a summary.  Colour only
 * on a terminal, and never when NO_COLOR is set. */
#ifndef TELLTALE_REPORT_CONSOLE_H
#define TELLTALE_REPORT_CONSOLE_H

#include "engine.h"
#include "result.h"

void report_console_scenario(const struct options *opt, const struct scenario_result *r);
void report_console_summary(const struct options *opt, const struct run_result *r);

#endif
