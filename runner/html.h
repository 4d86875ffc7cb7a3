/* html.h — the `html` module: libxml2's HTML parser with XPath, forms and
 * links for scenario authors (as Hurl does), so a step can read a CSRF token
 * or follow a link without regular expressions over markup. */
#ifndef TELLTALE_HTML_H
#define TELLTALE_HTML_H

#include <lua.h>

int luaopen_html(lua_State *L);

#endif
