/* serve_config.c — reading the serve configuration; see serve_config.h.
 *
 * The whole read runs inside one protected Lua call: a bad value raises a
 * Lua error naming where it is, and whatever was already stored in cfg is
 * freed by serve_config_free, so there is one unwind path. */
#include "serve_config.h"

#include <errno.h>
#include <lauxlib.h>
#include <libgen.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "duration.h"
#include "prom.h"
#include "redact.h"
#include "xalloc.h"

#define DEFAULT_RUN_TIMEOUT_MS (5 * 60 * 1000)

struct reader {
    struct serve_config *cfg;
    const char *dir; /* the config file's directory */
};

#define UNSET_ENV_KEY "telltale.unset_env" /* registry: names os.getenv found unset, in order */

/* os.getenv as the config sees it: the same, but a name that is not set
 * is remembered, so that `slack = os.getenv("SLACK_WEBHOOK_URL")` left
 * empty can be explained by the variable, not by a missing key. */
static int config_getenv(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    const char *value = getenv(name);
    if (value) {
        lua_pushstring(L, value);
        return 1;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, UNSET_ENV_KEY); /* name, list */
    lua_pushvalue(L, 1);                               /* name, list, name */
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pushnil(L);
    return 1;
}

/* ", probably because os.getenv(\"A\") returned nil (A is not set)" for the
 * variables the config read that were unset, or "" */
static const char *unset_env_hint(lua_State *L) {
    luaL_Buffer b;
    lua_Integer n;
    int list;
    lua_getfield(L, LUA_REGISTRYINDEX, UNSET_ENV_KEY); /* list */
    list = lua_gettop(L);
    n = (lua_Integer)lua_rawlen(L, list);
    luaL_buffinit(L, &b);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, list, i); /* list, <buffer>, name */
        const char *name = lua_tostring(L, -1);
        lua_pop(L, 1);
        luaL_addstring(&b, i == 1 ? ": its value is probably nil because os.getenv(\"" : ", os.getenv(\"");
        luaL_addstring(&b, name);
        luaL_addstring(&b, "\")");
    }
    if (n > 0) luaL_addstring(&b, n == 1 ? " returned nil (the variable is not set)" : " returned nil (not set)");
    luaL_pushresult(&b); /* list, hint */
    return lua_tostring(L, -1);
}

/* Raise unless every key of the table at idx is in allowed. */
static void check_keys(lua_State *L, int idx, const char *where, const char *const *allowed) {
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) { /* key, value */
        bool ok = false;
        if (lua_type(L, -2) == LUA_TSTRING)
            for (const char *const *a = allowed; *a; a++) ok = ok || strcmp(*a, lua_tostring(L, -2)) == 0;
        if (!ok) luaL_error(L, "%s: unknown key '%s'", where, luaL_tolstring(L, -2, NULL));
        lua_pop(L, 1);
    }
}

/* The duration at field name of table idx into *ms; false if absent. */
static bool get_duration(lua_State *L, int idx, const char *name, const char *where, int64_t *ms) {
    char err[200];
    int rc = 0;
    int t = lua_getfield(L, idx, name); /* +1 */
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return false;
    }
    if (t == LUA_TNUMBER)
        rc = duration_from_seconds(lua_tonumber(L, -1), ms, err, sizeof err);
    else if (t == LUA_TSTRING)
        rc = duration_parse(lua_tostring(L, -1), ms, err, sizeof err);
    else
        luaL_error(L, "%s: %s must be a duration like \"30s\"", where, name);
    if (rc != 0) luaL_error(L, "%s: %s: %s", where, name, err);
    lua_pop(L, 1);
    return true;
}

static const char *get_string(lua_State *L, int idx, const char *name, const char *where) {
    int t = lua_getfield(L, idx, name); /* +1, left for the caller's lifetime of the string */
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return NULL;
    }
    if (t != LUA_TSTRING) luaL_error(L, "%s: %s must be a string", where, name);
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1); /* still referenced by the table */
    return s;
}

static int get_int(lua_State *L, int idx, const char *name, const char *where, int dflt, int min) {
    int t = lua_getfield(L, idx, name); /* +1 */
    int v = dflt;
    if (t != LUA_TNIL) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < min || lua_tointeger(L, -1) > 1000000)
            luaL_error(L, "%s: %s must be an integer >= %d", where, name, min);
        v = (int)lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

/* Resolve a relative path against the config file's directory. */
static char *resolve(const struct reader *r, const char *path) {
    if (path[0] == '/' || strcmp(r->dir, ".") == 0) return xstrdup(path);
    size_t n = strlen(r->dir) + strlen(path) + 2;
    char *out = xmalloc(n);
    snprintf(out, n, "%s/%s", r->dir, path);
    return out;
}

/* vars = { NAME = "value" } into l as NAME=VALUE; secret-looking names
 * are registered for redaction in serve's own output too. */
static void read_vars(lua_State *L, int idx, const char *where, struct strlist *l) {
    if (lua_getfield(L, idx, "vars") == LUA_TNIL) { /* +1 */
        lua_pop(L, 1);
        return;
    }
    if (!lua_istable(L, -1)) luaL_error(L, "%s: vars must be a table of NAME = value", where);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -2) != LUA_TSTRING ||
            !(lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER || lua_type(L, -1) == LUA_TBOOLEAN))
            luaL_error(L, "%s: vars must map names to strings, numbers or booleans", where);
        const char *k = lua_tostring(L, -2);
        const char *v = lua_isboolean(L, -1) ? (lua_toboolean(L, -1) ? "true" : "false") : lua_tostring(L, -1);
        size_t n = strlen(k) + strlen(v) + 2;
        char *kv = xmalloc(n);
        snprintf(kv, n, "%s=%s", k, v);
        strlist_push(l, kv);
        free(kv);
        if (redact_name_is_secret(k)) redact_add_secret(v);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static void read_alert_names(lua_State *L, int idx, const char *where, struct strlist *l) {
    int t = lua_getfield(L, idx, "alerts"); /* +1 */
    if (t == LUA_TSTRING)
        strlist_push(l, lua_tostring(L, -1));
    else if (t == LUA_TTABLE)
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) { /* +1 */
            strlist_push(l, lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    else if (t != LUA_TNIL)
        luaL_error(L, "%s: alerts must be a route name or a list of them", where);
    if (t == LUA_TTABLE) lua_pop(L, 1); /* the non-string that ended the list */
    lua_pop(L, 1);
}

static const char *const scenario_keys[] = {
    "name", "path", "every", "cron", "jitter", "timeout", "vars", "alerts", "failures_before_alert", "renotify", NULL};

static void read_scenario(lua_State *L, struct reader *r, int idx, size_t i) {
    struct serve_scenario_conf *c = &r->cfg->scenarios[i];
    char where[64], err[200];
    const char *path, *name, *cron;
    int64_t every = 0;

    snprintf(where, sizeof where, "scenarios[%zu]", i + 1);
    if (!lua_istable(L, idx)) luaL_error(L, "%s must be a table { path =, every = }", where);
    check_keys(L, idx, where, scenario_keys);
    path = get_string(L, idx, "path", where);
    if (!path) luaL_error(L, "%s: path is required", where);
    c->path = resolve(r, path);
    name = get_string(L, idx, "name", where);
    if (name) {
        c->name = xstrdup(name);
    } else {
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        size_t n = strlen(base);
        c->name = xstrndup(base, n > 4 && strcmp(base + n - 4, ".lua") == 0 ? n - 4 : n);
    }
    for (size_t j = 0; j < i; j++)
        if (strcmp(r->cfg->scenarios[j].name, c->name) == 0)
            luaL_error(L, "%s: a second scenario named '%s' (names key the state and the metrics)", where, c->name);
    cron = get_string(L, idx, "cron", where);
    bool has_every = get_duration(L, idx, "every", where, &every);
    if (has_every == (cron != NULL))
        luaL_error(L, "%s: give exactly one of every = \"1m\" or cron = \"*/5 * * * *\"", where);
    if (cron) {
        if (cron_parse(cron, &c->cron, err, sizeof err) != 0) luaL_error(L, "%s: cron: %s", where, err);
        c->has_cron = true;
        c->schedule = xstrdup(cron);
    } else {
        if (every < 1000) luaL_error(L, "%s: every must be at least 1s", where);
        c->every_ms = every;
        c->schedule = xstrdup(lua_pushfstring(L, "every %I", (lua_Integer)every)); /* +1 */
        lua_pop(L, 1);
    }
    get_duration(L, idx, "jitter", where, &c->jitter_ms);
    if (!get_duration(L, idx, "timeout", where, &c->timeout_ms))
        c->timeout_ms = every && every < DEFAULT_RUN_TIMEOUT_MS ? every : DEFAULT_RUN_TIMEOUT_MS;
    if (c->timeout_ms < 1) luaL_error(L, "%s: timeout must be positive", where);
    read_vars(L, 1, "vars", &c->vars); /* the config's own vars first: the scenario's win */
    read_vars(L, idx, where, &c->vars);
    read_alert_names(L, idx, where, &c->alerts);
    c->failures_before_alert = get_int(L, idx, "failures_before_alert", where, 1, 1);
    get_duration(L, idx, "renotify", where, &c->renotify_ms);
}

static const char *const heartbeat_keys[] = {"name",     "period", "grace", "alerts", "failures_before_alert",
                                             "renotify", NULL};

static bool valid_name(const char *s) {
    if (!*s) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

static void read_heartbeat(lua_State *L, struct reader *r, int idx, size_t i) {
    struct serve_heartbeat_conf *h = &r->cfg->heartbeats[i];
    char where[64];
    const char *name;
    snprintf(where, sizeof where, "heartbeats[%zu]", i + 1);
    if (!lua_istable(L, idx)) luaL_error(L, "%s must be a table { name =, period = }", where);
    check_keys(L, idx, where, heartbeat_keys);
    name = get_string(L, idx, "name", where);
    if (!name || !valid_name(name)) luaL_error(L, "%s: name is required: letters, digits, '.', '_', '-'", where);
    h->name = xstrdup(name);
    for (size_t j = 0; j < i; j++)
        if (strcmp(r->cfg->heartbeats[j].name, name) == 0)
            luaL_error(L, "%s: a second heartbeat named '%s'", where, name);
    if (!get_duration(L, idx, "period", where, &h->period_ms) || h->period_ms < 1000)
        luaL_error(L, "%s: period is required (at least 1s)", where);
    get_duration(L, idx, "grace", where, &h->grace_ms);
    read_alert_names(L, idx, where, &h->alerts);
    h->failures_before_alert = get_int(L, idx, "failures_before_alert", where, 1, 1);
    get_duration(L, idx, "renotify", where, &h->renotify_ms);
}

static const char *const route_keys[] = {"slack", "webhook", "exec", "alertmanager", "labels", "resend", NULL};

/* The labels Alertmanager routes and groups on that telltale sets itself. */
static const char *const reserved_labels[] = {"alertname", "scenario", "heartbeat", "step",
                                              "kind",      "location", "instance",  NULL};

static void check_url(lua_State *L, const char *url, const char *where) {
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        luaL_error(L, "%s: the URL must start with http:// or https://", where);
}

/* alertmanager = URL or { URL, ... } (a cluster: each gets every alert),
 * labels = { name = "value" }, resend = "1m": the route at -1. */
static void read_alertmanager(lua_State *L, struct alert_route *rt, const char *where) {
    int t = lua_getfield(L, -1, "alertmanager"); /* +1 */
    lua_Integer n = t == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, -1) : t == LUA_TSTRING;
    if (n < 1) luaL_error(L, "%s: alertmanager must be a URL or a list of URLs (every member of the cluster)", where);
    rt->type = ALERT_ALERTMANAGER;
    rt->urls = xcalloc((size_t)n + 1, sizeof *rt->urls);
    for (lua_Integer i = 1; i <= n; i++) {
        if (t == LUA_TTABLE && lua_rawgeti(L, -1, i) != LUA_TSTRING) /* +1 */
            luaL_error(L, "%s: alertmanager[%d] must be a URL string", where, (int)i);
        check_url(L, lua_tostring(L, -1), where);
        rt->urls[i - 1] = xstrdup(lua_tostring(L, -1));
        if (t == LUA_TTABLE) lua_pop(L, 1);
    }
    lua_pop(L, 1);
    t = lua_getfield(L, -1, "labels"); /* +1 */
    if (t == LUA_TTABLE) {
        size_t k = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) k++, lua_pop(L, 1);
        rt->labels = xcalloc(2 * k + 1, sizeof *rt->labels);
        k = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) { /* name, value */
            const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            bool ok = name && ((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') || *name == '_');
            for (const char *c = name; ok && *c; c++)
                ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_';
            if (!ok)
                luaL_error(L, "%s: labels: '%s' is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)", where,
                           luaL_tolstring(L, -2, NULL));
            for (const char *const *r = reserved_labels; *r; r++)
                if (strcmp(*r, name) == 0) luaL_error(L, "%s: labels: '%s' is set by telltale itself", where, name);
            if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s: labels.%s must be a string", where, name);
            rt->labels[k++] = xstrdup(name);
            rt->labels[k++] = xstrdup(lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    } else if (t != LUA_TNIL) {
        luaL_error(L, "%s: labels must be a table { team = \"web\" }", where);
    }
    lua_pop(L, 1);
    rt->resend_ms = 60000; /* Prometheus's --rules.alert.resend-delay */
    if (get_duration(L, -1, "resend", where, &rt->resend_ms) && rt->resend_ms < 1000)
        luaL_error(L, "%s: resend must be at least 1s", where);
}

static void read_route(lua_State *L, struct alert_route *rt, const char *name) {
    char where[200];
    snprintf(where, sizeof where, "alerts.%s", name);
    if (!lua_istable(L, -1))
        luaL_error(L, "%s must be a table { slack = URL | webhook = URL | exec = {cmd, ...} | alertmanager = URL }",
                   where);
    check_keys(L, -1, where, route_keys);
    rt->name = xstrdup(name);
    const char *slack = get_string(L, -1, "slack", where), *hook = get_string(L, -1, "webhook", where);
    int has_am = lua_getfield(L, -1, "alertmanager") != LUA_TNIL; /* +1 */
    lua_pop(L, 1);
    int has_exec = lua_getfield(L, -1, "exec") != LUA_TNIL; /* +1 */
    if ((slack != NULL) + (hook != NULL) + has_exec + has_am == 0)
        luaL_error(L, "%s: no slack, webhook, exec or alertmanager%s", where, unset_env_hint(L));
    if ((slack != NULL) + (hook != NULL) + has_exec + has_am != 1)
        luaL_error(L, "%s: give exactly one of slack, webhook, exec, alertmanager", where);
    lua_pop(L, 1); /* exec, read again below */
    if (has_am) {
        read_alertmanager(L, rt, where);
        return;
    }
    /* labels and resend mean nothing to the other routes: a typo of
     * `alertmanager`, or a route changed half-way. */
    if (lua_getfield(L, -1, "labels") != LUA_TNIL || lua_getfield(L, -2, "resend") != LUA_TNIL) /* +1 or +2 */
        luaL_error(L, "%s: labels and resend are options of an alertmanager route", where);
    lua_pop(L, 2);
    lua_getfield(L, -1, "exec"); /* +1 */
    if (slack || hook) {
        const char *url = slack ? slack : hook;
        check_url(L, url, where);
        rt->type = slack ? ALERT_SLACK : ALERT_WEBHOOK;
        rt->url = xstrdup(url);
        redact_add_secret(url); /* a webhook URL is a credential (Slack's hold the token) */
    } else {
        lua_Integer n = lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : 0;
        if (n < 1) luaL_error(L, "%s: exec must be a list { \"command\", \"arg\", ... }", where);
        rt->type = ALERT_EXEC;
        rt->argv = xcalloc((size_t)n + 1, sizeof *rt->argv);
        for (lua_Integer i = 1; i <= n; i++) {
            if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
                luaL_error(L, "%s: exec arguments must be strings", where); /* +1 */
            rt->argv[i - 1] = xstrdup(lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1); /* exec */
}

static const char *const top_keys[] = {
    "scenarios",   "heartbeats",   "alerts",    "state_file", "artifacts_dir", "artifacts_url",
    "alert_retry", "health_grace", "run_grace", "vars",       "location",      "instance",
    NULL};
static const char *const retry_keys[] = {"attempts", "backoff", "timeout", NULL};

/* mkdir -p path (0755). */
static int make_dirs(const char *path, char *err, size_t errlen) {
    char *copy = xstrdup(path);
    int rc = 0;
    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", copy, strerror(errno));
            rc = -1;
            break;
        }
        *p = saved;
        if (saved == '\0') break;
    }
    free(copy);
    return rc;
}

/* Lua: read(reader) with the config table at index 1. */
static int read_config(lua_State *L) {
    struct reader *r = lua_touserdata(L, 2);
    struct serve_config *cfg = r->cfg;
    const char *s;
    char err[300];

    check_keys(L, 1, "config", top_keys);
    if (lua_getfield(L, 1, "alerts") == LUA_TTABLE) { /* +1 */
        lua_pushnil(L);
        while (lua_next(L, -2)) cfg->n_routes++, lua_pop(L, 1);
        cfg->routes = xcalloc(cfg->n_routes + 1, sizeof *cfg->routes);
        size_t i = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "alerts: route names must be strings");
            read_route(L, &cfg->routes[i++], lua_tostring(L, -2));
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "alerts must be a table of named routes");
    }
    lua_pop(L, 1);

    if (lua_getfield(L, 1, "scenarios") == LUA_TTABLE) { /* +1 */
        cfg->n_scenarios = (size_t)lua_rawlen(L, -1);
        cfg->scenarios = xcalloc(cfg->n_scenarios + 1, sizeof *cfg->scenarios);
        for (size_t i = 0; i < cfg->n_scenarios; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i + 1); /* +1 */
            read_scenario(L, r, lua_gettop(L), i);
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "scenarios must be a list of tables");
    }
    lua_pop(L, 1);

    if (lua_getfield(L, 1, "heartbeats") == LUA_TTABLE) { /* +1 */
        cfg->n_heartbeats = (size_t)lua_rawlen(L, -1);
        cfg->heartbeats = xcalloc(cfg->n_heartbeats + 1, sizeof *cfg->heartbeats);
        for (size_t i = 0; i < cfg->n_heartbeats; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i + 1); /* +1 */
            read_heartbeat(L, r, lua_gettop(L), i);
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "heartbeats must be a list of tables");
    }
    lua_pop(L, 1);
    if (cfg->n_scenarios + cfg->n_heartbeats == 0) luaL_error(L, "no scenarios and no heartbeats: nothing to watch");

    /* every alert name used must exist */
    for (size_t i = 0; i < cfg->n_scenarios; i++)
        for (size_t j = 0; j < cfg->scenarios[i].alerts.len; j++)
            if (!serve_config_route(cfg, cfg->scenarios[i].alerts.items[j]))
                luaL_error(L, "scenarios[%d]: no alert route named '%s' in alerts", (int)i + 1,
                           cfg->scenarios[i].alerts.items[j]);
    for (size_t i = 0; i < cfg->n_heartbeats; i++)
        for (size_t j = 0; j < cfg->heartbeats[i].alerts.len; j++)
            if (!serve_config_route(cfg, cfg->heartbeats[i].alerts.items[j]))
                luaL_error(L, "heartbeats[%d]: no alert route named '%s' in alerts", (int)i + 1,
                           cfg->heartbeats[i].alerts.items[j]);

    s = get_string(L, 1, "state_file", "config");
    cfg->state_file = resolve(r, s ? s : "telltale-state.json");
    s = get_string(L, 1, "artifacts_dir", "config");
    if (s) {
        cfg->artifacts_dir = resolve(r, s);
        /* Each run saves under artifacts_dir/<name>/<time>/: the top must
         * exist, or every run would lose its artifacts. */
        if (make_dirs(cfg->artifacts_dir, err, sizeof err) != 0) luaL_error(L, "artifacts_dir: %s", err);
    }
    s = get_string(L, 1, "artifacts_url", "config");
    if (s) cfg->artifacts_url = xstrdup(s);

    cfg->retry.attempts = 5;
    cfg->retry.backoff_ms = 2000;
    cfg->retry.timeout_ms = 10000;
    if (lua_getfield(L, 1, "alert_retry") == LUA_TTABLE) { /* +1 */
        int idx = lua_gettop(L);
        check_keys(L, idx, "alert_retry", retry_keys);
        cfg->retry.attempts = get_int(L, idx, "attempts", "alert_retry", 5, 1);
        get_duration(L, idx, "backoff", "alert_retry", &cfg->retry.backoff_ms);
        get_duration(L, idx, "timeout", "alert_retry", &cfg->retry.timeout_ms);
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "alert_retry must be a table { attempts =, backoff =, timeout = }");
    }
    lua_pop(L, 1);
    cfg->health_grace_ms = 60000;
    get_duration(L, 1, "health_grace", "config", &cfg->health_grace_ms);
    cfg->run_grace_ms = 10000;
    get_duration(L, 1, "run_grace", "config", &cfg->run_grace_ms);
    s = get_string(L, 1, "location", "config");
    if (s) {
        if (prom_check_location(s, err, sizeof err) != 0) luaL_error(L, "%s", err);
        cfg->location = xstrdup(s);
    }
    s = get_string(L, 1, "instance", "config");
    if (s && !*s) luaL_error(L, "instance must not be empty");
    if (s) cfg->instance = xstrdup(s);
    return 0;
}

/* The config runs on the scheduler's thread (at start and on SIGHUP): a
 * loop that never ends there would stall every scenario. */
#define CONFIG_MAX_INSTRUCTIONS 10000000

static void config_too_long(lua_State *L, lua_Debug *ar) {
    (void)ar;
    luaL_error(L, "the configuration did not finish within %d Lua instructions (an endless loop?)",
               CONFIG_MAX_INSTRUCTIONS);
}

int serve_config_load(const char *path, struct serve_config *cfg, char *err, size_t errlen) {
    lua_State *L = luaL_newstate();
    char *copy = xstrdup(path);
    struct reader r = {cfg, dirname(copy)};
    int rc = -1;

    memset(cfg, 0, sizeof *cfg);
    luaL_openlibs(L);
    lua_newtable(L);                                   /* unset */
    lua_setfield(L, LUA_REGISTRYINDEX, UNSET_ENV_KEY); /* */
    lua_getglobal(L, "os");                            /* os */
    lua_pushcfunction(L, config_getenv);               /* os, getenv */
    lua_setfield(L, -2, "getenv");                     /* os */
    lua_pop(L, 1);                                     /* */
    lua_sethook(L, config_too_long, LUA_MASKCOUNT, CONFIG_MAX_INSTRUCTIONS);
    if (luaL_loadfile(L, path) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) { /* +1: chunk result or error */
        snprintf(err, errlen, "%s", lua_tostring(L, -1));
        goto cleanup;
    }
    if (!lua_istable(L, -1)) { /* no `return {...}`: the globals are the config */
        lua_pop(L, 1);
        lua_pushglobaltable(L);
        /* the standard library's globals are not config keys */
        lua_newtable(L); /* +1 */
        for (const char *const *k = top_keys; *k; k++) {
            lua_getfield(L, -2, *k);
            lua_setfield(L, -2, *k);
        }
        lua_remove(L, -2);
    }
    lua_pushcfunction(L, read_config); /* +1 */
    lua_insert(L, -2);
    lua_pushlightuserdata(L, &r); /* +1 */
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        snprintf(err, errlen, "%s: %s", path, lua_tostring(L, -1));
        goto cleanup;
    }
    rc = 0;

cleanup:
    if (rc != 0) serve_config_free(cfg);
    lua_close(L);
    free(copy);
    return rc;
}

void serve_scenario_conf_free(struct serve_scenario_conf *c) {
    free(c->name);
    free(c->path);
    free(c->schedule);
    strlist_free(&c->vars);
    strlist_free(&c->alerts);
    memset(c, 0, sizeof *c);
}

void serve_heartbeat_conf_free(struct serve_heartbeat_conf *c) {
    free(c->name);
    strlist_free(&c->alerts);
    memset(c, 0, sizeof *c);
}

static void copy_list(struct strlist *dst, const struct strlist *src) {
    memset(dst, 0, sizeof *dst);
    for (size_t i = 0; i < src->len; i++) strlist_push(dst, src->items[i]);
}

void serve_scenario_conf_copy(struct serve_scenario_conf *dst, const struct serve_scenario_conf *src) {
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->path = xstrdup(src->path);
    dst->schedule = xstrdup(src->schedule);
    copy_list(&dst->vars, &src->vars);
    copy_list(&dst->alerts, &src->alerts);
}

void serve_heartbeat_conf_copy(struct serve_heartbeat_conf *dst, const struct serve_heartbeat_conf *src) {
    *dst = *src;
    dst->name = xstrdup(src->name);
    copy_list(&dst->alerts, &src->alerts);
}

void serve_config_free(struct serve_config *cfg) {
    for (size_t i = 0; i < cfg->n_scenarios; i++) serve_scenario_conf_free(&cfg->scenarios[i]);
    for (size_t i = 0; i < cfg->n_heartbeats; i++) serve_heartbeat_conf_free(&cfg->heartbeats[i]);
    for (size_t i = 0; i < cfg->n_routes; i++) alert_route_free(&cfg->routes[i]);
    free(cfg->scenarios);
    free(cfg->heartbeats);
    free(cfg->routes);
    free(cfg->state_file);
    free(cfg->artifacts_dir);
    free(cfg->artifacts_url);
    free(cfg->location);
    free(cfg->instance);
    memset(cfg, 0, sizeof *cfg);
}

const struct alert_route *serve_config_route(const struct serve_config *cfg, const char *name) {
    for (size_t i = 0; i < cfg->n_routes; i++)
        if (cfg->routes[i].name && strcmp(cfg->routes[i].name, name) == 0) return &cfg->routes[i];
    return NULL;
}
