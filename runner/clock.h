/* clock.h — the two clocks telltale reads.
 *
 * The wall clock is for what people and other programs read: report
 * timestamps, schedules (cron is wall-clock time), the state file, pings.
 * The monotonic clock is for durations and deadlines: it does not jump when
 * NTP or an operator sets the time.  Never mix the two in one subtraction. */
#ifndef TELLTALE_CLOCK_H
#define TELLTALE_CLOCK_H

#include <stdint.h>

/* The wall clock in Unix milliseconds. */
int64_t clock_wall_ms(void);
/* Monotonic milliseconds since an arbitrary point (boot). */
int64_t clock_mono_ms(void);

#endif
