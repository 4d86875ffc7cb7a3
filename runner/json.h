/* json.h — JSON in and out of Lua values, and the string writer the reports use.
 *
 * Decoded JSON null is json.null, a light userdata NULL, not nil: nil would
 * punch holes in arrays and drop keys from objects.  Decoded arrays carry a
 * shared metatable marking them as arrays, so `[]` and `{}` both survive a
 * round trip; json.array(t) sets the same mark on a table of your own. */
#ifndef TELLTALE_JSON_H
#define TELLTALE_JSON_H

#include <stddef.h>

#include <lua.h>

#include "failure.h"

struct buf;

/* Decode len bytes of text and push the value.  Returns 0; or -1, pushing
 * nothing, with f set (FAILURE_SCRIPT) to a message that gives the byte offset ("unexpected
 * character 'x' at offset 12").  Integral numbers without '.' or exponent
 * that fit in lua_Integer become integers, all others floats.  Nesting is
 * limited to 200 arrays and objects; text after the value is an error. */
int json_decode(lua_State *L, const char *text, size_t len, struct failure *f);

/* Append the JSON of the value at idx to out.  Returns 0; or -1 with f
 * set (FAILURE_SCRIPT) to a message naming what and where ("cannot encode function at
 * .user.cb"), out left as it was.  A table is an array if it has the array
 * mark (then its keys must be exactly 1..n) or if its keys are exactly 1..n,
 * else an object with its keys sorted bytewise; number keys become strings.
 * Tables are read raw: metamethods are ignored.  Cycles, nesting deeper than
 * 200, NaN, infinities, functions, threads and userdata other than json.null
 * are errors, and so is exceeding out's cap. */
int json_encode(lua_State *L, int idx, struct buf *out, struct failure *f);

/* Append s as a quoted JSON string: '"', '\\' and control characters are
 * escaped, valid UTF-8 copied and each invalid byte replaced by U+FFFD, so
 * the result is valid JSON for any bytes (json_encode does the same).  On a capped buffer that is
 * full, the output is incomplete: check the cap before relying on it. */
void json_write_string(struct buf *out, const char *s, size_t len);

/* json.null: push it, or test whether the value at idx is it. */
void json_push_null(lua_State *L);
int json_is_null(lua_State *L, int idx);

/* The json module: encode, decode, null, array. */
int luaopen_json(lua_State *L);

#endif
