/* fuzz_html.c — libFuzzer: html.parse on any bytes, then what scenarios do
 * with a page: links (all, and matching a pattern), the first form and a
 * named one, XPath queries.  With valid arguments none of it may raise. */
#include <lauxlib.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char use_page[] = "local text, base = ...\n"
                               "local doc <close> = html.parse(text, base)\n"
                               "doc:links()\n"
                               "doc:links('^https?://')\n"
                               "doc:form()\n"
                               "doc:form('login')\n"
                               "doc:xpath('//input[@name]')\n"
                               "doc:first('//a/@href')\n"
                               "tostring(doc)\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lua_State *L = luaL_newstate();

    luaL_openlibs(L);
    luaL_requiref(L, "html", luaopen_html, 1); /* html */
    lua_pop(L, 1);                             /* */
    if (luaL_loadstring(L, use_page) != LUA_OK) abort();
    /* The first byte chooses whether links resolve against a base URL. */
    lua_pushlstring(L, (const char *)data + (size > 0), size - (size > 0)); /* chunk, text */
    if (size > 0 && data[0] & 1)
        lua_pushliteral(L, "https://shop.example/app/page?x=1"); /* chunk, text, base */
    else
        lua_pushnil(L); /* chunk, text, nil */
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        fprintf(stderr, "html raised: %s\n", lua_tostring(L, -1));
        abort();
    }
    lua_close(L);
    return 0;
}
