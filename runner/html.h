/* html.h — the `html` module scenarios use to read pages: html.parse(text
 * [, base_url]) returns a document with doc:xpath, doc:first, doc:form,
 * doc:links and doc:close, over libxml2's forgiving HTML parser. */
#ifndef TELLTALE_HTML_H
#define TELLTALE_HTML_H

#include <lua.h>

int luaopen_html(lua_State *L);

#endif
