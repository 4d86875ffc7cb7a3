/* fuzz_json.c — libFuzzer: json_decode on any bytes, one Lua state each.
 *
 * What decodes must encode (unless it holds a number JSON cannot write
 * back, an overflowing 1e999), and what that encodes to must decode. */
#include <lauxlib.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lua_State *L = luaL_newstate();
    char err[256];
    struct buf out;

    buf_init(&out, 0);
    if (json_decode(L, (const char *)data, size, err, sizeof err) == 0 &&
        json_encode(L, -1, &out, err, sizeof err) == 0 && json_decode(L, out.data, out.len, err, sizeof err) != 0)
        abort(); /* telltale wrote JSON it cannot read */
    buf_free(&out);
    lua_close(L);
    return 0;
}
