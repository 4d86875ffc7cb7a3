/* vars.c — --var and --vars-file; see vars.h. */
#include "vars.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "redact.h"
#include "xalloc.h"

static int valid_name(const char *s, size_t len) {
    if (len == 0 || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'))) return 0;
    for (size_t i = 1; i < len; i++)
        if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

int vars_add(struct strlist *vars, const char *kv, struct failure *f) {
    const char *eq = strchr(kv, '=');
    if (!eq || !valid_name(kv, (size_t)(eq - kv)))
        return failure_set(f, FAILURE_SCRIPT,
                           "invalid --var '%s': expected NAME=VALUE with NAME made of letters, digits and _", kv);
    char *name = xstrndup(kv, (size_t)(eq - kv));
    if (redact_name_is_secret(name)) redact_add_secret(eq + 1);
    free(name);
    strlist_push(vars, kv);
    return 0;
}

static int read_file(const char *path, struct buf *out) {
    FILE *fp = fopen(path, "rb");
    char chunk[4096];
    size_t n;
    if (!fp) return -1;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) buf_append(out, chunk, n);
    int err = ferror(fp);
    fclose(fp);
    return err ? -1 : 0;
}

/* The member at the top of L's stack, under its key: one NAME=VALUE. */
static int add_member(lua_State *L, struct strlist *vars, const char *path, struct failure *f) {
    size_t klen = 0, vlen = 0;
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &klen) : NULL;
    const char *value = lua_isstring(L, -1) ? lua_tolstring(L, -1, &vlen) : NULL;
    struct buf kv;
    int rc;
    if (!key) return failure_set(f, FAILURE_SCRIPT, "--vars-file %s: expected a JSON object (names to values)", path);
    if (!(lua_isstring(L, -1) || lua_isboolean(L, -1)))
        return failure_set(f, FAILURE_SCRIPT, "--vars-file %s: values must be strings, numbers or booleans", path);
    /* "A=B" would set A, and so would "A\u0000B": refused, not misread */
    if (!valid_name(key, klen))
        return failure_set(f, FAILURE_SCRIPT, "--vars-file %s: '%s' is not a name (letters, digits and _)", path, key);
    if (value && strlen(value) != vlen)
        return failure_set(f, FAILURE_SCRIPT, "--vars-file %s: the value of %s contains a NUL byte", path, key);
    buf_init(&kv, 0);
    buf_printf(&kv, "%s=%s", key, lua_isboolean(L, -1) ? (lua_toboolean(L, -1) ? "true" : "false") : value);
    rc = vars_add(vars, buf_str(&kv), f);
    buf_free(&kv);
    return rc;
}

static int add_json(struct strlist *vars, const char *path, const struct buf *text, struct failure *f) {
    lua_State *L = luaL_newstate();
    char err[256];
    int rc = 0;
    if (!L) return failure_set(f, FAILURE_INTERNAL, "--vars-file %s: out of memory", path);
    if (json_decode(L, buf_str(text), text->len, err, sizeof err) != 0) {
        rc = failure_set(f, FAILURE_SCRIPT, "--vars-file %s: invalid JSON: %s", path, err);
    } else if (!lua_istable(L, -1)) {
        rc = failure_set(f, FAILURE_SCRIPT, "--vars-file %s: expected a JSON object", path);
    } else {
        lua_pushnil(L);                      /* object, nil */
        while (rc == 0 && lua_next(L, -2)) { /* object, key, value */
            rc = add_member(L, vars, path, f);
            lua_pop(L, 1); /* object, key */
        }
    }
    lua_close(L);
    return rc;
}

/* NAME=VALUE per line; blank lines and # comments ignored; "export " and
 * surrounding quotes accepted. */
static int add_env(struct strlist *vars, const char *path, struct buf *text, struct failure *f) {
    int lineno = 0;
    for (char *line = text->data, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        while (*line == ' ' || *line == '\t') line++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' ')) line[--n] = '\0';
        if (*line == '\0' || *line == '#') continue;
        if (strncmp(line, "export ", 7) == 0) line += 7;
        char *eq = strchr(line, '=');
        size_t vlen = eq ? strlen(eq + 1) : 0;
        if (vlen >= 2 && (eq[1] == '"' || eq[1] == '\'') && eq[vlen] == eq[1]) {
            eq[vlen] = '\0'; /* drop the closing quote, then the opening one */
            memmove(eq + 1, eq + 2, vlen - 1);
        }
        if (!eq || !valid_name(line, (size_t)(eq - line)))
            return failure_set(f, FAILURE_SCRIPT, "%s:%d: expected NAME=VALUE", path, lineno);
        if (vars_add(vars, line, f) != 0) return -1;
    }
    return 0;
}

int vars_add_file(struct strlist *vars, const char *path, struct failure *f) {
    struct buf text;
    size_t plen = strlen(path);
    int rc;
    buf_init(&text, 0);
    if (read_file(path, &text) != 0) {
        rc = failure_set(f, FAILURE_SCRIPT, "cannot read --vars-file %s: %s", path, strerror(errno));
    } else if (text.len && memchr(text.data, '\0', text.len)) {
        /* lines are C strings: what follows a NUL would be dropped silently */
        rc = failure_set(f, FAILURE_SCRIPT, "--vars-file %s: contains a NUL byte (not a text file?)", path);
    } else if (plen > 5 && strcmp(path + plen - 5, ".json") == 0) {
        rc = add_json(vars, path, &text, f);
    } else {
        rc = add_env(vars, path, &text, f);
    }
    buf_free(&text);
    return rc;
}
