/* http_lua.h — the `http` module scenarios use: http.request{...} and the
 * http.get/post/put/patch/delete/head shorthands, over http.c. */
#ifndef TELLTALE_HTTP_LUA_H
#define TELLTALE_HTTP_LUA_H

#include <lua.h>

int luaopen_http(lua_State *L);

#endif
