/* db_lua.h — the `db` module: db.connect, h:query, h:exec, db.null, over
 * db.c; h:one, h:value, h:wait and h:fresh are Lua, in lib/db.lua. */
#ifndef TELLTALE_DB_LUA_H
#define TELLTALE_DB_LUA_H

#include <lua.h>

int luaopen_db(lua_State *L);

#endif
