/* mail_lua.h — the `mail` module: mail.mailbox and its primitives over
 * mail.c; mb:wait, mail.address and message methods are Lua (lib/mail.lua). */
#ifndef TELLTALE_MAIL_LUA_H
#define TELLTALE_MAIL_LUA_H

#include <lua.h>

int luaopen_mail(lua_State *L);

#endif
