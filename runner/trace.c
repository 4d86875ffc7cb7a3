/* trace.c — --trace lines on stderr; see trace.h. */
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redact.h"
#include "utf8.h"

void trace_print(const char *label, const char *prefix, const char *text, size_t len) {
    char *clean = redact_textn(text, len);
    struct buf line;
    buf_init(&line, 0);
    for (const char *p = clean, *next; p && *p; p = next) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        next = eol ? eol + 1 : p + n;
        if (n && p[n - 1] == '\r') n--;
        buf_reset(&line);
        utf8_append_terminal(&line, p, n, "");
        fprintf(stderr, "[%s] %s%s\n", label, prefix, buf_str(&line));
    }
    buf_free(&line);
    free(clean);
}
