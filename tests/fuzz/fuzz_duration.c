/* fuzz_duration.c — libFuzzer: duration_parse, then duration_format of
 * whatever it accepted (messages print parsed durations). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    char err[200], shown[32];
    int64_t ms;

    memcpy(text, data, size);
    text[size] = '\0';
    if (duration_parse(text, &ms, err, sizeof err) == 0) {
        if (ms < 0) abort(); /* negative durations are rejected */
        duration_format(ms, shown, sizeof shown);
    }
    free(text);
    return 0;
}
