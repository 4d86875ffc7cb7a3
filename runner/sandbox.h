/* sandbox.h — the Lua a scenario gets: a state whose memory is counted and
 * capped, and the standard libraries minus what reaches outside the run.
 *
 * Scenarios are code from a monitoring repository, run on a machine with
 * credentials: they check services, they do not administer the host.  So a
 * scenario cannot start processes (os.execute, io.popen), end the process
 * (os.exit), write, rename or remove files, load C code (package.loadlib,
 * C searchers) or binary chunks (load/loadfile/dofile/require read text
 * only: crafted bytecode crashes the VM), or reach the debug library, which
 * could remove the hook that enforces deadlines (debug.traceback stays).
 * --unsafe-lua opens the standard libraries whole, for trusted suites. */
#ifndef TELLTALE_SANDBOX_H
#define TELLTALE_SANDBOX_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

#define SANDBOX_DEFAULT_MAX_MEMORY ((size_t)256 * 1024 * 1024)

/* A new state whose allocations are counted: one that would take the total
 * past max_bytes fails (Lua raises "not enough memory").  NULL when even
 * that cannot be had.  Close it with sandbox_close. */
lua_State *sandbox_newstate(size_t max_bytes);
void sandbox_close(lua_State *L);
/* Whether an allocation was refused for the cap since the last call (which
 * clears it), and the cap, for the failure message. */
bool sandbox_take_memory_exceeded(lua_State *L, size_t *max_bytes);
/* Whether the error value at idx is Lua's out-of-memory error. */
bool sandbox_is_memory_error(lua_State *L, int idx);

/* Open the standard libraries: restricted as above (base, package,
 * coroutine, string and table at once; io, os, math, utf8 and debug on
 * first use, sandbox_lazy_libs), or whole, as luaL_openlibs does, if unsafe. */
void sandbox_open_libs(lua_State *L, bool unsafe);

/* Libraries opened on first use.  A state that waits in sleep() or checks
 * one page would otherwise build every library's table of functions: most
 * of what a scenario state costs to create, and a third of its memory.
 * Global `name` and package.loaded[name] start as an empty table; the
 * first lookup, assignment or pairs() over it fills it with the fields of
 * what open returns (and its metatable), runs after with the filled table
 * on top of the stack, then requires lua_module (the Lua half of the
 * library, lib/NAME.lua).  after and lua_module may be NULL.  Before that
 * first use, next() and rawget() see the table empty. */
struct sandbox_lib {
    const char *name;
    lua_CFunction open;
    void (*after)(lua_State *L);
    const char *lua_module;
};
void sandbox_lazy_libs(lua_State *L, const struct sandbox_lib *libs); /* up to one with name NULL */

#endif
