/* http_lua.h — the `http` module scenarios use: http.request{...} and the
 * http.get/post/put/patch/delete/head shorthands, over http.c. */
#ifndef TELLTALE_HTTP_LUA_H
#define TELLTALE_HTTP_LUA_H

#include <lua.h>

int luaopen_http(lua_State *L);

/* The scenario's cookie jar for the browser (browser_lua.c): push a list
 * of its cookies as Netscape cookie-file lines, or add one such line
 * (CURLOPT_COOKIELIST; a cookie with the same name, domain and path is
 * replaced). */
void http_lua_jar_push(lua_State *L);
void http_lua_jar_add(lua_State *L, const char *line);

#endif
