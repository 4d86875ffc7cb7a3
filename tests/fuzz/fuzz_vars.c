/* fuzz_vars.c — libFuzzer: --vars-file through the command line itself.
 *
 * The readers (.env lines, a JSON object) are private to main.c, so main
 * is linked in under another name (the Makefile compiles main.c with
 * -Dmain=telltale_main) and called as `telltale check --vars-file FILE`
 * with a scenario path that does not exist: the vars are read and
 * checked, then the run stops with a usage error.  The first input byte
 * picks the reader (.json or .env), the rest is the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int telltale_main(int argc, char **argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char path_env[64], path_json[64];
    char *path, *argv[6];
    FILE *fp;
    int rc;

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
    argv[0] = (char *)"telltale";
    argv[1] = (char *)"check";
    argv[2] = (char *)"--vars-file";
    argv[3] = path;
    argv[4] = (char *)"/nonexistent/telltale-fuzz-scenario.lua";
    argv[5] = NULL;
    rc = telltale_main(5, argv);
    unlink(path);
    if (rc != 2) abort(); /* usage error: a bad vars file, or the missing scenario */
    return 0;
}
