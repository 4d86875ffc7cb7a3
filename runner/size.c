/* size.c — parsing "512k" and friends; see size.h. */
#include "size.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int size_parse(const char *s, size_t *out) {
    char *end;
    double v, mult = 1;
    if (!s || !*s) return -1;
    v = strtod(s, &end);
    if (end == s || !(v >= 0) || !isfinite(v)) return -1;
    if (*end == 'k' || *end == 'K')
        mult = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mult = 1024.0 * 1024 * 1024, end++;
    if (*end == 'B' || *end == 'b') end++;
    if (*end) return -1;
    v *= mult;
    if (v >= (double)SIZE_MAX) return -1;
    *out = (size_t)v;
    return 0;
}
