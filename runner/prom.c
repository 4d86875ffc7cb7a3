/* prom.c — Prometheus text exposition; see prom.h. */
#include "prom.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redact.h"
#include "utf8.h"
#include "xalloc.h"

static const struct {
    const char *name, *type, *help;
} families[] = {
#define PROM_ROW(id, name, type, help) {name, type, help},
    PROM_FAMILY_MAP(PROM_ROW)
#undef PROM_ROW
};

struct sample {
    enum prom_family family;
    char *labels; /* `{a="x"}` or "" */
    char *value;
    size_t order; /* insertion order: the first of equal series wins */
};

struct prom {
    struct sample *samples;
    size_t len, alloc;
    struct buf comments;
    bool declared[PROM_FAMILY_COUNT];           /* written, with or without samples */
    struct prom_label konst[PROM_CONST_LABELS]; /* added to every sample; values owned */
    size_t n_konst;
};

struct prom *prom_new(void) {
    struct prom *p = xcalloc(1, sizeof *p);
    buf_init(&p->comments, 0);
    return p;
}

void prom_free(struct prom *p) {
    if (!p) return;
    for (size_t i = 0; i < p->len; i++) {
        free(p->samples[i].labels);
        free(p->samples[i].value);
    }
    free(p->samples);
    for (size_t i = 0; i < p->n_konst; i++) free((char *)p->konst[i].value);
    buf_free(&p->comments);
    free(p);
}

void prom_write_label_value(struct buf *out, const char *value) {
    char *clean = redact_text(value ? value : "");
    struct buf valid; /* Prometheus rejects invalid UTF-8 */
    buf_init(&valid, 0);
    utf8_append_sanitized(&valid, clean, strlen(clean));
    buf_puts(out, "\"");
    for (const char *s = buf_str(&valid); *s; s++) {
        if (*s == '\\')
            buf_puts(out, "\\\\");
        else if (*s == '"')
            buf_puts(out, "\\\"");
        else if (*s == '\n')
            buf_puts(out, "\\n");
        else
            buf_append(out, s, 1);
    }
    buf_puts(out, "\"");
    buf_free(&valid);
    free(clean);
}

/* {a="x",b="y"} for labels then extra (a constant label), or nothing. */
static void write_labels(struct buf *out, const struct prom_label *labels, size_t n, const struct prom_label *extra,
                         size_t n_extra) {
    if (n + n_extra == 0) return;
    buf_puts(out, "{");
    for (size_t i = 0; i < n + n_extra; i++) {
        const struct prom_label *l = i < n ? &labels[i] : &extra[i - n];
        buf_printf(out, "%s%s=", i ? "," : "", l->name);
        prom_write_label_value(out, l->value);
    }
    buf_puts(out, "}");
}

void prom_const_label(struct prom *p, const char *name, const char *value) {
    if (!value || !*value || p->n_konst == PROM_CONST_LABELS) return;
    p->konst[p->n_konst++] = (struct prom_label){name, xstrdup(value)};
}

int prom_check_location(const char *s, char *err, size_t errlen) {
    size_t n = strlen(s);
    if (n == 0 || n > 63) {
        snprintf(err, errlen, "location '%s' must be 1 to 63 characters", s);
        return -1;
    }
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
              *c == '_' || *c == '-')) {
            snprintf(err, errlen, "location '%s': only letters, digits, '.', '_' and '-' are allowed", s);
            return -1;
        }
    return 0;
}

void prom_series(enum prom_family family, const struct prom_label *labels, size_t n, struct buf *out) {
    buf_puts(out, families[family].name);
    write_labels(out, labels, n, NULL, 0);
}

void prom_declare(struct prom *p, enum prom_family family) { p->declared[family] = true; }

void prom_comment(struct prom *p, const char *text) {
    buf_puts(&p->comments, "# ");
    for (const char *s = text; *s; s++) buf_append(&p->comments, *s == '\n' ? " " : s, 1);
    buf_puts(&p->comments, "\n");
}

void prom_add_text(struct prom *p, enum prom_family family, const struct prom_label *labels, size_t n,
                   const char *value) {
    struct buf l;
    if (p->len == p->alloc) {
        p->alloc = p->alloc ? p->alloc * 2 : 64;
        p->samples = xrealloc(p->samples, p->alloc * sizeof *p->samples);
    }
    buf_init(&l, 0);
    write_labels(&l, labels, n, p->konst, p->n_konst);
    p->declared[family] = true;
    p->samples[p->len] = (struct sample){.family = family, .value = xstrdup(value), .order = p->len};
    p->samples[p->len].labels = l.len ? buf_take(&l) : xstrdup("");
    p->len++;
    buf_free(&l);
}

void prom_add_int(struct prom *p, enum prom_family family, const struct prom_label *labels, size_t n, int64_t value) {
    char v[32];
    snprintf(v, sizeof v, "%" PRId64, value);
    prom_add_text(p, family, labels, n, v);
}

void prom_add_u64(struct prom *p, enum prom_family family, const struct prom_label *labels, size_t n, uint64_t value) {
    char v[32];
    snprintf(v, sizeof v, "%" PRIu64, value);
    prom_add_text(p, family, labels, n, v);
}

void prom_add_seconds(struct prom *p, enum prom_family family, const struct prom_label *labels, size_t n, int64_t ms) {
    char v[48];
    snprintf(v, sizeof v, "%.3f", (double)ms / 1000.0);
    prom_add_text(p, family, labels, n, v);
}

static int by_family_labels_order(const void *a, const void *b) {
    const struct sample *x = a, *y = b;
    int c = strcmp(families[x->family].name, families[y->family].name);
    if (!c) c = strcmp(x->labels, y->labels);
    return c ? c : (x->order < y->order ? -1 : x->order > y->order);
}

static int by_name(const void *a, const void *b) {
    return strcmp(families[*(const int *)a].name, families[*(const int *)b].name);
}

/* HELP text escapes backslash and newline (the format's rule). */
static void write_help(struct buf *out, const char *help) {
    for (const char *s = help; *s; s++) {
        if (*s == '\\')
            buf_puts(out, "\\\\");
        else if (*s == '\n')
            buf_puts(out, "\\n");
        else
            buf_append(out, s, 1);
    }
}

void prom_format(const struct prom *p, struct buf *out) {
    struct sample *sorted = xcalloc(p->len + 1, sizeof *sorted);
    int order[PROM_FAMILY_COUNT];
    size_t k = 0;

    buf_append(out, buf_str(&p->comments), p->comments.len);
    if (p->len) memcpy(sorted, p->samples, p->len * sizeof *sorted);
    qsort(sorted, p->len, sizeof *sorted, by_family_labels_order);
    for (int f = 0; f < PROM_FAMILY_COUNT; f++) order[f] = f;
    qsort(order, PROM_FAMILY_COUNT, sizeof *order, by_name);
    for (int i = 0; i < PROM_FAMILY_COUNT; i++) {
        int f = order[i];
        if (!p->declared[f]) continue;
        buf_printf(out, "# HELP %s ", families[f].name);
        write_help(out, families[f].help);
        buf_printf(out, "\n# TYPE %s %s\n", families[f].name, families[f].type);
        while (k < p->len && (int)sorted[k].family == f) {
            const struct sample *s = &sorted[k++];
            if (k >= 2 && sorted[k - 2].family == s->family && strcmp(sorted[k - 2].labels, s->labels) == 0)
                continue; /* the same series again: only the first */
            buf_printf(out, "%s%s %s\n", families[f].name, s->labels, s->value);
        }
    }
    free(sorted);
}
