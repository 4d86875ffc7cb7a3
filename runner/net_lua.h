/* net_lua.h — the `net` module: net.tcp{host, port, timeout}, a reachability
 * check that names why a port cannot be reached (net.h). */
#ifndef TELLTALE_NET_LUA_H
#define TELLTALE_NET_LUA_H

#include <lua.h>

int luaopen_net(lua_State *L);

#endif
