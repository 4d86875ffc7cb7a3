/* redact_bench.c SECRETS [KB] — redaction throughput: register SECRETS
 * random 20-character secrets (the shape of captured tokens), then redact
 * KB kilobytes of trace-like text (HTTP headers, JSON, a few secrets) until
 * a second has passed.  Prints MB/s.  Built by run.sh against runner/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redact.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void token(char *out, unsigned seed) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    srand(seed);
    for (int i = 0; i < 20; i++) out[i] = alphabet[rand() % 62];
    out[20] = '\0';
}

int main(int argc, char **argv) {
    int nsecrets = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1;
    size_t size = (argc > 2 ? (size_t)strtol(argv[2], NULL, 10) : 1024) * 1024;
    char tok[21], *text = malloc(size + 1);
    size_t len = 0;
    int line = 0, rounds = 0;
    double start, elapsed;

    for (int i = 0; i < nsecrets; i++) {
        token(tok, (unsigned)i + 1);
        redact_add_secret(tok);
    }
    while (len < size) {
        char l[256];
        int n;
        if (line % 50 == 0) token(tok, (unsigned)(line % nsecrets) + 1); /* now and then, a real secret */
        n = snprintf(l, sizeof l,
                     line % 3 == 0   ? "< Content-Type: application/json; charset=utf-8 %d\n"
                     : line % 3 == 1 ? "{\"id\": %d, \"name\": \"canary user\", \"tags\": [\"a\", \"b\"], \"ok\": true}\n"
                                     : "GET http://127.0.0.1:8080/api/v1/items?page=%d&q=%s HTTP/1.1\n",
                     line, line % 50 == 0 ? tok : "plain");
        if (len + (size_t)n > size) n = (int)(size - len);
        memcpy(text + len, l, (size_t)n);
        len += (size_t)n;
        line++;
    }
    text[len] = '\0';
    free(redact_textn(text, len)); /* the first call may build what it needs */
    start = now_s();
    do {
        free(redact_textn(text, len));
        rounds++;
        elapsed = now_s() - start;
    } while (elapsed < 1.0);
    printf("%.2f\n", (double)len * rounds / elapsed / 1e6);
    free(text);
    redact_reset();
    return 0;
}
