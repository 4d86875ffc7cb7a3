/* fs_lua.h — the `fs` module: checks on files a system should keep
 * producing (exports, reports, backups), e.g. fs.fresh(path, max_age). */
#ifndef TELLTALE_FS_LUA_H
#define TELLTALE_FS_LUA_H

#include <lua.h>

int luaopen_fs(lua_State *L);

#endif
