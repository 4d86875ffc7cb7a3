/* fuzz_vars.c — libFuzzer: --vars-file's readers (vars.c).  The first
 * input byte picks the reader (.json or .env), the rest is the file.  A
 * file is read or refused with a message; what is read is NAME=VALUE with
 * a valid name and no NUL. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redact.h"
#include "vars.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char path_env[64], path_json[64];
    struct strlist vars = {0};
    struct failure f = {0};
    char *path;
    FILE *fp;

    if (!path_env[0]) {
        snprintf(path_env, sizeof path_env, "/tmp/telltale-fuzz-vars-%d.env", (int)getpid());
        snprintf(path_json, sizeof path_json, "/tmp/telltale-fuzz-vars-%d.json", (int)getpid());
    }
    if (size == 0) return 0;
    path = (data[0] & 1) ? path_json : path_env;
    fp = fopen(path, "wb");
    if (!fp) abort();
    if (fwrite(data + 1, 1, size - 1, fp) != size - 1) abort();
    fclose(fp);
    if (vars_add_file(&vars, path, &f) != 0) {
        if (!f.message || !*f.message) abort(); /* refused without saying why */
    } else {
        for (size_t i = 0; i < vars.len; i++) {
            const char *eq = strchr(vars.items[i], '=');
            if (!eq || eq == vars.items[i]) abort();
        }
    }
    unlink(path);
    failure_clear(&f);
    strlist_free(&vars);
    redact_reset(); /* credential-named vars register secrets */
    return 0;
}
