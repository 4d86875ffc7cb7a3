/* sandbox.c — the scenario's Lua state and libraries; see sandbox.h.
 *
 * The libraries are opened as Lua ships them, then trimmed in place: the
 * tables stay the ones in package.loaded, so `require "os"` finds the same
 * trimmed table as the global.  io, os, math, utf8 and debug (and
 * telltale's own modules, script.c) are opened, and trimmed, at their first
 * use: sandbox_lazy_libs.  Where a function is only half dangerous
 * (load, io.open) a wrapper calls the original with the safe arguments. */
#include "sandbox.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_lua.h"
#include "failure.h"
#include "xalloc.h"

/* Small blocks come from the state's own pages, one free list per size
 * class.  Lua tells the allocator the size of every block it frees or
 * resizes, so a block needs no header: glibc's malloc spends 8 to 24
 * bytes on each of the ~1,000 small objects (strings, tables, closures)
 * a scenario state holds, a sixth of the state, and more instructions
 * than the rest of the allocation.  Pages go back at sandbox_close.
 * A page's free blocks serve its class only; the counted size (the cap)
 * is what Lua asked for, as before. */
#define SLAB_GRAIN 16                        /* class c holds blocks of c * SLAB_GRAIN bytes */
#define SLAB_MAX 256                         /* larger blocks are malloc's */
#define SLAB_CLASSES (SLAB_MAX / SLAB_GRAIN) /* classes 1..SLAB_CLASSES */
#define SLAB_PAGE 4096                       /* bytes of blocks per page */

struct slab_page {
    struct slab_page *next;
    _Alignas(max_align_t) char blocks[SLAB_PAGE];
};

struct mem {
    size_t used, limit;
    bool exceeded;                     /* a request was refused for the cap */
    void *free_list[SLAB_CLASSES + 1]; /* per class: freed blocks, linked through their first word */
    char *bump, *bump_end;             /* the newest page's unused part */
    struct slab_page *pages;           /* every page, newest first */
};

static size_t slab_class(size_t n) { return (n + SLAB_GRAIN - 1) / SLAB_GRAIN; }

static void *slab_alloc(struct mem *m, size_t cls) {
    size_t size = cls * SLAB_GRAIN;
    void *p = m->free_list[cls];
    if (p) {
        m->free_list[cls] = *(void **)p;
        return p;
    }
    if ((size_t)(m->bump_end - m->bump) < size) {
        struct slab_page *page = malloc(sizeof *page);
        if (!page) return NULL;
        /* The old page's tail becomes free blocks of the classes it fits. */
        while ((size_t)(m->bump_end - m->bump) >= SLAB_GRAIN) {
            size_t c = slab_class((size_t)(m->bump_end - m->bump) + 1) - 1;
            *(void **)m->bump = m->free_list[c];
            m->free_list[c] = m->bump;
            m->bump += c * SLAB_GRAIN;
        }
        page->next = m->pages;
        m->pages = page;
        m->bump = page->blocks;
        m->bump_end = page->blocks + SLAB_PAGE;
    }
    p = m->bump;
    m->bump += size;
    return p;
}

static void slab_free(struct mem *m, void *p, size_t cls) {
    *(void **)p = m->free_list[cls];
    m->free_list[cls] = p;
}

/* Lua's allocator contract (lua_Alloc): ptr NULL means osize is a type tag,
 * nsize 0 means free.  A refused request makes Lua collect and ask again,
 * or raise "not enough memory" (lauxlib's buffers raise it at once); the
 * flag is read only with that error in hand, so a retry that succeeded
 * after a collection does no harm. */
static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    struct mem *m = ud;
    size_t old = ptr ? osize : 0;
    size_t ocls = old <= SLAB_MAX ? slab_class(old) : 0, ncls = nsize <= SLAB_MAX ? slab_class(nsize) : 0;
    void *p;
    if (nsize == 0) {
        if (ocls)
            slab_free(m, ptr, ocls);
        else
            free(ptr);
        m->used -= old;
        return NULL;
    }
    if (nsize > old && m->used - old + nsize > m->limit) {
        m->exceeded = true;
        return NULL;
    }
    if (ptr && ocls == ncls && ocls) {
        p = ptr; /* same class: the block already fits */
    } else if (ptr && !ocls && !ncls) {
        p = realloc(ptr, nsize);
    } else {
        p = ncls ? slab_alloc(m, ncls) : malloc(nsize);
        if (p && ptr) {
            memcpy(p, ptr, old < nsize ? old : nsize);
            if (ocls)
                slab_free(m, ptr, ocls);
            else
                free(ptr);
        }
    }
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
    struct mem *m;
    void *ud;
    if (!L) return;
    lua_getallocf(L, &ud);
    lua_close(L);
    m = ud;
    while (m->pages) {
        struct slab_page *next = m->pages->next;
        free(m->pages);
        m->pages = next;
    }
    free(m);
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

static void trim_os(lua_State *L) {
    static const char *const os_out[] = {"execute", "remove", "rename", "tmpname", "setlocale", NULL};
    clear_fields(L, os_out);               /* os */
    lua_pushcfunction(L, os_exit_refused); /* os, exit */
    lua_setfield(L, -2, "exit");           /* os */
}

static void trim_io(lua_State *L) {
    static const char *const io_out[] = {"popen", "tmpfile", "write",  "read",   "output", "input",
                                         "close", "stdin",   "stdout", "stderr", NULL};
    clear_fields(L, io_out); /* io */
    wrap_field(L, "open", io_open_read_only);
    wrap_field(L, "lines", io_lines_file);
}

static void trim_debug(lua_State *L) {
    lua_getfield(L, -1, "traceback"); /* debug, traceback */
    lua_pushnil(L);                   /* debug, traceback, nil */
    while (lua_next(L, -3)) {         /* debug, traceback, key, value */
        lua_pop(L, 1);                /* debug, traceback, key */
        lua_pushvalue(L, -1);         /* debug, traceback, key, key */
        lua_pushnil(L);               /* debug, traceback, key, key, nil */
        lua_rawset(L, -5);            /* debug, traceback, key: clearing a field during lua_next is allowed */
    }
    lua_setfield(L, -2, "traceback"); /* debug */
}

/* ---- libraries opened on first use ---- */

#define LAZY_KEY "telltale.lazy"   /* registry: unfilled table -> its struct sandbox_lib */
#define LAZY_MT "telltale.lazy.mt" /* registry: the metatable every unfilled table has */

/* Fill the lazy table at idx, once: the metatable goes first, so the
 * library's own code and after() see a plain table. */
static void fill(lua_State *L, int idx) {
    const struct sandbox_lib *lib;
    idx = lua_absindex(L, idx);
    lua_getfield(L, LUA_REGISTRYINDEX, LAZY_KEY); /* lazy */
    lua_pushvalue(L, idx);                        /* lazy, t */
    lua_rawget(L, -2);                            /* lazy, lib? */
    lib = lua_touserdata(L, -1);
    lua_pop(L, 1); /* lazy */
    if (!lib) {
        lua_pop(L, 1);
        return;
    }
    lua_pushvalue(L, idx);           /* lazy, t */
    lua_pushnil(L);                  /* lazy, t, nil */
    lua_rawset(L, -3);               /* lazy */
    lua_pop(L, 1);                   /* */
    lua_pushnil(L);                  /* nil */
    lua_setmetatable(L, idx);        /* */
    lua_pushcfunction(L, lib->open); /* open */
    lua_pushstring(L, lib->name);    /* open, name */
    lua_call(L, 1, 1);               /* module */
    lua_pushnil(L);                  /* module, nil */
    while (lua_next(L, -2)) {        /* module, key, value */
        lua_pushvalue(L, -2);        /* module, key, value, key */
        lua_insert(L, -2);           /* module, key, key, value */
        lua_rawset(L, idx);          /* module, key */
    }
    if (lua_getmetatable(L, -1)) lua_setmetatable(L, idx); /* module */
    lua_pop(L, 1);                                         /* */
    if (lib->after) {
        lua_pushvalue(L, idx); /* t */
        lib->after(L);         /* t */
        lua_pop(L, 1);         /* */
    }
    if (lib->lua_module) {
        lua_getglobal(L, "require");        /* require */
        lua_pushstring(L, lib->lua_module); /* require, name */
        lua_call(L, 1, 0);                  /* */
    }
}

static int lazy_index(lua_State *L) { /* t, key */
    fill(L, 1);
    lua_rawget(L, 1); /* t, value */
    return 1;
}

static int lazy_newindex(lua_State *L) { /* t, key, value */
    fill(L, 1);
    lua_rawset(L, 1); /* t */
    return 0;
}

/* next(t, key), as the base library's: whatever the scenario calls next. */
static int raw_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

static int lazy_pairs(lua_State *L) { /* t */
    fill(L, 1);
    lua_pushcfunction(L, raw_next); /* t, next */
    lua_pushvalue(L, 1);            /* t, next, t */
    lua_pushnil(L);                 /* t, next, t, nil */
    return 3;
}

void sandbox_lazy_libs(lua_State *L, const struct sandbox_lib *libs) {
    static const luaL_Reg meta[] = {
        {"__index", lazy_index}, {"__newindex", lazy_newindex}, {"__pairs", lazy_pairs}, {NULL, NULL}};
    if (!luaL_getsubtable(L, LUA_REGISTRYINDEX, LAZY_KEY)) { /* lazy */
        luaL_newmetatable(L, LAZY_MT);                       /* lazy, mt */
        luaL_setfuncs(L, meta, 0);                           /* lazy, mt */
        lua_pop(L, 1);                                       /* lazy */
    }
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE); /* lazy, loaded */
    luaL_getmetatable(L, LAZY_MT);                            /* lazy, loaded, mt */
    lua_pushglobaltable(L);                                   /* lazy, loaded, mt, _G */
    for (const struct sandbox_lib *lib = libs; lib->name; lib++) {
        lua_createtable(L, 0, 0);              /* lazy, loaded, mt, _G, t */
        lua_pushvalue(L, -3);                  /* lazy, loaded, mt, _G, t, mt */
        lua_setmetatable(L, -2);               /* lazy, loaded, mt, _G, t */
        lua_pushvalue(L, -1);                  /* lazy, loaded, mt, _G, t, t */
        lua_pushlightuserdata(L, (void *)lib); /* lazy, loaded, mt, _G, t, t, lib */
        lua_rawset(L, -7);                     /* lazy, loaded, mt, _G, t */
        lua_pushvalue(L, -1);                  /* lazy, loaded, mt, _G, t, t */
        lua_setfield(L, -5, lib->name);        /* lazy, loaded, mt, _G, t */
        lua_setfield(L, -2, lib->name);        /* lazy, loaded, mt, _G */
    }
    lua_pop(L, 4); /* */
}

void sandbox_open_libs(lua_State *L, bool unsafe) {
    static const luaL_Reg now[] = {{LUA_GNAME, luaopen_base},          {LUA_LOADLIBNAME, luaopen_package},
                                   {LUA_COLIBNAME, luaopen_coroutine}, {LUA_TABLIBNAME, luaopen_table},
                                   {LUA_STRLIBNAME, luaopen_string},   {NULL, NULL}};
    static const struct sandbox_lib restricted[] = {
        {LUA_IOLIBNAME, luaopen_io, trim_io, NULL},       {LUA_OSLIBNAME, luaopen_os, trim_os, NULL},
        {LUA_MATHLIBNAME, luaopen_math, NULL, NULL},      {LUA_UTF8LIBNAME, luaopen_utf8, NULL, NULL},
        {LUA_DBLIBNAME, luaopen_debug, trim_debug, NULL}, {NULL, NULL, NULL, NULL}};
    if (unsafe) { /* nothing to trim: lazy tables would only hide the real ones from next() and rawget() */
        luaL_openlibs(L);
        return;
    }
    for (const luaL_Reg *lib = now; lib->name; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1); /* lib */
        lua_pop(L, 1);                             /* */
    }
    sandbox_lazy_libs(L, restricted);
    lua_pushglobaltable(L);                 /* _G */
    wrap_field(L, "load", sandbox_load);    /* _G */
    lua_pushcfunction(L, sandbox_loadfile); /* _G, loadfile */
    lua_setfield(L, -2, "loadfile");        /* _G */
    lua_pushcfunction(L, sandbox_dofile);   /* _G, dofile */
    lua_setfield(L, -2, "dofile");          /* _G */
    lua_pop(L, 1);                          /* */
    trim_package(L);
}
