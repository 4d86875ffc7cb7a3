/* state.c — serve's persisted state; see state.h. */
#include "state.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "buf.h"
#include "failure.h"
#include "json.h"
#include "xalloc.h"

#define STATE_MAX_BYTES (16u * 1024 * 1024) /* far beyond any real config */

struct state_entry *state_find(const struct state *s, const char *key) {
    for (size_t i = 0; i < s->len; i++)
        if (strcmp(s->entries[i].key, key) == 0) return &s->entries[i];
    return NULL;
}

struct state_entry *state_get(struct state *s, const char *key) {
    struct state_entry *e = state_find(s, key);
    if (e) return e;
    if (s->len == s->alloc) {
        s->alloc = s->alloc ? s->alloc * 2 : 16;
        s->entries = xrealloc(s->entries, s->alloc * sizeof *s->entries);
    }
    e = &s->entries[s->len++];
    memset(e, 0, sizeof *e);
    e->key = xstrdup(key);
    return e;
}

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

void state_set_pending(struct state_entry *e, int event, const struct state_pending_text *t) {
    static const struct state_pending_text none;
    if (event < 0 || !t) {
        event = -1;
        t = &none;
    }
    free(e->pending_step);
    free(e->pending_kind);
    free(e->pending_message);
    free(e->pending_run_id);
    free(e->pending_trace_id);
    free(e->pending_artifacts_url);
    e->pending_event = event + 1;
    e->pending_step = dup_or_null(t->step);
    e->pending_kind = dup_or_null(t->kind);
    e->pending_message = dup_or_null(t->message);
    e->pending_run_id = dup_or_null(t->run_id);
    e->pending_trace_id = dup_or_null(t->trace_id);
    e->pending_artifacts_url = dup_or_null(t->artifacts_url);
}

void state_set_incident_labels(struct state_entry *e, const char *step, const char *kind) {
    free(e->incident_step);
    free(e->incident_kind);
    e->incident_step = dup_or_null(step);
    e->incident_kind = dup_or_null(kind);
}

void state_free(struct state *s) {
    for (size_t i = 0; i < s->len; i++) {
        state_set_pending(&s->entries[i], -1, NULL);
        state_set_incident_labels(&s->entries[i], NULL, NULL);
        free(s->entries[i].key);
    }
    free(s->entries);
    memset(s, 0, sizeof *s);
}

static int64_t field_int(lua_State *L, int idx, const char *name) {
    int64_t v;
    lua_getfield(L, idx, name); /* +1 */
    v = lua_isinteger(L, -1) ? (int64_t)lua_tointeger(L, -1) : 0;
    lua_pop(L, 1);
    return v;
}

static const char *field_string(lua_State *L, int idx, const char *name) {
    const char *v;
    lua_getfield(L, idx, name); /* +1 */
    v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    lua_pop(L, 1); /* still referenced by the table */
    return v;
}

static bool field_bool(lua_State *L, int idx, const char *name) {
    bool v;
    lua_getfield(L, idx, name); /* +1 */
    v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

int state_load(const char *path, struct state *s, struct failure *f) {
    struct buf text;
    lua_State *L = NULL;
    FILE *fp = NULL;
    struct failure bad = {0};
    char chunk[4096];
    size_t n;
    int rc = -1;

    state_free(s);
    buf_init(&text, STATE_MAX_BYTES);
    fp = fopen(path, "rb");
    if (!fp) {
        if (errno == ENOENT)
            rc = 0;
        else
            failure_set(f, FAILURE_INTERNAL, "cannot read state file %s: %s", path, strerror(errno));
        goto cleanup;
    }
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (buf_append(&text, chunk, n) != BUF_OK) {
            failure_set(f, FAILURE_INTERNAL, "state file %s is larger than %u bytes", path, STATE_MAX_BYTES);
            goto cleanup;
        }
    }
    if (ferror(fp)) {
        failure_set(f, FAILURE_INTERNAL, "cannot read state file %s: %s", path, strerror(errno));
        goto cleanup;
    }
    L = luaL_newstate();
    if (json_decode(L, buf_str(&text), text.len, &bad) != 0) { /* +1 */
        failure_set(f, FAILURE_INTERNAL, "state file %s is not valid JSON: %s", path, bad.message);
        failure_clear(&bad);
        goto cleanup;
    }
    /* lua_getfield on a non-table raises, outside any pcall: check first. */
    if (!lua_istable(L, 1) || lua_getfield(L, 1, "checks") != LUA_TTABLE) { /* +1 */
        failure_set(f, FAILURE_INTERNAL, "state file %s has no \"checks\" object", path);
        goto cleanup;
    }
    lua_pushnil(L);
    while (lua_next(L, 2)) { /* key, value */
        if (lua_type(L, -2) == LUA_TSTRING && lua_istable(L, -1)) {
            struct state_entry *e = state_get(s, lua_tostring(L, -2));
            e->failing = field_bool(L, -1, "failing");
            e->incident = field_bool(L, -1, "incident");
            e->consecutive = (int)field_int(L, -1, "consecutive");
            e->incident_since = field_int(L, -1, "incident_since");
            e->last_alert = field_int(L, -1, "last_alert");
            e->last_success = field_int(L, -1, "last_success");
            e->last_ping = field_int(L, -1, "last_ping");
            state_set_incident_labels(e, field_string(L, -1, "incident_step"), field_string(L, -1, "incident_kind"));
            int pending = (int)field_int(L, -1, "pending_event");
            struct state_pending_text t = {.step = field_string(L, -1, "pending_step"),
                                           .kind = field_string(L, -1, "pending_kind"),
                                           .message = field_string(L, -1, "pending_message"),
                                           .run_id = field_string(L, -1, "pending_run_id"),
                                           .trace_id = field_string(L, -1, "pending_trace_id"),
                                           .artifacts_url = field_string(L, -1, "pending_artifacts_url")};
            if (pending > 0) state_set_pending(e, pending - 1, &t);
        }
        lua_pop(L, 1); /* value */
    }
    rc = 0;

cleanup:
    if (fp) fclose(fp);
    if (L) lua_close(L);
    buf_free(&text);
    return rc;
}

static void put_opt(struct buf *out, const char *key, const char *value) {
    if (!value) return;
    buf_printf(out, ",\"%s\":", key);
    json_write_string(out, value, strlen(value));
}

static void format_state(const struct state *s, struct buf *out) {
    buf_puts(out, "{\"version\":1,\"checks\":{");
    for (size_t i = 0; i < s->len; i++) {
        const struct state_entry *e = &s->entries[i];
        if (i) buf_puts(out, ",");
        buf_puts(out, "\n");
        json_write_string(out, e->key, strlen(e->key));
        buf_printf(out,
                   ":{\"failing\":%s,\"incident\":%s,\"consecutive\":%d,\"incident_since\":%lld,"
                   "\"last_alert\":%lld,\"last_success\":%lld,\"last_ping\":%lld",
                   e->failing ? "true" : "false", e->incident ? "true" : "false", e->consecutive,
                   (long long)e->incident_since, (long long)e->last_alert, (long long)e->last_success,
                   (long long)e->last_ping);
        put_opt(out, "incident_step", e->incident_step);
        put_opt(out, "incident_kind", e->incident_kind);
        if (e->pending_event) {
            buf_printf(out, ",\"pending_event\":%d", e->pending_event);
            put_opt(out, "pending_step", e->pending_step);
            put_opt(out, "pending_kind", e->pending_kind);
            put_opt(out, "pending_message", e->pending_message);
            put_opt(out, "pending_run_id", e->pending_run_id);
            put_opt(out, "pending_trace_id", e->pending_trace_id);
            put_opt(out, "pending_artifacts_url", e->pending_artifacts_url);
        }
        buf_puts(out, "}");
    }
    buf_puts(out, "\n}}\n");
}

int state_save(const char *path, const struct state *s, struct failure *f) {
    struct buf text;
    int rc;
    buf_init(&text, 0);
    format_state(s, &text);
    rc = atomic_file_write(path, buf_str(&text), text.len, 0600, "state file", f);
    buf_free(&text);
    return rc;
}
