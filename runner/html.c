/* html.c — the `html` module; see html.h.
 *
 * Pages under test are rarely valid HTML, so the parser recovers and never
 * complains: a scenario asserts on what it finds, not on the markup.  XPath
 * results come back as Lua values (node-sets as lists of strings), which is
 * what Hurl's xpath queries give, and forms come back as the name=value pairs
 * a browser would submit, so a step can replay a login with its CSRF token.
 *
 * A document is a userdata in the liolib.c style: created closed, then filled;
 * close is idempotent and is also __gc and __close. */
#include "html.h"

#include <ctype.h>
#include <lauxlib.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <limits.h>

#define DOC_MT "telltale.html.document"
#define PARSE_OPTIONS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET)

/* The controls a browser submits: named and enabled (buttons are dropped
 * later, by type, as are unchecked boxes). */
#define CONTROLS "(.//input | .//select | .//textarea)[@name != ''][not(@disabled)]"

struct document {
    htmlDocPtr doc;           /* NULL once closed; doc->URL is the base URL, or NULL */
    xmlXPathContextPtr xpath; /* shared by every query on this document */
};

/* libxml2's global error handlers, as they were before a quiet call. */
struct quiet {
    xmlGenericErrorFunc generic;
    void *generic_ctx;
    xmlStructuredErrorFunc structured;
    void *structured_ctx;
};

static void ignore_generic(void *ctx, const char *msg, ...) {
    (void)ctx;
    (void)msg;
}

static void ignore_structured(void *ctx, xmlErrorPtr err) {
    (void)ctx;
    (void)err;
}

/* Parser options don't silence everything: encoding conversion errors and
 * unknown XPath functions go to libxml2's global handlers, which print to
 * stderr.  Those handlers are process state the rest of telltale may use, so
 * they are swapped out around each call and put back after.  No Lua error may
 * be raised between quiet_begin and quiet_end. */
static void quiet_begin(struct quiet *q) {
    q->generic = xmlGenericError;
    q->generic_ctx = xmlGenericErrorContext;
    q->structured = xmlStructuredError;
    q->structured_ctx = xmlStructuredErrorContext;
    xmlSetGenericErrorFunc(NULL, ignore_generic);
    xmlSetStructuredErrorFunc(NULL, ignore_structured);
}

static void quiet_end(const struct quiet *q) {
    xmlSetGenericErrorFunc(q->generic_ctx, q->generic);
    xmlSetStructuredErrorFunc(q->structured_ctx, q->structured);
}

static struct document *check_document(lua_State *L) {
    struct document *d = luaL_checkudata(L, 1, DOC_MT);
    if (!d->doc) luaL_error(L, "attempt to use a closed HTML document");
    return d;
}

/* Evaluates expr with node as the context node; raises on an invalid
 * expression.  The caller frees the result with xmlXPathFreeObject. */
static xmlXPathObjectPtr evaluate(lua_State *L, struct document *d, xmlNodePtr node, const char *expr) {
    struct quiet q;
    xmlXPathObjectPtr obj;

    d->xpath->node = node;
    quiet_begin(&q);
    obj = xmlXPathEval((const xmlChar *)expr, d->xpath);
    quiet_end(&q);
    if (!obj) luaL_error(L, "invalid XPath expression: %s", expr);
    return obj;
}

/* The first node expr selects if it is an element, else NULL.  Checked before
 * the result is freed: namespace nodes live only as long as the result. */
static xmlNodePtr first_element(lua_State *L, struct document *d, xmlNodePtr node, const char *expr) {
    xmlXPathObjectPtr obj = evaluate(L, d, node, expr);
    xmlNodePtr first = NULL;

    if (obj->type == XPATH_NODESET && !xmlXPathNodeSetIsEmpty(obj->nodesetval) &&
        obj->nodesetval->nodeTab[0]->type == XML_ELEMENT_NODE)
        first = obj->nodesetval->nodeTab[0];
    xmlXPathFreeObject(obj);
    return first;
}

/* A node's XPath string value: an element's text, an attribute's value. */
static void push_node(lua_State *L, xmlNodePtr node) {
    xmlChar *s = xmlXPathCastNodeToString(node);
    lua_pushstring(L, (const char *)s); /* ..., s */
    xmlFree(s);
}

/* XPath has only doubles; count() reads better as 3 than as 3.0. */
static void push_number(lua_State *L, double x) {
    lua_Integer i;
    if (lua_numbertointeger(x, &i) && (double)i == x)
        lua_pushinteger(L, i);
    else
        lua_pushnumber(L, x);
}

/* Pushes an XPath result as scenarios see it: a node-set is the list of its
 * nodes' string values, or only the first of them (nil for none) when first
 * is set; numbers, booleans and strings are single values either way. */
static void push_result(lua_State *L, xmlXPathObjectPtr obj, int first) {
    xmlNodeSetPtr set = obj->nodesetval;
    int n = xmlXPathNodeSetGetLength(set);

    switch (obj->type) {
    case XPATH_NODESET:
        if (first) {
            if (n)
                push_node(L, set->nodeTab[0]); /* ..., s */
            else
                lua_pushnil(L); /* ..., nil */
            break;
        }
        lua_createtable(L, n, 0); /* ..., list */
        for (int i = 0; i < n; i++) {
            push_node(L, set->nodeTab[i]); /* ..., list, s */
            lua_rawseti(L, -2, i + 1);     /* ..., list */
        }
        break;
    case XPATH_BOOLEAN: lua_pushboolean(L, obj->boolval); break;
    case XPATH_NUMBER: push_number(L, obj->floatval); break;
    default: /* XPATH_STRING: XPath without extensions makes nothing else */
        lua_pushstring(L, (const char *)obj->stringval);
        break;
    }
}

static int query(lua_State *L, int first) {
    struct document *d = check_document(L);
    const char *expr = luaL_checkstring(L, 2);
    xmlXPathObjectPtr obj = evaluate(L, d, (xmlNodePtr)d->doc, expr);

    push_result(L, obj, first); /* doc, expr, result */
    xmlXPathFreeObject(obj);
    return 1;
}

/* doc:xpath(expr) → list of strings | number | boolean | string */
static int doc_xpath(lua_State *L) { return query(L, 0); }

/* doc:first(expr) → string | nil, or the value of a scalar expression */
static int doc_first(lua_State *L) { return query(L, 1); }

/* href as an absolute URL when the document has a base URL.  An href libxml2
 * can't parse (an unescaped space, say) is kept as written: the scenario
 * should see it, not lose it.  The caller frees the result. */
static xmlChar *resolve(struct document *d, const xmlChar *href) {
    xmlChar *url = d->doc->URL ? xmlBuildURI(href, d->doc->URL) : NULL;
    return url ? url : xmlStrdup(href);
}

static int type_is(const xmlChar *type, const char *name) {
    return type && xmlStrcasecmp(type, (const xmlChar *)name) == 0;
}

/* What a browser submits for control, or NULL when it submits nothing (a
 * button, a file picker, an unchecked box, a select without options).  Sets
 * *hidden for <input type=hidden>.  The caller frees the result. */
static xmlChar *control_value(lua_State *L, struct document *d, xmlNodePtr control, int *hidden) {
    xmlChar *type = NULL, *value = NULL;
    xmlNodePtr option;
    int box;

    *hidden = 0;
    if (xmlStrEqual(control->name, BAD_CAST "textarea")) return xmlNodeGetContent(control);
    if (xmlStrEqual(control->name, BAD_CAST "select")) {
        option = first_element(L, d, control, "(.//option[@selected])[1]");
        if (!option) option = first_element(L, d, control, "(.//option)[1]");
        if (!option) return NULL;
        value = xmlGetProp(option, BAD_CAST "value");
        return value ? value : xmlNodeGetContent(option);
    }
    type = xmlGetProp(control, BAD_CAST "type");
    box = type_is(type, "checkbox") || type_is(type, "radio");
    if (type_is(type, "submit") || type_is(type, "button") || type_is(type, "image") || type_is(type, "reset") ||
        type_is(type, "file") || (box && !xmlHasProp(control, BAD_CAST "checked")))
        goto cleanup;
    *hidden = type_is(type, "hidden");
    value = xmlGetProp(control, BAD_CAST "value");
    if (!value) value = xmlStrdup(BAD_CAST(box ? "on" : ""));
cleanup:
    xmlFree(type);
    return value;
}

/* The form a selector names: an XPath expression if it starts with '/' or
 * '(', else the first form with that id, else the first with that name; the
 * document's first form without a selector.  NULL when there is none. */
static xmlNodePtr find_form(lua_State *L, struct document *d, const char *selector) {
    xmlNodePtr root = (xmlNodePtr)d->doc, form;

    if (!selector) return first_element(L, d, root, "(//form)[1]");
    if (selector[0] == '/' || selector[0] == '(') {
        form = first_element(L, d, root, selector);
        return form && xmlStrEqual(form->name, BAD_CAST "form") ? form : NULL;
    }
    /* A variable, not a string spliced into the expression: an id may hold
     * any quote.  The context takes ownership of the value. */
    xmlXPathRegisterVariable(d->xpath, BAD_CAST "selector", xmlXPathNewCString(selector));
    form = first_element(L, d, root, "(//form[@id = $selector])[1]");
    if (!form) form = first_element(L, d, root, "(//form[@name = $selector])[1]");
    xmlXPathRegisterVariable(d->xpath, BAD_CAST "selector", NULL);
    return form;
}

/* The form's action, resolved; none when the form has no action and the
 * document no base URL. */
static void push_action(lua_State *L, struct document *d, xmlNodePtr form) {
    xmlChar *action = xmlGetProp(form, BAD_CAST "action");
    xmlChar *url = resolve(d, action ? action : BAD_CAST "");

    if (*url)
        lua_pushstring(L, (const char *)url); /* ..., url */
    else
        lua_pushnil(L); /* ..., nil */
    xmlFree(url);
    xmlFree(action);
}

static void push_method(lua_State *L, xmlNodePtr form) {
    xmlChar *method = xmlGetProp(form, BAD_CAST "method");

    if (method && *method) {
        for (xmlChar *p = method; *p; p++) *p = (xmlChar)toupper(*p);
        lua_pushstring(L, (const char *)method); /* ..., METHOD */
    } else {
        lua_pushliteral(L, "GET"); /* ..., GET */
    }
    xmlFree(method);
}

/* Fills the fields and hidden tables at the top of the stack.  A name given
 * twice keeps its last value, as most servers read it. */
static void collect_controls(lua_State *L, struct document *d, xmlNodePtr form) {
    xmlXPathObjectPtr controls = evaluate(L, d, form, CONTROLS);
    int n = xmlXPathNodeSetGetLength(controls->nodesetval), hidden;

    for (int i = 0; i < n; i++) {
        xmlNodePtr control = controls->nodesetval->nodeTab[i];
        xmlChar *name = xmlGetProp(control, BAD_CAST "name");
        xmlChar *value = control_value(L, d, control, &hidden);

        if (value) {
            lua_pushstring(L, (const char *)value);  /* ..., fields, hidden, value */
            lua_setfield(L, -3, (const char *)name); /* ..., fields, hidden */
            if (hidden) {
                lua_pushstring(L, (const char *)value);  /* ..., fields, hidden, value */
                lua_setfield(L, -2, (const char *)name); /* ..., fields, hidden */
            }
        }
        xmlFree(value);
        xmlFree(name);
    }
    xmlXPathFreeObject(controls);
}

/* doc:form([selector]) → {action, method, fields, hidden} | nil, err */
static int doc_form(lua_State *L) {
    struct document *d = check_document(L);
    const char *selector = luaL_optstring(L, 2, NULL);
    xmlNodePtr form = find_form(L, d, selector);

    lua_settop(L, 2); /* doc, selector */
    if (!form) {
        lua_pushnil(L); /* doc, selector, nil */
        if (selector)
            lua_pushfstring(L, "no form matching %s", selector); /* doc, selector, nil, err */
        else
            lua_pushliteral(L, "no form in the document"); /* doc, selector, nil, err */
        return 2;
    }
    lua_createtable(L, 0, 4);      /* doc, selector, form */
    push_action(L, d, form);       /* doc, selector, form, action */
    lua_setfield(L, -2, "action"); /* doc, selector, form */
    push_method(L, form);          /* doc, selector, form, method */
    lua_setfield(L, -2, "method"); /* doc, selector, form */
    lua_newtable(L);               /* doc, selector, form, fields */
    lua_newtable(L);               /* doc, selector, form, fields, hidden */
    collect_controls(L, d, form);  /* doc, selector, form, fields, hidden */
    lua_setfield(L, -3, "hidden"); /* doc, selector, form, fields */
    lua_setfield(L, -2, "fields"); /* doc, selector, form */
    return 1;
}

/* Keeps the URLs in the list at the top of the stack that url:find(pattern)
 * matches: the Lua pattern language scenarios use everywhere else.  Done
 * after libxml2 is finished with, since a malformed pattern raises. */
static void keep_matching(lua_State *L, int pattern) {
    int all = lua_gettop(L), kept = 0;

    lua_newtable(L);                                                   /* ..., all, kept */
    for (lua_Integer i = 1; lua_rawgeti(L, all, i) != LUA_TNIL; i++) { /* ..., all, kept, url */
        lua_getfield(L, -1, "find");                                   /* ..., all, kept, url, find */
        lua_pushvalue(L, -2);                                          /* ..., all, kept, url, find, url */
        lua_pushvalue(L, pattern);                                     /* ..., all, kept, url, find, url, pattern */
        lua_call(L, 2, 1);                                             /* ..., all, kept, url, start */
        if (lua_toboolean(L, -1)) {
            lua_pop(L, 1);              /* ..., all, kept, url */
            lua_rawseti(L, -2, ++kept); /* ..., all, kept */
        } else {
            lua_pop(L, 2); /* ..., all, kept */
        }
    }
    lua_pop(L, 1);     /* ..., all, kept */
    lua_remove(L, -2); /* ..., kept */
}

/* doc:links([pattern]) → list of hrefs, resolved, in document order */
static int doc_links(lua_State *L) {
    struct document *d = check_document(L);
    const char *pattern = luaL_optstring(L, 2, NULL);
    xmlXPathObjectPtr hrefs;
    int n;

    lua_settop(L, 2); /* doc, pattern */
    hrefs = evaluate(L, d, (xmlNodePtr)d->doc, "//a/@href");
    n = xmlXPathNodeSetGetLength(hrefs->nodesetval);
    lua_createtable(L, n, 0); /* doc, pattern, list */
    for (int i = 0; i < n; i++) {
        xmlChar *href = xmlXPathCastNodeToString(hrefs->nodesetval->nodeTab[i]);
        xmlChar *url = resolve(d, href);

        lua_pushstring(L, (const char *)url); /* doc, pattern, list, url */
        lua_rawseti(L, -2, i + 1);            /* doc, pattern, list */
        xmlFree(url);
        xmlFree(href);
    }
    xmlXPathFreeObject(hrefs);
    if (pattern) keep_matching(L, 2); /* doc, pattern, list */
    return 1;
}

/* doc:close(), and __gc and __close: idempotent, so an explicit close and
 * the collector's can both run. */
static int doc_close(lua_State *L) {
    struct document *d = luaL_checkudata(L, 1, DOC_MT);

    xmlXPathFreeContext(d->xpath);
    xmlFreeDoc(d->doc);
    d->xpath = NULL;
    d->doc = NULL;
    return 0;
}

static int doc_tostring(lua_State *L) {
    struct document *d = luaL_checkudata(L, 1, DOC_MT);

    if (d->doc)
        lua_pushfstring(L, "HTML document (%p)", (void *)d->doc);
    else
        lua_pushliteral(L, "HTML document (closed)");
    return 1;
}

/* html.parse(text [, base_url]) → document */
static int html_parse(lua_State *L) {
    struct document *d;
    struct quiet q;
    const char *text, *base;
    size_t len;

    luaL_checktype(L, 1, LUA_TSTRING); /* a number is no page: don't let Lua coerce it */
    text = lua_tolstring(L, 1, &len);
    base = luaL_optstring(L, 2, NULL);
    luaL_argcheck(L, len <= INT_MAX, 1, "text larger than libxml2 can parse");
    lua_settop(L, 2);                       /* text, base */
    d = lua_newuserdatauv(L, sizeof *d, 0); /* text, base, doc */
    d->doc = NULL;
    d->xpath = NULL;
    luaL_setmetatable(L, DOC_MT);
    quiet_begin(&q);
    d->doc = htmlReadMemory(text, (int)len, base, NULL, PARSE_OPTIONS);
    /* libxml2 makes no document of an empty text, but an empty response
     * body is still a page, with nothing to find in it. */
    if (!d->doc) d->doc = htmlNewDocNoDtD(NULL, NULL);
    quiet_end(&q);
    if (d->doc) d->xpath = xmlXPathNewContext(d->doc);
    if (!d->xpath) return luaL_error(L, "cannot parse HTML: out of memory");
    return 1;
}

static const luaL_Reg html_funcs[] = {{"parse", html_parse}, {NULL, NULL}};

static const luaL_Reg doc_methods[] = {{"xpath", doc_xpath}, {"first", doc_first}, {"form", doc_form},
                                       {"links", doc_links}, {"close", doc_close}, {NULL, NULL}};

static const luaL_Reg doc_metamethods[] = {{"__index", NULL}, /* set to doc_methods below */
                                           {"__gc", doc_close},
                                           {"__close", doc_close},
                                           {"__tostring", doc_tostring},
                                           {NULL, NULL}};

static void createmeta(lua_State *L) {
    luaL_newmetatable(L, DOC_MT);         /* html, mt */
    luaL_setfuncs(L, doc_metamethods, 0); /* html, mt */
    luaL_newlib(L, doc_methods);          /* html, mt, methods */
    lua_setfield(L, -2, "__index");       /* html, mt */
    lua_pop(L, 1);                        /* html */
}

int luaopen_html(lua_State *L) {
    /* libxml2 sets up its globals lazily and not thread-safely: do it here,
     * while the engine is still single-threaded. */
    xmlInitParser();
    luaL_newlib(L, html_funcs); /* html */
    createmeta(L);              /* html */
    return 1;
}
