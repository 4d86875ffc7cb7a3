/* fuzz_cron.c — libFuzzer: cron_parse, then cron_next of what it accepted,
 * in UTC and in local time, from a few starting points. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const time_t starts[] = {0, 1700000000, 1711846800 /* a DST change in Europe */};
    char *text = malloc(size + 1);
    char err[200];
    struct cron c;

    memcpy(text, data, size);
    text[size] = '\0';
    if (cron_parse(text, &c, err, sizeof err) == 0)
        for (size_t i = 0; i < sizeof starts / sizeof *starts; i++) {
            time_t next = cron_next(&c, starts[i], true);
            if (next != -1 && next <= starts[i]) abort(); /* strictly after */
            next = cron_next(&c, starts[i], false);
            if (next != -1 && next <= starts[i]) abort();
        }
    free(text);
    return 0;
}
