/* duration.c — parse and format durations; see duration.h. */
#include "duration.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest allowed duration: 100 days, far beyond any sensible deadline but
 * small enough that adding it to a monotonic clock never overflows. */
#define DURATION_MAX_MS (100LL * 24 * 3600 * 1000)

int duration_from_seconds(double seconds, int64_t *out_ms, struct failure *f) {
    if (!isfinite(seconds) || seconds < 0) {
        failure_set(f, FAILURE_SCRIPT, "duration must be a non-negative number of seconds, got %g", seconds);
        return -1;
    }
    if (seconds * 1000.0 > (double)DURATION_MAX_MS) {
        failure_set(f, FAILURE_SCRIPT, "duration %g s is longer than the 100-day maximum", seconds);
        return -1;
    }
    *out_ms = (int64_t)llround(seconds * 1000.0);
    return 0;
}

static int unit_ms(const char *unit, size_t len, double *ms) {
    static const struct {
        const char *name;
        double ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == len && strncmp(unit, units[i].name, len) == 0) {
            *ms = units[i].ms;
            return 0;
        }
    return -1;
}

int duration_parse(const char *text, int64_t *out_ms, struct failure *f) {
    const char *p = text;
    double total = 0;
    int parts = 0;

    while (isspace((unsigned char)*p)) p++;
    if (*p == '\0') {
        failure_set(f, FAILURE_SCRIPT, "empty duration");
        return -1;
    }
    while (*p) {
        char *end;
        double value;
        if (!(isdigit((unsigned char)*p) || *p == '.')) {
            failure_set(f, FAILURE_SCRIPT, "invalid duration '%s': expected a number at '%s'", text, p);
            return -1;
        }
        value = strtod(p, &end);
        if (end == p) {
            failure_set(f, FAILURE_SCRIPT, "invalid duration '%s'", text);
            return -1;
        }
        p = end;
        const char *unit = p;
        while (isalpha((unsigned char)*p)) p++;
        size_t unit_len = (size_t)(p - unit);
        double ms;
        if (unit_len == 0) {
            /* A bare number is seconds, but only on its own: "1m30" is a typo. */
            while (isspace((unsigned char)*p)) p++;
            if (parts > 0 || *p) {
                failure_set(f, FAILURE_SCRIPT, "invalid duration '%s': missing unit (ms, s, m, h, d)", text);
                return -1;
            }
            ms = 1000;
        } else if (unit_ms(unit, unit_len, &ms) != 0) {
            failure_set(f, FAILURE_SCRIPT, "unknown unit '%.*s' in duration '%s' (use ms, s, m, h or d)", (int)unit_len,
                        unit, text);
            return -1;
        }
        total += value * ms;
        parts++;
        while (isspace((unsigned char)*p)) p++;
    }
    if (total > (double)DURATION_MAX_MS) {
        failure_set(f, FAILURE_SCRIPT, "duration '%s' is longer than the 100-day maximum", text);
        return -1;
    }
    *out_ms = (int64_t)llround(total);
    return 0;
}

void duration_format(int64_t ms, char *out, size_t outlen) {
    if (ms < 0) ms = 0;
    if (ms < 1000)
        snprintf(out, outlen, "%lldms", (long long)ms);
    else if (ms < 60000)
        snprintf(out, outlen, "%.3gs", (double)ms / 1000.0);
    else if (ms < 3600000)
        snprintf(out, outlen, "%lldm%02llds", (long long)(ms / 60000), (long long)(ms % 60000 / 1000));
    else if (ms < 2 * 86400000LL)
        snprintf(out, outlen, "%lldh%02lldm", (long long)(ms / 3600000), (long long)(ms % 3600000 / 60000));
    else
        snprintf(out, outlen, "%lld days", (long long)(ms / 86400000));
}
