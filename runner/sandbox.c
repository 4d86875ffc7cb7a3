/* sandbox.c — the scenario's Lua state and libraries; see sandbox.h.
 *
 * The libraries are opened as Lua ships them, then trimmed in place: the
 * tables stay the ones in package.loaded, so `require "os"` finds the same
 * trimmed table as the global.  Where a function is only half dangerous
 * (load, io.open) a wrapper calls the original with the safe arguments. */
#include "sandbox.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_lua.h"
#include "failure.h"
#include "xalloc.h"

struct mem {
    size_t used, limit;
    bool exceeded; /* a request was refused for the cap */
};

/* Lua's allocator contract (lua_Alloc): ptr NULL means osize is a type tag,
 * nsize 0 means free.  A refused request makes Lua collect and ask again,
 * or raise "not enough memory" (lauxlib's buffers raise it at once); the
 * flag is read only with that error in hand, so a retry that succeeded
 * after a collection does no harm. */
static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    struct mem *m = ud;
    size_t old = ptr ? osize : 0;
    void *p;
    if (nsize == 0) {
        free(ptr);
        m->used -= old;
        return NULL;
    }
    if (nsize > old && m->used - old + nsize > m->limit) {
        m->exceeded = true;
        return NULL;
    }
    p = realloc(ptr, nsize);
    if (!p) return NULL;
    m->used = m->used - old + nsize;
    return p;
}

/* As lauxlib's: an error outside any protected call ends the process with
 * the message, which is a telltale bug, never a scenario's. */
static int panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "telltale: PANIC: unprotected error in Lua: %s\n", msg ? msg : "(not a string)");
    return 0;
}

/* warn() goes nowhere, as with lauxlib's default ("@on" is not offered):
 * a scenario reports through log(). */
static void no_warnings(void *ud, const char *msg, int tocont) {
    (void)ud;
    (void)msg;
    (void)tocont;
}

lua_State *sandbox_newstate(size_t max_bytes) {
    struct mem *m = xcalloc(1, sizeof *m);
    lua_State *L;
    m->limit = max_bytes;
    L = lua_newstate(counting_alloc, m);
    if (!L) {
        free(m);
        return NULL;
    }
    lua_atpanic(L, panic);
    lua_setwarnf(L, no_warnings, NULL);
    return L;
}

void sandbox_close(lua_State *L) {
    void *ud;
    if (!L) return;
    lua_getallocf(L, &ud);
    lua_close(L);
    free(ud);
}

bool sandbox_take_memory_exceeded(lua_State *L, size_t *max_bytes) {
    void *ud;
    struct mem *m;
    bool was;
    if (lua_getallocf(L, &ud) != counting_alloc) return false;
    m = ud;
    was = m->exceeded;
    m->exceeded = false;
    if (max_bytes) *max_bytes = m->limit;
    return was;
}

bool sandbox_is_memory_error(lua_State *L, int idx) {
    const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : NULL;
    return s && strcmp(s, "not enough memory") == 0;
}

/* ---- text-only loading ---- */

/* load(chunk [, chunkname [, mode [, env]]]): the original, with mode "t". */
static int sandbox_load(lua_State *L) {
    bool env = lua_gettop(L) >= 4;         /* load tells an absent env from a nil one */
    lua_settop(L, 4);                      /* chunk, name, mode, env */
    lua_pushvalue(L, lua_upvalueindex(1)); /* chunk, name, mode, env, load */
    lua_pushvalue(L, 1);                   /* ..., load, chunk */
    lua_pushvalue(L, 2);                   /* ..., load, chunk, name */
    lua_pushliteral(L, "t");               /* ..., load, chunk, name, "t" */
    if (env) lua_pushvalue(L, 4);          /* ..., load, chunk, name, "t", env */
    lua_call(L, env ? 4 : 3, LUA_MULTRET); /* chunk, name, mode, env, results... */
    return lua_gettop(L) - 4;
}

/* loadfile(filename [, mode [, env]]) in text mode; the file is required
 * (no filename would read standard input). */
static int sandbox_loadfile(lua_State *L) {
    const char *fname = luaL_checkstring(L, 1);
    int env = !lua_isnone(L, 3) ? 3 : 0;
    if (luaL_loadfilex(L, fname, "t") != LUA_OK) { /* ..., error */
        luaL_pushfail(L);                          /* ..., error, fail */
        lua_insert(L, -2);                         /* ..., fail, error */
        return 2;
    }
    if (env) {
        lua_pushvalue(L, env);                        /* ..., chunk, env */
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1); /* ..., chunk */
    }
    return 1;
}

static int dofile_continue(lua_State *L, int status, lua_KContext ctx) {
    (void)status;
    (void)ctx;
    return lua_gettop(L) - 1;
}

/* dofile(filename) in text mode; the callee may yield (lua_callk). */
static int sandbox_dofile(lua_State *L) {
    const char *fname = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    if (luaL_loadfilex(L, fname, "t") != LUA_OK) return lua_error(L); /* fname, chunk */
    lua_callk(L, 0, LUA_MULTRET, 0, dofile_continue);                 /* fname, results... */
    return dofile_continue(L, LUA_OK, 0);
}

/* package.searchers[2], in text mode: the module's file on package.path. */
static int searcher_text(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    const char *filename;
    lua_getfield(L, lua_upvalueindex(1), "searchpath"); /* name, searchpath */
    lua_pushvalue(L, 1);                                /* name, searchpath, name */
    lua_getfield(L, lua_upvalueindex(1), "path");       /* name, searchpath, name, path */
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "'package.path' must be a string");
    lua_call(L, 2, 2);              /* name, filename | fail, err */
    if (lua_isnil(L, -2)) return 1; /* name, fail, err: why it was not found */
    lua_pop(L, 1);                  /* name, filename */
    filename = lua_tostring(L, -1);
    if (luaL_loadfilex(L, filename, "t") != LUA_OK) /* name, filename, error */
        return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, filename, lua_tostring(L, -1));
    lua_insert(L, -2); /* name, loader, filename */
    return 2;
}

static void trim_package(lua_State *L) {
    lua_getglobal(L, "package"); /* package */
    lua_pushnil(L);              /* package, nil */
    lua_setfield(L, -2, "loadlib");
    lua_pushliteral(L, ""); /* package, "" */
    lua_setfield(L, -2, "cpath");
    lua_createtable(L, 2, 0);              /* package, searchers */
    lua_getfield(L, -2, "searchers");      /* package, searchers, old */
    lua_rawgeti(L, -1, 1);                 /* package, searchers, old, preload searcher */
    lua_rawseti(L, -3, 1);                 /* package, searchers, old */
    lua_pop(L, 1);                         /* package, searchers */
    lua_pushvalue(L, -2);                  /* package, searchers, package */
    lua_pushcclosure(L, searcher_text, 1); /* package, searchers, searcher */
    lua_rawseti(L, -2, 2);                 /* package, searchers */
    lua_setfield(L, -2, "searchers");      /* package */
    lua_pop(L, 1);                         /* */
}

/* ---- os, io, debug ---- */

static int os_exit_refused(lua_State *L) {
    return core_raise(L, FAILURE_SCRIPT,
                      "os.exit is not available in scenarios: a step ends by returning, or fails with fail() or "
                      "error() (--unsafe-lua allows it)");
}

/* io.open(filename [, mode]): reading only. */
static int io_open_read_only(lua_State *L) {
    const char *mode = luaL_optstring(L, 2, "r");
    luaL_checkstring(L, 1);
    if (strcmp(mode, "r") != 0 && strcmp(mode, "rb") != 0)
        return luaL_argerror(L, 2,
                             "scenarios open files for reading only (mode \"r\" or \"rb\"); --unsafe-lua allows "
                             "writing");
    lua_settop(L, 1);                      /* filename */
    lua_pushvalue(L, lua_upvalueindex(1)); /* filename, open */
    lua_insert(L, 1);                      /* open, filename */
    lua_pushstring(L, mode);               /* open, filename, mode */
    lua_call(L, 2, LUA_MULTRET);           /* results... */
    return lua_gettop(L);
}

/* io.lines(filename, ...): a file, never standard input. */
static int io_lines_file(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checkstring(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1)); /* args..., lines */
    lua_insert(L, 1);                      /* lines, args... */
    lua_call(L, n, LUA_MULTRET);           /* results... */
    return lua_gettop(L);
}

static void clear_fields(lua_State *L, const char *const *names) {
    for (; *names; names++) {
        lua_pushnil(L);              /* ..., t, nil */
        lua_setfield(L, -2, *names); /* ..., t */
    }
}

/* Replace t[name] by a C closure over the original. */
static void wrap_field(lua_State *L, const char *name, lua_CFunction fn) {
    lua_getfield(L, -1, name);  /* ..., t, original */
    lua_pushcclosure(L, fn, 1); /* ..., t, wrapper */
    lua_setfield(L, -2, name);  /* ..., t */
}

static void trim_os_io_debug(lua_State *L) {
    static const char *const os_out[] = {"execute", "remove", "rename", "tmpname", "setlocale", NULL};
    static const char *const io_out[] = {"popen", "tmpfile", "write",  "read",   "output", "input",
                                         "close", "stdin",   "stdout", "stderr", NULL};
    lua_getglobal(L, "os"); /* os */
    clear_fields(L, os_out);
    lua_pushcfunction(L, os_exit_refused); /* os, exit */
    lua_setfield(L, -2, "exit");           /* os */
    lua_pop(L, 1);                         /* */

    lua_getglobal(L, "io"); /* io */
    clear_fields(L, io_out);
    wrap_field(L, "open", io_open_read_only);
    wrap_field(L, "lines", io_lines_file);
    lua_pop(L, 1); /* */

    lua_getglobal(L, "debug");        /* debug */
    lua_getfield(L, -1, "traceback"); /* debug, traceback */
    lua_pushnil(L);                   /* debug, traceback, nil */
    while (lua_next(L, -3)) {         /* debug, traceback, key, value */
        lua_pop(L, 1);                /* debug, traceback, key */
        lua_pushvalue(L, -1);         /* debug, traceback, key, key */
        lua_pushnil(L);               /* debug, traceback, key, key, nil */
        lua_rawset(L, -5);            /* debug, traceback, key: clearing a field during lua_next is allowed */
    }
    lua_setfield(L, -2, "traceback"); /* debug */
    lua_pop(L, 1);                    /* */
}

void sandbox_open_libs(lua_State *L, bool unsafe) {
    luaL_openlibs(L);
    if (unsafe) return;
    lua_pushglobaltable(L);                 /* _G */
    wrap_field(L, "load", sandbox_load);    /* _G */
    lua_pushcfunction(L, sandbox_loadfile); /* _G, loadfile */
    lua_setfield(L, -2, "loadfile");        /* _G */
    lua_pushcfunction(L, sandbox_dofile);   /* _G, dofile */
    lua_setfield(L, -2, "dofile");          /* _G */
    lua_pop(L, 1);                          /* */
    trim_package(L);
    trim_os_io_debug(L);
}
