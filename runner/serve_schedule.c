/* serve_schedule.c — due times of scheduled scenarios; see serve_schedule.h. */
#include "serve_schedule.h"

#include <time.h>

#include "cron.h"

int64_t serve_schedule_next(const struct serve_scenario_conf *c, int64_t base_ms) {
    if (!c->has_cron) return base_ms + c->every_ms;
    time_t t = cron_next(&c->cron, (time_t)(base_ms / 1000), false);
    return t < 0 ? SERVE_SCHEDULE_NEVER : (int64_t)t * 1000;
}

int64_t serve_schedule_rebase(const struct serve_scenario_conf *c, int64_t base_ms, int64_t now_ms) {
    if (c->has_cron) return now_ms > base_ms ? now_ms : base_ms;
    return base_ms + c->every_ms <= now_ms ? now_ms : base_ms;
}

int64_t serve_schedule_first_base(const struct serve_scenario_conf *c, int64_t now_ms) {
    return c->has_cron ? now_ms : now_ms - c->every_ms;
}
