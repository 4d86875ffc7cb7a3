/* duration.h — durations as users write them: "250ms", "5s", "2m", "1h",
 * compounds like "1m30s", or a plain number of seconds ("1.5", 2). */
#ifndef TELLTALE_DURATION_H
#define TELLTALE_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "failure.h"

/* Parse text into milliseconds.  Returns 0, or -1 with f set (FAILURE_SCRIPT) to a message
 * naming what is wrong ("unknown unit 'x' in '5x'"). Negative durations are
 * rejected. */
int duration_parse(const char *text, int64_t *out_ms, struct failure *f);
/* Seconds (possibly fractional) into milliseconds; -1 with f set if negative
 * or not finite. */
int duration_from_seconds(double seconds, int64_t *out_ms, struct failure *f);
/* Human form for messages: "250ms", "1.5s", "2m", "1h 5m", "8 days". */
void duration_format(int64_t ms, char *out, size_t outlen);

#endif
