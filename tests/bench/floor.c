/* floor.c — the comparison baseline for the HTTP benchmark: a bare C loop
 * over one reused libcurl easy handle, doing the same requests telltale's
 * bench scenario does.  usage: floor BASE_URL ITERATIONS */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t sink(char *data, size_t size, size_t n, void *userp) {
    (void)data;
    *(size_t *)userp += size * n;
    return size * n;
}

int main(int argc, char **argv) {
    static const char *const paths[] = {"/ok", "/json", "/health", "/ok", "/json",
                                        "/health", "/ok", "/json", "/health", "/ok"};
    char url[512];
    size_t bytes = 0;
    long status;
    int iterations;
    CURL *easy;

    if (argc != 3) {
        fprintf(stderr, "usage: floor BASE_URL ITERATIONS\n");
        return 2;
    }
    iterations = (int)strtol(argv[2], NULL, 10);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &bytes);
    for (int i = 0; i < iterations; i++) {
        for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++) {
            snprintf(url, sizeof url, "%s%s", argv[1], paths[p]);
            curl_easy_setopt(easy, CURLOPT_URL, url);
            if (curl_easy_perform(easy) != CURLE_OK) return 1;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            if (status != 200) return 1;
        }
    }
    curl_easy_cleanup(easy);
    curl_global_cleanup();
    printf("%zu bytes\n", bytes);
    return 0;
}
