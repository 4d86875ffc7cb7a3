/* core_lua.h — the engine's own Lua surface: structured failures, durations,
 * and the globals every scenario has (fail, sleep, log, unique, secret,
 * env) plus the private `telltale` table lib/ is written against. */
#ifndef TELLTALE_CORE_LUA_H
#define TELLTALE_CORE_LUA_H

#include <lua.h>
#include <stdint.h>

#include "failure.h"

/* Push f as a failure object: a table {kind, message, detail, phase, where}
 * with __tostring.  This is the value steps raise. */
void core_push_failure(lua_State *L, const struct failure *f);
/* Raise a failure object; f is cleared.  Never returns. */
int core_raise_failure(lua_State *L, struct failure *f);
int core_raise(lua_State *L, enum failure_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* If the value at idx is a failure object, fill f and return 1; else 0. */
int core_to_failure(lua_State *L, int idx, struct failure *f);

/* A duration argument: number of seconds or a string like "250ms".  Raises
 * an argument error naming the problem. */
int64_t core_check_duration(lua_State *L, int arg);
/* The same for a table field; returns def when the field is nil. */
int64_t core_opt_duration_field(lua_State *L, int table, const char *field, int64_t def);

/* Install the globals and the `telltale` table into a fresh state. */
/* Header tables (resp.headers, msg.headers): names lower-cased and looked
 * up in any case, a repeated header's values joined with ", ".
 * core_headers_new pushes an empty one; core_headers_add adds to the one
 * at the top of the stack (a name of 255 bytes at most is kept). */
void core_headers_new(lua_State *L, int n); /* n: how many fields to make room for */
void core_headers_add(lua_State *L, const char *name, size_t nlen, const char *value, size_t vlen);

void core_open(lua_State *L);

#endif
