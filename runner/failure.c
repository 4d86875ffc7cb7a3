/* failure.c — kinds, names and the failure struct; see failure.h. */
#include "failure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redact.h"
#include "utf8.h"
#include "xalloc.h"

static const char *const kind_names[] = {"none",
#define FAILURE_NAME(id, name, desc) name,
                                         FAILURE_KIND_MAP(FAILURE_NAME)
#undef FAILURE_NAME
};

static const char *const kind_descriptions[] = {"no failure",
#define FAILURE_DESC(id, name, desc) desc,
                                                FAILURE_KIND_MAP(FAILURE_DESC)
#undef FAILURE_DESC
};

const char *failure_kind_name(enum failure_kind kind) {
    if (kind < 0 || kind >= FAILURE_KIND_COUNT) return "internal";
    return kind_names[kind];
}

const char *failure_kind_description(enum failure_kind kind) {
    if (kind < 0 || kind >= FAILURE_KIND_COUNT) return "";
    return kind_descriptions[kind];
}

enum failure_kind failure_kind_from_name(const char *name) {
    for (int k = 1; k < FAILURE_KIND_COUNT; k++)
        if (strcmp(kind_names[k], name) == 0) return (enum failure_kind)k;
    return FAILURE_NONE;
}

void failure_clear(struct failure *f) {
    free(f->message);
    free(f->detail);
    free(f->phase);
    free(f->where);
    memset(f, 0, sizeof *f);
}

/* Takes ownership of text; returns it, or a capped copy. */
static char *cap(char *text, size_t max) {
    size_t len = strlen(text);
    struct buf b;
    char *clean;
    if (len <= max) return text;
    clean = redact_textn(text, len);
    free(text);
    buf_init(&b, 0);
    utf8_append_capped(&b, clean, strlen(clean), max);
    free(clean);
    return buf_take(&b);
}

int failure_set(struct failure *f, enum failure_kind kind, const char *fmt, ...) {
    struct buf b;
    va_list ap;
    failure_clear(f);
    buf_init(&b, 0);
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    f->kind = kind;
    f->message = cap(buf_take(&b), FAILURE_MESSAGE_MAX);
    return -1;
}

static void replace(char **slot, const char *value) {
    free(*slot);
    *slot = value ? xstrdup(value) : NULL;
}

void failure_set_detail(struct failure *f, const char *detail) {
    replace(&f->detail, detail);
    if (f->detail) f->detail = cap(f->detail, FAILURE_DETAIL_MAX);
}
void failure_set_phase(struct failure *f, const char *phase) { replace(&f->phase, phase); }
void failure_set_where(struct failure *f, const char *where) { replace(&f->where, where); }

void failure_copy(struct failure *dst, const struct failure *src) {
    failure_clear(dst);
    dst->kind = src->kind;
    replace(&dst->message, src->message);
    replace(&dst->detail, src->detail);
    replace(&dst->phase, src->phase);
    replace(&dst->where, src->where);
}

void failure_move(struct failure *dst, struct failure *src) {
    failure_clear(dst);
    *dst = *src;
    memset(src, 0, sizeof *src);
}
