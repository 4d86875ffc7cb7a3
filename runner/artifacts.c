/* artifacts.c — save responses and e-mails under --artifacts; see artifacts.h. */
#include "artifacts.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "failure.h"
#include "redact.h"
#include "xalloc.h"

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

/* Queued artifacts, oldest first. */
struct pending {
    const void *owner;
    char *path;
    char *data;
    size_t len;
    struct pending *next;
};

static struct pending *queue, **queue_tail = &queue;

int artifacts_save(const void *owner, const char *dir, const char *scenario, const char *step, const char *what,
                   const char *data, size_t len, char *path_out, size_t path_len, struct failure *f) {
    static unsigned counter;
    char sdir[4200], path[4400], sname[96], stepname[96], wname[96];
    struct pending *p;

    artifacts_safe_name(scenario, sname, sizeof sname);
    artifacts_safe_name(step, stepname, sizeof stepname);
    artifacts_safe_name(what, wname, sizeof wname);
    if (make_dir(dir, f) != 0) return -1;
    snprintf(sdir, sizeof sdir, "%s/%s", dir, sname);
    if (make_dir(sdir, f) != 0) return -1;
    snprintf(path, sizeof path, "%s/%03u-%s-%s", sdir, ++counter, stepname, wname);
    p = xcalloc(1, sizeof *p);
    p->owner = owner;
    p->path = xstrdup(path);
    p->data = xstrndup(data, len);
    p->len = len;
    *queue_tail = p;
    queue_tail = &p->next;
    if (path_out) snprintf(path_out, path_len, "%s", path);
    return 0;
}

static int write_one(const struct pending *p, struct failure *f) {
    char *clean = redact_textn(p->data, p->len);
    FILE *fp = fopen(p->path, "wb");
    int rc = 0;
    if (!fp) {
        rc = failure_set(f, FAILURE_INTERNAL, "cannot write artifact %s: %s", p->path, strerror(errno));
    } else {
        if (fputs(clean, fp) == EOF) rc = failure_set(f, FAILURE_INTERNAL, "cannot write artifact %s", p->path);
        if (fclose(fp) != 0 && rc == 0) rc = failure_set(f, FAILURE_INTERNAL, "cannot write artifact %s", p->path);
    }
    free(clean);
    return rc;
}

void artifacts_flush(const void *owner) {
    struct pending **link = &queue;
    while (*link) {
        struct pending *p = *link;
        struct failure f = {0};
        if (owner && p->owner != owner) {
            link = &p->next;
            continue;
        }
        if (write_one(p, &f) != 0) fprintf(stderr, "telltale: %s\n", f.message);
        failure_clear(&f);
        *link = p->next;
        free(p->path);
        free(p->data);
        free(p);
    }
    queue_tail = link;
}
