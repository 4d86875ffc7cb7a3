/* serve_state.c — the helpers every part of serve uses on its runtime
 * state: the log line, counters, the snapshot for the HTTP thread, the
 * state file; see serve_state.h.  Here rather than in serve.c so that
 * serve_alert.c and serve_run.c depend on this file, not on the scheduler
 * that calls them. */
#include "serve_state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "failure.h"
#include "redact.h"
#include "serve_metrics.h"
#include "xalloc.h"

/* One log line on stderr (the journal adds the time), secrets redacted. */
void serve_log(const char *fmt, ...) {
    struct buf line;
    va_list ap;
    buf_init(&line, 0);
    va_start(ap, fmt);
    buf_vprintf(&line, fmt, ap);
    va_end(ap);
    char *clean = redact_text(buf_str(&line));
    fprintf(stderr, "telltale serve: %s\n", clean);
    free(clean);
    buf_free(&line);
}

/* ---- counters ---- */

void serve_count_add(struct serve_count **list, const char *a, const char *b, uint64_t n) {
    struct serve_count **p = list;
    for (; *p; p = &(*p)->next)
        if (strcmp((*p)->a, a) == 0 && strcmp((*p)->b ? (*p)->b : "", b ? b : "") == 0) {
            (*p)->n += n;
            return;
        }
    *p = xcalloc(1, sizeof **p);
    (*p)->a = xstrdup(a);
    (*p)->b = b ? xstrdup(b) : NULL;
    (*p)->n = n;
}

void serve_count_free(struct serve_count **list) {
    while (*list) {
        struct serve_count *c = *list;
        *list = c->next;
        free(c->a);
        free(c->b);
        free(c);
    }
}

/* Copy the metrics text and the health verdict out for the HTTP thread. */
void serve_publish(struct serve *s) {
    struct buf text, problem;
    int64_t now = clock_wall_ms();
    buf_init(&text, 0);
    buf_init(&problem, 0);
    serve_metrics_format(s, &text);
    for (size_t i = 0; i < s->n_scenarios; i++) {
        const struct serve_scenario *sc = s->scenarios[i];
        if (sc->removed || s->stopping || now <= sc->start_by_ms) continue;
        buf_printf(&problem, "%sscenario %s not started for %lld s past its due time (health_grace %lld s)",
                   problem.len ? "; " : "", sc->conf.name,
                   (long long)((now - sc->start_by_ms) / 1000) + (long long)(s->cfg.health_grace_ms / 1000),
                   (long long)(s->cfg.health_grace_ms / 1000));
    }
    pthread_mutex_lock(&s->mu);
    buf_free(&s->metrics_text);
    s->metrics_text = text;
    free(s->health_problem);
    s->health_problem = problem.len ? buf_take(&problem) : NULL;
    s->health_at_ms = now;
    pthread_mutex_unlock(&s->mu);
    buf_free(&problem);
}

void serve_save_state(struct serve *s) {
    struct failure f = {0};
    if (state_save(s->cfg.state_file, &s->state, &f) != 0) serve_log("STATE NOT SAVED: %s", f.message);
    failure_clear(&f);
}
