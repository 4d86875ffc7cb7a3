/* serve_schedule.h — when a scheduled scenario is due next: the arithmetic
 * of `every` and `cron` on the wall clock, pure (serve.c arms the timers).
 *
 * `every` counts from the previous due time, not from when the run started,
 * so starts do not drift; after a stall longer than a period it restarts
 * from now rather than catching up.  A cron slot counts from the slot just
 * due, never from a clock read a few ms before it (a timer may fire that
 * early): the same slot cannot come due twice. */
#ifndef TELLTALE_SERVE_SCHEDULE_H
#define TELLTALE_SERVE_SCHEDULE_H

#include <stdint.h>

#include "serve_config.h"

#define SERVE_SCHEDULE_NEVER (INT64_MAX / 4) /* a cron expression that never fires again */

/* The next start (Unix ms, before jitter) after base_ms: the next cron
 * slot after it (local time), or base_ms + every; SERVE_SCHEDULE_NEVER if
 * the cron expression has no slot left. */
int64_t serve_schedule_next(const struct serve_scenario_conf *c, int64_t base_ms);

/* The timer for the start whose base was base_ms fired at now_ms: the
 * base to count the next start from. */
int64_t serve_schedule_rebase(const struct serve_scenario_conf *c, int64_t base_ms, int64_t now_ms);

/* The base for a scenario's first start at now_ms: now for `every` (it
 * starts at once, plus jitter), now for cron (the next slot). */
int64_t serve_schedule_first_base(const struct serve_scenario_conf *c, int64_t now_ms);

#endif
