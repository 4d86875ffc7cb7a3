/* report_nagios.h — --nagios: telltale as a Nagios / Icinga plugin, as the
 * Monitoring Plugins Development Guidelines want it.  One first line on
 * stdout,
 *
 *   TELLTALE OK|WARNING|CRITICAL|UNKNOWN - <summary> | <perfdata>
 *
 * with perfdata 'scenario'=1.234s;warn;crit;0; per scenario (and
 * 'scenario/step' per step with -v), then a line per scenario; the exit
 * code is the state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 *
 *   CRITICAL  a scenario failed or did not run, or took longer than --critical
 *   WARNING   all passed, but a step needed a retry or a scenario took
 *             longer than --warning
 *   UNKNOWN   it could not run: a bad option or file, a scenario that does
 *             not load, an internal error, a signal */
#ifndef TELLTALE_REPORT_NAGIOS_H
#define TELLTALE_REPORT_NAGIOS_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "result.h"

enum nagios_state { NAGIOS_OK = 0, NAGIOS_WARNING = 1, NAGIOS_CRITICAL = 2, NAGIOS_UNKNOWN = 3 };

struct nagios_limits {
    int64_t warning_ms, critical_ms; /* scenario durations; 0 = no threshold */
    bool per_step;                   /* -v: perfdata for every step too */
};

/* The plugin output for a finished run into out; run_rc is the exit code
 * the run would have had without --nagios.  Returns the state. */
enum nagios_state report_nagios_format(struct buf *out, const struct run_result *r, int run_rc,
                                       const struct nagios_limits *lim);
/* "TELLTALE UNKNOWN - <why>\n": the run did not happen. */
void report_nagios_unknown(struct buf *out, const char *why);

/* Until report_nagios_release_stderr, what the process writes to stderr is
 * kept, so that an UNKNOWN can say why on stdout, where Nagios reads.
 * Returns 0, or -1 (stderr left as it is). */
int report_nagios_capture_stderr(void);
/* Write the kept text to the real stderr again and put its first line,
 * without "telltale: ", into first_line (empty when nothing was written). */
void report_nagios_release_stderr(struct buf *first_line);

#endif
