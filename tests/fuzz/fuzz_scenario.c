/* fuzz_scenario.c — libFuzzer: a scenario file's text through the Lua
 * parser in text mode, as script.c loads it.  Only the load: running the
 * top level would hand the fuzzer os.execute and io.open.  A precompiled
 * chunk must be refused whatever follows its signature. */
#include <lauxlib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lua_State *L = luaL_newstate();
    int status = luaL_loadbufferx(L, (const char *)data, size, "=scenario.lua", "t");

    if (status == LUA_OK && size > 0 && data[0] == LUA_SIGNATURE[0]) abort(); /* a binary chunk was loaded */
    lua_close(L);
    return 0;
}
