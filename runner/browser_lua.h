/* browser_lua.h — the `browser` module: browser.page{...} and the page
 * methods (lib/browser.lua) over the DevTools driver (browser.c). */
#ifndef TELLTALE_BROWSER_LUA_H
#define TELLTALE_BROWSER_LUA_H

#include <lua.h>

int luaopen_browser(lua_State *L);

#endif
