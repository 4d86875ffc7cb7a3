/* fuzz_html.c — libFuzzer: html.parse on any bytes, then what scenarios do
 * with a page: links (all, and matching a pattern), the first form and a
 * named one (or the assertion failure of a page without it), XPath
 * queries.  With valid arguments nothing else may raise. */
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
                               /* a page without the form fails the step (kind assertion) */
                               "for _, sel in ipairs({ false, 'login' }) do\n"
                               "  local ok, err = pcall(doc.form, doc, sel or nil)\n"
                               "  if not ok and not (type(err) == 'table' and err.kind == 'assertion') then\n"
                               "    error(err, 0)\n"
                               "  end\n"
                               "end\n"
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
