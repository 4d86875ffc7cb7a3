/* artifacts.c — save responses (and later, e-mails) under --artifacts. */
#include "artifacts.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "failure.h"
#include "redact.h"

/* Scenario and step names are free text: keep letters, digits, '.', '-',
 * '_' and turn the rest into '_', so a name can never climb out of DIR. */
void artifacts_safe_name(const char *in, char *out, size_t outlen) {
    size_t n = 0;
    for (; *in && n + 1 < outlen && n < 80; in++)
        out[n++] = (isalnum((unsigned char)*in) || *in == '-' || *in == '_' || *in == '.') ? *in : '_';
    if (n == 0 || out[0] == '.') out[n == 0 ? n++ : 0] = '_';
    out[n] = '\0';
}

static int make_dir(const char *path, struct failure *f) {
    if (mkdir(path, 0755) == 0 || errno == EEXIST) return 0;
    return failure_set(f, FAILURE_INTERNAL, "cannot create artifacts directory %s: %s", path, strerror(errno));
}

int artifacts_save(const char *dir, const char *scenario, const char *step, const char *what, const char *data,
                   size_t len, char *path_out, size_t path_len, struct failure *f) {
    static unsigned counter;
    char sdir[4200], path[4400], sname[96], stepname[96], wname[96];
    FILE *fp;
    char *clean;
    int rc = 0;

    artifacts_safe_name(scenario, sname, sizeof sname);
    artifacts_safe_name(step, stepname, sizeof stepname);
    artifacts_safe_name(what, wname, sizeof wname);
    if (make_dir(dir, f) != 0) return -1;
    snprintf(sdir, sizeof sdir, "%s/%s", dir, sname);
    if (make_dir(sdir, f) != 0) return -1;
    snprintf(path, sizeof path, "%s/%03u-%s-%s", sdir, ++counter, stepname, wname);
    fp = fopen(path, "wb");
    if (!fp) return failure_set(f, FAILURE_INTERNAL, "cannot write artifact %s: %s", path, strerror(errno));
    clean = redact_textn(data, len);
    if (fputs(clean, fp) == EOF) rc = failure_set(f, FAILURE_INTERNAL, "cannot write artifact %s", path);
    if (fclose(fp) != 0 && rc == 0) rc = failure_set(f, FAILURE_INTERNAL, "cannot write artifact %s", path);
    free(clean);
    if (path_out) snprintf(path_out, path_len, "%s", path);
    return rc;
}
