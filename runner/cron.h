/* cron.h — 5-field cron expressions ("0 9 * * mon-fri") and when they fire next.
 *
 * Fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or
 * jan..dec), day of week (0-7 or sun..sat; 0 and 7 are Sunday).  Each field
 * is `*`, a number, a range `a-b`, a step (star-slash-n) or `a-b/n`, or a list of
 * those separated by commas.  @hourly, @daily (@midnight), @weekly,
 * @monthly, @yearly (@annually) are accepted.  As in Vixie cron, when both
 * day of month and day of week are restricted a day matching either fires. */
#ifndef TELLTALE_CRON_H
#define TELLTALE_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "failure.h"

struct cron {
    uint64_t minutes; /* bit n: minute n fires */
    uint32_t hours;
    uint32_t mdays;  /* bits 1..31 */
    uint16_t months; /* bits 1..12 */
    uint8_t wdays;   /* bits 0..6, Sunday = 0 */
    bool mday_any;   /* day-of-month field was `*` */
    bool wday_any;   /* day-of-week field was `*` */
};

/* Parse text into c.  Returns 0, or -1 with fail set (FAILURE_SCRIPT) to a message naming the
 * field and what is wrong ("hour: 24 is out of range 0-23"). */
int cron_parse(const char *text, struct cron *c, struct failure *fail);

/* The first time strictly after `after` (whole minutes) at which c fires,
 * in local time, or in UTC when utc is true.  Returns -1 if none within
 * five years (e.g. "0 0 30 2 *"). */
time_t cron_next(const struct cron *c, time_t after, bool utc);

#endif
