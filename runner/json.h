/* json.h — JSON for the engine: decode into Lua values, encode Lua values,
 * and escape strings for the Lua-free report writers.
 *
 * Conventions shared by both directions: JSON null is the light userdata
 * `json.null` (also db.null), decoded arrays carry a marker metatable so an
 * empty array encodes back as [] and not {}, and object keys are written
 * sorted so the same value always gives the same bytes. */
#ifndef TELLTALE_JSON_H
#define TELLTALE_JSON_H

#include <lua.h>
#include <stddef.h>

#include "buf.h"

/* Push the value text decodes to and return 0; on invalid JSON push nothing,
 * return -1 and describe the problem with its byte offset in err. */
int json_decode(lua_State *L, const char *text, size_t len, char *err, size_t errlen);
/* Append the JSON of the value at idx to out; -1 with err naming the
 * offending value's path (functions, cycles, NaN, bad keys). */
int json_encode(lua_State *L, int idx, struct buf *out, char *err, size_t errlen);
/* Append s as a quoted, escaped JSON string. */
void json_write_string(struct buf *out, const char *s, size_t len);
void json_push_null(lua_State *L);
int json_is_null(lua_State *L, int idx);

/* The `json` module: encode, decode, null, array. */
int luaopen_json(lua_State *L);

#endif
