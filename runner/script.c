/* script.c — load a scenario file and collect its declarations; see script.h.
 *
 * The declaration functions (scenario, step, teardown) write into a
 * struct scenario_def reachable from the registry while the file's top level
 * runs, and refuse to run at any other time: declaring a step from inside a
 * step would silently never run it. */
#include "script.h"

#include <lauxlib.h>
#include <libgen.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser_lua.h"
#include "core_lua.h"
#include "db_lua.h"
#include "fs_lua.h"
#include "mail_lua.h"
#include "net_lua.h"
#include "embed.h"
#include "engine.h"
#include "html.h"
#include "http_lua.h"
#include "json.h"
#include "loop.h"
#include "opts.h"
#include "redact.h"
#include "sandbox.h"
#include "sched.h"
#include "xalloc.h"

#define DEF_KEY "telltale.def" /* registry: light userdata → scenario_def being declared */
#define LOAD_TIMEOUT_MS 10000  /* a top level that runs longer is a bug, not a scenario */

static struct scenario_def *declaring(lua_State *L, const char *fn) {
    struct scenario_def *def;
    lua_getfield(L, LUA_REGISTRYINDEX, DEF_KEY); /* ..., def? */
    def = lua_touserdata(L, -1);
    lua_pop(L, 1); /* ... */
    if (!def) luaL_error(L, "%s() can only be called at the top level of a scenario file", fn);
    return def;
}

static int current_line(lua_State *L) {
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar)) return ar.currentline;
    return 0;
}

/* scenario{ name =, timeout =, tags = {...} } */
static int script_scenario(lua_State *L) {
    static const struct opts_spec spec[] = {{"name", OPT_STRING, false},
                                            {"timeout", OPT_DURATION, false},
                                            {"tags", OPT_LIST, false},
                                            {"description", OPT_STRING, false},
                                            {NULL, 0, false}};
    struct scenario_def *def = declaring(L, "scenario");
    luaL_checktype(L, 1, LUA_TTABLE);
    opts_check_nargs(L, "scenario", lua_gettop(L), 1);
    opts_check(L, 1, "scenario", spec);
    if (lua_getfield(L, 1, "name") != LUA_TNIL) { /* 1, name */
        if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0)
            return luaL_error(L, "scenario name must be a non-empty string");
        free(def->name);
        def->name = xstrdup(lua_tostring(L, -1));
    }
    lua_pop(L, 1); /* 1 */
    def->timeout_ms = core_opt_duration_field(L, 1, "timeout", def->timeout_ms);
    if (lua_getfield(L, 1, "tags") != LUA_TNIL) { /* 1, tags */
        if (!lua_istable(L, -1)) return luaL_error(L, "scenario tags must be a list of strings");
        strlist_free(&def->tags);
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) { /* 1, tags, tag */
            if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "scenario tags must be a list of strings");
            strlist_push(&def->tags, lua_tostring(L, -1));
            lua_pop(L, 1); /* 1, tags */
        }
        lua_pop(L, 1); /* 1, tags */
    }
    return 0;
}

static void push_step(struct step_def **list, size_t *n, const struct step_def *s) {
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = *s;
}

/* step(name, fn) / step(name, { timeout =, retries =, retry_delay = }, fn) */
static int script_step(lua_State *L) {
    static const struct opts_spec spec[] = {{"timeout", OPT_DURATION, false},
                                            {"retries", OPT_INTEGER, false},
                                            {"retry_delay", OPT_DURATION, false},
                                            {NULL, 0, false}};
    struct scenario_def *def = declaring(L, "step");
    const char *name = luaL_checkstring(L, 1);
    int fn = lua_istable(L, 2) ? 3 : 2;
    struct step_def s = {0};

    if (*name == '\0') return luaL_argerror(L, 1, "step name must not be empty");
    luaL_checktype(L, fn, LUA_TFUNCTION);
    opts_check_nargs(L, "step", lua_gettop(L), fn);
    for (size_t i = 0; i < def->nsteps; i++)
        if (strcmp(def->steps[i].name, name) == 0)
            return luaL_error(L, "duplicate step name '%s' (first declared at line %d)", name, def->steps[i].line);
    s.timeout_ms = SCRIPT_DEFAULT_STEP_TIMEOUT_MS;
    s.retry_delay_ms = SCRIPT_DEFAULT_RETRY_DELAY_MS;
    if (fn == 3) {
        opts_check(L, 2, "step", spec);
        s.timeout_ms = core_opt_duration_field(L, 2, "timeout", s.timeout_ms);
        s.retry_delay_ms = core_opt_duration_field(L, 2, "retry_delay", s.retry_delay_ms);
        lua_getfield(L, 2, "retries"); /* ..., retries */
        if (!lua_isnil(L, -1)) {
            int isint;
            lua_Integer r = lua_tointegerx(L, -1, &isint);
            if (!isint || r < 0 || r > 100) return luaL_error(L, "step option 'retries' must be an integer 0..100");
            s.retries = (int)r;
        }
        lua_pop(L, 1); /* ... */
    }
    s.line = current_line(L);
    lua_pushvalue(L, fn); /* ..., fn */
    s.fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    s.name = xstrdup(name);
    push_step(&def->steps, &def->nsteps, &s);
    return 0;
}

/* teardown(fn) / teardown({ timeout =, name = }, fn) */
static int script_teardown(lua_State *L) {
    static const struct opts_spec spec[] = {
        {"timeout", OPT_DURATION, false}, {"name", OPT_STRING, false}, {NULL, 0, false}};
    struct scenario_def *def = declaring(L, "teardown");
    int fn = lua_istable(L, 1) ? 2 : 1;
    struct step_def s = {0};
    char name[64];

    luaL_checktype(L, fn, LUA_TFUNCTION);
    opts_check_nargs(L, "teardown", lua_gettop(L), fn);
    s.timeout_ms = SCRIPT_DEFAULT_STEP_TIMEOUT_MS;
    snprintf(name, sizeof name, "teardown #%zu", def->nteardowns + 1);
    s.name = NULL;
    if (fn == 2) {
        opts_check(L, 1, "teardown", spec);
        s.timeout_ms = core_opt_duration_field(L, 1, "timeout", s.timeout_ms);
        if (lua_getfield(L, 1, "name") == LUA_TSTRING) s.name = xstrdup(lua_tostring(L, -1)); /* ..., name */
        lua_pop(L, 1);                                                                        /* ... */
    }
    if (!s.name) s.name = xstrdup(name);
    s.line = current_line(L);
    lua_pushvalue(L, fn); /* ..., fn */
    s.fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    push_step(&def->teardowns, &def->nteardowns, &s);
    return 0;
}

/* ---- the state ---- */

/* lib/NAME.lua as bytecode, one entry per embed_files entry: compiled by the
 * first state that requires it, then loaded by every other one.  A run of
 * thousands of scenarios would otherwise parse the same library thousands
 * of times (most of a small scenario's cost). */
struct script_lib {
    struct buf code[64];
};

static int dump_to_buf(lua_State *L, const void *p, size_t len, void *ud) {
    (void)L;
    return buf_append(ud, p, len) == BUF_OK ? 0 : 1;
}

/* Pushes the chunk of ef, compiling it only the first time. */
static int load_lib_chunk(lua_State *L, struct engine *e, const struct embed_file *ef, const char *chunk) {
    size_t i = (size_t)(ef - embed_files);
    struct buf *code;
    if (i >= sizeof e->lib->code / sizeof e->lib->code[0])
        return luaL_loadbufferx(L, (const char *)ef->data, ef->len, chunk, "t");
    if (!e->lib) e->lib = xcalloc(1, sizeof *e->lib);
    code = &e->lib->code[i];
    if (code->len > 0) return luaL_loadbufferx(L, code->data, code->len, chunk, "b");
    if (luaL_loadbufferx(L, (const char *)ef->data, ef->len, chunk, "t") != LUA_OK) return LUA_ERRSYNTAX;
    buf_init(code, 0);
    if (lua_dump(L, dump_to_buf, code, 0) != 0) buf_reset(code); /* compile again next time */
    return LUA_OK;
}

void script_lib_free(struct engine *engine) {
    if (!engine->lib) return;
    for (size_t i = 0; i < sizeof engine->lib->code / sizeof engine->lib->code[0]; i++) buf_free(&engine->lib->code[i]);
    free(engine->lib);
    engine->lib = NULL;
}

/* TELLTALE_LIB, the development override of lib/: read once per process,
 * not at every require of every scenario state. */
static const char *lib_override(void) {
    static const char *dir;
    static bool read;
    if (!read) dir = getenv("TELLTALE_LIB"), read = true;
    return dir;
}

static int load_embedded(lua_State *L) {
    const struct embed_file *ef = lua_touserdata(L, lua_upvalueindex(1));
    struct engine *e = lua_touserdata(L, lua_upvalueindex(2));
    const char *dir = lib_override();
    char chunk[128];
    snprintf(chunk, sizeof chunk, "=[telltale %s]", ef->name);
    if (dir && *dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.lua", dir, ef->name);
        if (luaL_loadfilex(L, path, "t") != LUA_OK) return lua_error(L);
    } else if (load_lib_chunk(L, e, ef, chunk) != LUA_OK) {
        return lua_error(L);
    }
    lua_call(L, 0, 1);
    return 1;
}

/* Each lib/NAME.lua becomes package.preload["telltale.NAME"]. */
static void preload_lib(lua_State *L, struct engine *e) {
    lua_getglobal(L, "package");    /* package */
    lua_getfield(L, -1, "preload"); /* package, preload */
    for (const struct embed_file *ef = embed_files; ef->name; ef++) {
        char name[96];
        snprintf(name, sizeof name, "telltale.%s", ef->name);
        lua_pushlightuserdata(L, (void *)ef);  /* package, preload, ef */
        lua_pushlightuserdata(L, e);           /* package, preload, ef, e */
        lua_pushcclosure(L, load_embedded, 2); /* package, preload, loader */
        lua_setfield(L, -2, name);             /* package, preload */
    }
    lua_pop(L, 2); /* */
}

/* A scenario may require modules that sit next to it. */
static void set_package_path(lua_State *L, const char *file) {
    char *copy = xstrdup(file);
    const char *dir = dirname(copy);
    lua_getglobal(L, "package");                                                   /* package */
    lua_getfield(L, -1, "path");                                                   /* package, path */
    lua_pushfstring(L, "%s/?.lua;%s/lib/?.lua;%s", dir, dir, lua_tostring(L, -1)); /* package, path, new */
    lua_setfield(L, -3, "path");                                                   /* package, path */
    lua_pop(L, 2);                                                                 /* */
    free(copy);
}

/* vars.NAME for a NAME nobody gave: a step that went on with nil would
 * fail later with a message about something else.  Under check/list the
 * top level runs without the real values: the name is recorded and a
 * placeholder stands in, so every var it needs can be listed at once. */
static int vars_index(lua_State *L) {
    const char *name = luaL_tolstring(L, 2, NULL); /* vars, key, name */
    struct scenario_def *def;
    lua_getfield(L, LUA_REGISTRYINDEX, DEF_KEY); /* vars, key, name, def? */
    def = lua_touserdata(L, -1);
    lua_pop(L, 1); /* vars, key, name */
    if (lua_toboolean(L, lua_upvalueindex(1)) && def) {
        bool known = false;
        for (size_t i = 0; i < def->needed_vars.len; i++) known = known || strcmp(def->needed_vars.items[i], name) == 0;
        if (!known) strlist_push(&def->needed_vars, name);
        lua_pushfstring(L, "<vars.%s>", name); /* vars, key, name, placeholder */
        return 1;
    }
    return luaL_error(L, "vars.%s is not set (pass --var %s=... or --vars-file)", name, name);
}

/* vars_get(name [, default]) — an optional var: its value, or default. */
static int vars_get(lua_State *L) {
    luaL_checkstring(L, 1);
    opts_check_nargs(L, "vars_get", lua_gettop(L), 2);
    lua_settop(L, 2);
    if (lua_getglobal(L, "vars") != LUA_TTABLE) { /* name, default, vars */
        lua_settop(L, 2);                         /* name, default */
        return 1;
    }
    lua_pushvalue(L, 1);                                   /* name, default, vars, name */
    if (lua_rawget(L, 3) == LUA_TNIL) lua_pushvalue(L, 2); /* name, default, vars, v[, default] */
    return 1;
}

static void set_vars(lua_State *L, const struct options *opt) {
    lua_newtable(L); /* vars */
    for (size_t i = 0; i < opt->vars.len; i++) {
        const char *kv = opt->vars.items[i];
        const char *eq = strchr(kv, '=');
        lua_pushlstring(L, kv, (size_t)(eq - kv)); /* vars, name */
        lua_pushstring(L, eq + 1);                 /* vars, name, value */
        lua_settable(L, -3);                       /* vars */
    }
    lua_createtable(L, 0, 1);            /* vars, mt */
    lua_pushboolean(L, opt->check_only); /* vars, mt, check_only */
    lua_pushcclosure(L, vars_index, 1);  /* vars, mt, __index */
    lua_setfield(L, -2, "__index");      /* vars, mt */
    lua_setmetatable(L, -2);             /* vars */
    lua_setglobal(L, "vars");            /* */
    lua_pushcfunction(L, vars_get);      /* vars_get */
    lua_setglobal(L, "vars_get");        /* */
}

static void set_run(lua_State *L, const struct engine *e, const struct scenario_def *def) {
    lua_createtable(L, 0, 3);     /* run */
    lua_pushstring(L, e->run_id); /* run, id */
    lua_setfield(L, -2, "id");    /* run */
    lua_pushstring(L, def->file); /* run, file */
    lua_setfield(L, -2, "file");  /* run */
    lua_setglobal(L, "run");      /* */
}

/* telltale's modules, opened on first use (sandbox_lazy_libs); db, mail and
 * html bring their Lua half (lib/db.lua, mail.lua, form.lua) along. */
static const struct sandbox_lib modules[] = {
    {"http", luaopen_http, NULL, NULL},
    {"json", luaopen_json, NULL, NULL},
    {"html", luaopen_html, NULL, "telltale.form"},
    {"db", luaopen_db, NULL, "telltale.db"},
    {"mail", luaopen_mail, NULL, "telltale.mail"},
    {"net", luaopen_net, NULL, NULL},
    {"fs", luaopen_fs, NULL, NULL},
    {"browser", luaopen_browser, NULL, NULL},
    {NULL, NULL, NULL, NULL},
};

static void open_libs(lua_State *L, struct engine *e, const struct scenario_def *def) {
    static const luaL_Reg decl[] = {
        {"scenario", script_scenario}, {"step", script_step}, {"teardown", script_teardown}, {NULL, NULL}};
    sandbox_open_libs(L, e->opt->unsafe_lua);
    task_guard_protected_calls(L);
    core_open(L);
    sandbox_lazy_libs(L, modules);
    lua_pushglobaltable(L);    /* _G */
    luaL_setfuncs(L, decl, 0); /* _G */
    lua_pop(L, 1);             /* */
    set_vars(L, e->opt);
    set_run(L, e, def);
    set_package_path(L, def->file);
    preload_lib(L, e);
}

static char *default_name(const char *file) {
    const char *base = strrchr(file, '/');
    size_t len;
    base = base ? base + 1 : file;
    len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".lua") == 0) len -= 4;
    return xstrndup(base, len);
}

int script_load(struct engine *engine, const char *file, struct task **task_out, struct scenario_def *def,
                struct failure *f) {
    size_t cap = engine->opt->max_memory ? engine->opt->max_memory : SANDBOX_DEFAULT_MAX_MEMORY;
    lua_State *L = sandbox_newstate(cap);
    struct task *t;
    struct strlist needed;
    int status;

    memset(def, 0, sizeof *def);
    *task_out = NULL;
    if (!L) return failure_set(f, FAILURE_INTERNAL, "cannot create a Lua state: out of memory");
    def->file = xstrdup(file);
    def->name = default_name(file);
    def->timeout_ms = SCRIPT_DEFAULT_SCENARIO_TIMEOUT_MS;
    t = task_new(engine, L, file);
    open_libs(L, engine, def);

    /* The prelude installs expect, eventually and the http shorthands. */
    lua_getglobal(L, "require");           /* require */
    lua_pushstring(L, "telltale.prelude"); /* require, name */
    if (task_pcall(t, 1, 0, loop_clock_ms() + LOAD_TIMEOUT_MS, f) != 0) {
        char *why = xstrdup(f->message);
        failure_set(f, FAILURE_INTERNAL, "cannot load telltale's Lua library: %s", why);
        free(why);
        goto fail;
    }

    status = luaL_loadfilex(L, file, "t"); /* chunk or error */
    if (status != LUA_OK) {
        /* Lua's own message already says "file:line: what" or "cannot open". */
        failure_set(f, FAILURE_SCRIPT, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        goto fail;
    }
    lua_pushlightuserdata(L, def);               /* chunk, def */
    lua_setfield(L, LUA_REGISTRYINDEX, DEF_KEY); /* chunk */
    status = task_pcall(t, 0, 0, loop_clock_ms() + LOAD_TIMEOUT_MS, f);
    lua_pushnil(L);                              /* nil */
    lua_setfield(L, LUA_REGISTRYINDEX, DEF_KEY); /* */
    if (status != 0) {
        /* Put file:line in front, as Lua does for syntax errors. */
        if (f->where && f->kind == FAILURE_SCRIPT && strncmp(f->message, f->where, strlen(f->where)) != 0) {
            char *msg = f->message;
            struct buf b;
            buf_init(&b, 0);
            buf_printf(&b, "%s: %s", f->where, msg);
            free(msg);
            f->message = buf_take(&b);
        }
        goto fail;
    }
    if (def->nsteps == 0) {
        failure_set(f, FAILURE_SCRIPT, "%s: declares no steps (use step(name, fn))", file);
        goto fail;
    }
    lua_pushstring(L, def->name);    /* name */
    lua_getglobal(L, "run");         /* name, run */
    lua_insert(L, -2);               /* run, name */
    lua_setfield(L, -2, "scenario"); /* run */
    lua_pop(L, 1);                   /* */
    *task_out = t;
    return 0;
fail:
    task_free(t);
    needed = def->needed_vars; /* what check lists, even when loading failed */
    memset(&def->needed_vars, 0, sizeof def->needed_vars);
    script_def_free(def);
    def->needed_vars = needed;
    return -1;
}

static void free_steps(struct step_def *list, size_t n) {
    for (size_t i = 0; i < n; i++) free(list[i].name);
    free(list);
}

void script_def_free(struct scenario_def *def) {
    free(def->file);
    free(def->name);
    strlist_free(&def->tags);
    strlist_free(&def->needed_vars);
    free_steps(def->steps, def->nsteps);
    free_steps(def->teardowns, def->nteardowns);
    memset(def, 0, sizeof *def);
}

bool script_def_has_tag(const struct scenario_def *def, const struct strlist *tags) {
    if (tags->len == 0) return true;
    for (size_t i = 0; i < tags->len; i++)
        for (size_t j = 0; j < def->tags.len; j++)
            if (strcmp(tags->items[i], def->tags.items[j]) == 0) return true;
    return false;
}
