/* serve_run.c — one scheduled run as a child process; see serve_run.h. */
#include "serve_run.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "clock.h"
#include "failure.h"
#include "json.h"
#include "serve_state.h"
#include "spawn.h"
#include "xalloc.h"

#define REPORT_MAX (64u * 1024 * 1024) /* a report is KBs; this only bounds a broken one */

/* Letters, digits, '.', '_', '-' kept; anything else becomes '_'. */
static void safe_name(struct buf *out, const char *name) {
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-';
        buf_append(out, ok ? p : "_", 1);
    }
}

/* The scenario's vars as a JSON object in a 0600 file: on a command line
 * they would be visible to every user of the machine in ps. */
static int write_vars_file(const struct serve_scenario *sc, const char *path, struct failure *f) {
    struct buf json;
    int rc;
    buf_init(&json, 0);
    buf_puts(&json, "{");
    for (size_t i = 0; i < sc->conf.vars.len; i++) {
        const char *kv = sc->conf.vars.items[i], *eq = strchr(kv, '=');
        if (i) buf_puts(&json, ",");
        json_write_string(&json, kv, (size_t)(eq - kv));
        buf_puts(&json, ":");
        json_write_string(&json, eq + 1, strlen(eq + 1));
    }
    buf_puts(&json, "}\n");
    rc = atomic_file_write(path, buf_str(&json), json.len, 0600, "vars file", f);
    buf_free(&json);
    return rc;
}

void serve_run_start(struct serve *s, struct serve_scenario *sc) {
    unsigned seq = ++s->run_seq;
    struct buf report, vars, timeout, grace, artifacts;
    const char *argv[20];
    int argc = 0;
    struct spawn_child child;
    struct failure f = {0};
    pid_t pid;

    buf_init(&report, 0);
    buf_init(&vars, 0);
    buf_init(&timeout, 0);
    buf_init(&grace, 0);
    buf_init(&artifacts, 0);
    buf_printf(&report, "%s/run-%u.json", s->tmp_dir, seq);
    buf_printf(&vars, "%s/vars-%u.json", s->tmp_dir, seq);
    buf_printf(&timeout, "%lldms", (long long)sc->conf.timeout_ms);
    buf_printf(&grace, "%lldms", (long long)s->cfg.run_grace_ms);
    if (write_vars_file(sc, buf_str(&vars), &f) != 0) {
        serve_log("scenario %s not started: %s", sc->conf.name, f.message);
        goto cleanup;
    }
    argv[argc++] = s->exe;
    argv[argc++] = "run";
    argv[argc++] = "--no-color";
    argv[argc++] = "--json";
    argv[argc++] = buf_str(&report);
    argv[argc++] = "--timeout";
    argv[argc++] = buf_str(&timeout);
    argv[argc++] = "--grace";
    argv[argc++] = buf_str(&grace);
    argv[argc++] = "--vars-file";
    argv[argc++] = buf_str(&vars);
    free(sc->run_dir);
    sc->run_dir = NULL;
    if (s->cfg.artifacts_dir) {
        char stamp[32];
        time_t now = (time_t)(clock_wall_ms() / 1000);
        struct tm tm;
        struct buf rd;
        buf_init(&rd, 0);
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        safe_name(&rd, sc->conf.name);
        buf_printf(&rd, "/%s-%u", stamp, seq);
        sc->run_dir = buf_take(&rd);
        buf_printf(&artifacts, "%s/%s", s->cfg.artifacts_dir, sc->run_dir);
        argv[argc++] = "--artifacts";
        argv[argc++] = buf_str(&artifacts);
    }
    argv[argc++] = "--";
    argv[argc++] = sc->conf.path;
    argv[argc] = NULL;

    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    struct spawn_opts o = {.argv = (char *const *)argv,
                           .in = null,
                           .out = null, /* the console summary: the report says it all */
                           .err = -1,
                           .own_group = true}; /* a Ctrl-C at serve's terminal is serve's to forward, not the run's */
    int started = spawn_start(&o, &child, &f);
    if (null >= 0) close(null);
    if (started != 0) {
        serve_log("scenario %s not started: %s", sc->conf.name, f.message);
        unlink(buf_str(&vars));
        goto cleanup;
    }
    pid = child.pid;
    sc->pid = pid;
    sc->killed = false;
    sc->started_mono = loop_now(s->loop);
    free(sc->report_path);
    sc->report_path = buf_take(&report);
    free(sc->vars_path);
    sc->vars_path = buf_take(&vars);
cleanup:
    failure_clear(&f);
    buf_free(&report);
    buf_free(&vars);
    buf_free(&timeout);
    buf_free(&grace);
    buf_free(&artifacts);
}

static const char *field_str(lua_State *L, int idx, const char *name) {
    lua_getfield(L, idx, name); /* +1, popped by the caller's lua_settop */
    return lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
}

static int64_t field_int(lua_State *L, int idx, const char *name) {
    int64_t v;
    lua_getfield(L, idx, name); /* +1 */
    v = lua_isinteger(L, -1) ? (int64_t)lua_tointeger(L, -1) : 0;
    lua_pop(L, 1);
    return v;
}

void serve_run_free_steps(struct serve_scenario *sc) {
    for (size_t i = 0; i < sc->n_steps; i++) free(sc->steps[i].name);
    free(sc->steps);
    sc->steps = NULL;
    sc->n_steps = 0;
}

/* Read the child's report into sc and o (strings pushed on L, valid until
 * it closes).  Returns 0, or -1 when there is no usable report. */
int serve_run_read_report(lua_State *L, struct serve_scenario *sc, struct serve_outcome *o, const char **result) {
    struct buf text;
    char chunk[8192], err[200];
    size_t n;
    FILE *fp = fopen(sc->report_path, "rb");
    int rc = -1;

    buf_init(&text, REPORT_MAX);
    if (!fp) goto cleanup;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (buf_append(&text, chunk, n) != BUF_OK) goto cleanup;
    if (json_decode(L, buf_str(&text), text.len, err, sizeof err) != 0) goto cleanup; /* +1: report = 1 */
    o->run_id = field_str(L, 1, "run_id");                                            /* +1 */
    lua_getfield(L, 1, "scenarios");                                                  /* +1 */
    if (!lua_istable(L, -1) || lua_rawgeti(L, -1, 1) != LUA_TTABLE) goto cleanup;     /* +1: scenario */
    int sci = lua_gettop(L);
    o->trace_id = field_str(L, sci, "trace_id"); /* +1 */
    *result = field_str(L, sci, "status");       /* +1 */
    if (!*result) goto cleanup;
    sc->last_duration_ms = field_int(L, sci, "duration_ms");
    if (lua_getfield(L, sci, "failure") == LUA_TTABLE) { /* +1 */
        o->kind = field_str(L, -1, "kind");              /* +1 */
        o->message = field_str(L, -2, "message");        /* +1 */
    }
    serve_run_free_steps(sc);
    if (lua_getfield(L, sci, "steps") == LUA_TTABLE) { /* +1 */
        int sti = lua_gettop(L);
        size_t count = (size_t)lua_rawlen(L, sti);
        sc->steps = xcalloc(count + 1, sizeof *sc->steps);
        for (size_t i = 0; i < count; i++) {
            lua_rawgeti(L, sti, (lua_Integer)i + 1);                                           /* +1 */
            const char *name = field_str(L, -1, "name"), *status = field_str(L, -2, "status"); /* +2 */
            struct serve_step *st = &sc->steps[sc->n_steps++];
            st->name = xstrdup(name ? name : "?");
            st->status = !status ? -1 : strcmp(status, "passed") == 0 ? 1 : strcmp(status, "failed") == 0 ? 0 : -1;
            st->duration_ms = field_int(L, -3, "duration_ms");
            if (st->status == 0 && !o->step) o->step = st->name; /* lives as long as sc->steps */
            lua_settop(L, sti); /* each step's values go: a long scenario must not overflow the stack */
        }
    }
    if (!o->step && lua_getfield(L, sci, "teardown") == LUA_TTABLE) { /* +1 */
        int tdi = lua_gettop(L);
        for (lua_Integer i = 1; !o->step && lua_rawgeti(L, tdi, i) == LUA_TTABLE; i++) { /* +1 */
            const char *status = field_str(L, -1, "status");                             /* +1 */
            if (status && strcmp(status, "failed") == 0) {
                const char *name = field_str(L, -2, "name");                      /* +1 */
                o->step = lua_pushfstring(L, "%s (teardown)", name ? name : "?"); /* stays on the stack */
            } else {
                lua_settop(L, tdi);
            }
        }
    }
    rc = 0;
cleanup:
    if (fp) fclose(fp);
    buf_free(&text);
    return rc;
}
