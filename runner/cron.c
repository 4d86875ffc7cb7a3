/* cron.c — 5-field cron parsing and next-fire computation; see cron.h.
 *
 * The next fire time is found by walking forward field by field (a month
 * that does not match skips to the next month, a day to the next day...),
 * so even a rare expression takes a few hundred steps, never a minute-by-
 * minute scan of years. */
#include "cron.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct field {
    const char *name;
    int lo, hi;
    const char *const *names; /* 3-letter names for lo.., or NULL */
};

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                          "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const wday_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const struct field fields[5] = {
    {"minute", 0, 59, NULL},           {"hour", 0, 23, NULL},
    {"day of month", 1, 31, NULL},     {"month", 1, 12, month_names},
    {"day of week", 0, 7, wday_names},
};

/* One number or name at *p; advances *p.  Returns 0 or -1. */
static int parse_value(const struct field *f, const char **p, int *out, struct failure *fail) {
    const char *s = *p;
    if (f->names && isalpha((unsigned char)s[0])) {
        for (int i = 0; f->names[i]; i++) {
            if (strncasecmp(s, f->names[i], 3) == 0 && !isalpha((unsigned char)s[3])) {
                *out = f->lo + i;
                *p = s + 3;
                return 0;
            }
        }
        failure_set(fail, FAILURE_SCRIPT, "%s: unknown name '%.10s'", f->name, s);
        return -1;
    }
    if (!isdigit((unsigned char)s[0])) {
        failure_set(fail, FAILURE_SCRIPT, "%s: expected a number at '%.10s'", f->name, s);
        return -1;
    }
    char *end;
    long v = strtol(s, &end, 10);
    if (v < f->lo || v > f->hi) {
        failure_set(fail, FAILURE_SCRIPT, "%s: %ld is out of range %d-%d", f->name, v, f->lo, f->hi);
        return -1;
    }
    *out = (int)v;
    *p = end;
    return 0;
}

/* One comma-separated field of len bytes into the bit set *bits. */
static int parse_field(const struct field *f, const char *text, size_t len, uint64_t *bits, struct failure *fail) {
    char item[64];
    if (len == 0 || len >= sizeof item) {
        failure_set(fail, FAILURE_SCRIPT, "%s: %s", f->name, len ? "field too long" : "empty field");
        return -1;
    }
    memcpy(item, text, len);
    item[len] = '\0';
    *bits = 0;
    for (char *part = item, *next; part; part = next) {
        next = strchr(part, ',');
        if (next) *next++ = '\0';
        const char *p = part;
        int lo = f->lo, hi = f->hi, step = 1;
        if (*p == '*') {
            p++;
        } else {
            if (parse_value(f, &p, &lo, fail) != 0) return -1;
            hi = lo;
            if (*p == '-') {
                p++;
                if (parse_value(f, &p, &hi, fail) != 0) return -1;
                if (hi < lo) {
                    failure_set(fail, FAILURE_SCRIPT, "%s: range %d-%d goes backwards", f->name, lo, hi);
                    return -1;
                }
            }
        }
        if (*p == '/') {
            char *end;
            long n = strtol(p + 1, &end, 10);
            if (end == p + 1 || n < 1 || n > f->hi) {
                failure_set(fail, FAILURE_SCRIPT, "%s: bad step '%s'", f->name, p + 1);
                return -1;
            }
            step = (int)n;
            if (lo == hi && part[0] != '*') hi = f->hi; /* "5/15" means 5-max/15 */
            p = end;
        }
        if (*p) {
            failure_set(fail, FAILURE_SCRIPT, "%s: unexpected '%s'", f->name, p);
            return -1;
        }
        for (int v = lo; v <= hi; v += step) *bits |= 1ull << v;
    }
    return 0;
}

static const struct {
    const char *name, *expr;
} macros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"},
};

int cron_parse(const char *text, struct cron *c, struct failure *fail) {
    uint64_t bits[5];
    const char *p = text;
    int n = 0;

    while (isspace((unsigned char)*p)) p++;
    if (*p == '@') {
        for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++) {
            size_t len = strlen(macros[i].name);
            if (strncmp(p, macros[i].name, len) == 0 && (p[len] == '\0' || isspace((unsigned char)p[len])))
                return cron_parse(macros[i].expr, c, fail);
        }
        failure_set(fail, FAILURE_SCRIPT, "unknown cron macro '%s'", p);
        return -1;
    }
    while (*p) {
        const char *start = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        if (n == 5) {
            failure_set(fail, FAILURE_SCRIPT,
                        "expected 5 fields (minute hour day-of-month month day-of-week), got more");
            return -1;
        }
        if (parse_field(&fields[n], start, (size_t)(p - start), &bits[n], fail) != 0) return -1;
        n++;
        while (isspace((unsigned char)*p)) p++;
    }
    if (n != 5) {
        failure_set(fail, FAILURE_SCRIPT, "expected 5 fields (minute hour day-of-month month day-of-week), got %d", n);
        return -1;
    }
    memset(c, 0, sizeof *c);
    c->minutes = bits[0];
    c->hours = (uint32_t)bits[1];
    c->mdays = (uint32_t)bits[2];
    c->months = (uint16_t)bits[3];
    c->wdays = (uint8_t)((bits[4] | (bits[4] >> 7)) & 0x7f); /* 7 is Sunday too */
    /* "*" and "every 1" both leave a field unrestricted for the DOM/DOW rule. */
    c->mday_any = c->mdays == 0xfffffffeu;
    c->wday_any = c->wdays == 0x7f;
    return 0;
}

static bool day_matches(const struct cron *c, const struct tm *tm) {
    bool md = c->mdays & (1u << tm->tm_mday), wd = c->wdays & (1u << tm->tm_wday);
    if (c->mday_any && c->wday_any) return true;
    if (c->mday_any) return wd;
    if (c->wday_any) return md;
    return md || wd;
}

static time_t make_time(struct tm *tm, bool utc) {
    tm->tm_isdst = -1;
    return utc ? timegm(tm) : mktime(tm);
}

static void break_time(time_t t, struct tm *tm, bool utc) {
    if (utc)
        gmtime_r(&t, tm);
    else
        localtime_r(&t, tm);
}

time_t cron_next(const struct cron *c, time_t after, bool utc) {
    struct tm tm;
    time_t t = after - after % 60 + 60; /* the next whole minute */
    int start_year;

    break_time(t, &tm, utc);
    start_year = tm.tm_year;
    /* The step cap guards against a daylight-saving normalisation that
     * would not move forward; real expressions need a few hundred. */
    for (int steps = 0; tm.tm_year - start_year <= 5 && steps < 100000; steps++) {
        if (!(c->months & (1u << (tm.tm_mon + 1)))) {
            tm.tm_mon++;
            tm.tm_mday = 1;
            tm.tm_hour = tm.tm_min = 0;
        } else if (!day_matches(c, &tm)) {
            tm.tm_mday++;
            tm.tm_hour = tm.tm_min = 0;
        } else if (!(c->hours & (1u << tm.tm_hour))) {
            tm.tm_hour++;
            tm.tm_min = 0;
        } else if (!(c->minutes & (1ull << tm.tm_min))) {
            tm.tm_min++;
        } else {
            return make_time(&tm, utc);
        }
        /* Normalise the carried field (and recompute the weekday). */
        t = make_time(&tm, utc);
        break_time(t, &tm, utc);
    }
    return -1;
}
