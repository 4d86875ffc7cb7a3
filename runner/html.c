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
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "core_lua.h"
#include "url.h"

#define DOC_MT "telltale.html.document"
#define FORM_MT "telltale.html.form" /* __index: html._form_methods, filled by lib/form.lua */
#define PARSE_OPTIONS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET)

/* The controls a browser may submit: enabled ones (nameless ones, buttons
 * and unchecked boxes are sorted out by type; a nameless submit button
 * still counts as the form's first). */
#define CONTROLS "(.//input | .//select | .//textarea | .//button)[not(@disabled)]"

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

/* href resolved as a browser does (url.h) when the document has a base
 * URL; as written otherwise.  The caller frees the result. */
static char *resolve(struct document *d, const xmlChar *href, bool keep_fragment) {
    return url_resolve((const char *)d->doc->URL, (const char *)href, keep_fragment);
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
    if (xmlStrEqual(control->name, BAD_CAST "button")) return NULL;
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

/* The form's action, resolved (without its fragment); none when the form
 * has no action and the document no base URL. */
static void push_action(lua_State *L, struct document *d, xmlNodePtr form) {
    xmlChar *action = xmlGetProp(form, BAD_CAST "action");
    char *url = resolve(d, action ? action : BAD_CAST "", false);

    if (*url)
        lua_pushstring(L, url); /* ..., url */
    else
        lua_pushnil(L); /* ..., nil */
    free(url);
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

static void set_string(lua_State *L, const char *field, const xmlChar *value) {
    lua_pushstring(L, value ? (const char *)value : ""); /* ..., t, value */
    lua_setfield(L, -2, field);                          /* ..., t */
}

static void set_bool(lua_State *L, const char *field, int value) {
    lua_pushboolean(L, value);  /* ..., t, value */
    lua_setfield(L, -2, field); /* ..., t */
}

/* A select's options, {value, selected} in document order. */
static void push_options(lua_State *L, struct document *d, xmlNodePtr select) {
    xmlXPathObjectPtr options = evaluate(L, d, select, ".//option[not(@disabled)]");
    int n = xmlXPathNodeSetGetLength(options->nodesetval);

    lua_createtable(L, n, 0); /* ..., options */
    for (int i = 0; i < n; i++) {
        xmlNodePtr option = options->nodesetval->nodeTab[i];
        xmlChar *value = xmlGetProp(option, BAD_CAST "value");

        if (!value) value = xmlNodeGetContent(option);
        lua_createtable(L, 0, 2); /* ..., options, option */
        set_string(L, "value", value);
        set_bool(L, "selected", xmlHasProp(option, BAD_CAST "selected") != NULL);
        lua_rawseti(L, -2, i + 1); /* ..., options */
        xmlFree(value);
    }
    xmlXPathFreeObject(options);
}

/* What form:submit needs to know of a control, pushed as a table: name,
 * type (an input's type lower-cased, "text" by default; "select",
 * "textarea", "submit" for buttons), value, checked (boxes), multiple and
 * options (selects).  Pushes nothing and returns 0 for what a browser never
 * submits: reset and plain buttons, nameless controls but submit buttons. */
static int push_control(lua_State *L, struct document *d, xmlNodePtr node) {
    xmlChar *name = xmlGetProp(node, BAD_CAST "name"), *type = xmlGetProp(node, BAD_CAST "type");
    xmlChar *value = NULL;
    char kind[32] = "text";
    int pushed = 0;

    if (xmlStrEqual(node->name, BAD_CAST "select") || xmlStrEqual(node->name, BAD_CAST "textarea"))
        snprintf(kind, sizeof kind, "%s", (const char *)node->name);
    else if (xmlStrEqual(node->name, BAD_CAST "button"))
        snprintf(kind, sizeof kind, "%s", type && *type ? (const char *)type : "submit");
    else if (type && *type)
        snprintf(kind, sizeof kind, "%s", (const char *)type);
    for (char *p = kind; *p; p++) *p = (char)tolower((unsigned char)*p);
    if (strcmp(kind, "reset") == 0 || strcmp(kind, "button") == 0) goto cleanup;
    if (!(name && *name) && strcmp(kind, "submit") != 0 && strcmp(kind, "image") != 0) goto cleanup;
    lua_createtable(L, 0, 6); /* ..., control */
    set_string(L, "name", name);
    set_string(L, "type", BAD_CAST kind);
    if (strcmp(kind, "select") == 0) {
        set_bool(L, "multiple", xmlHasProp(node, BAD_CAST "multiple") != NULL);
        push_options(L, d, node);       /* ..., control, options */
        lua_setfield(L, -2, "options"); /* ..., control */
    } else {
        int box = strcmp(kind, "checkbox") == 0 || strcmp(kind, "radio") == 0;
        value = strcmp(kind, "textarea") == 0 ? xmlNodeGetContent(node) : xmlGetProp(node, BAD_CAST "value");
        set_string(L, "value", value ? value : BAD_CAST(box ? "on" : ""));
        if (box) set_bool(L, "checked", xmlHasProp(node, BAD_CAST "checked") != NULL);
    }
    pushed = 1;
cleanup:
    xmlFree(value);
    xmlFree(type);
    xmlFree(name);
    return pushed;
}

/* Fills the fields, hidden and controls tables at the top of the stack.  A
 * name given twice keeps its last value in fields, as most servers read
 * it; controls keeps every one, in document order. */
static void collect_controls(lua_State *L, struct document *d, xmlNodePtr form) {
    xmlXPathObjectPtr controls = evaluate(L, d, form, CONTROLS);
    int n = xmlXPathNodeSetGetLength(controls->nodesetval), hidden, kept = 0;

    for (int i = 0; i < n; i++) {
        xmlNodePtr control = controls->nodesetval->nodeTab[i];
        xmlChar *name = xmlGetProp(control, BAD_CAST "name");
        xmlChar *value = name && *name ? control_value(L, d, control, &hidden) : NULL;

        if (value) {
            lua_pushstring(L, (const char *)value);  /* ..., fields, hidden, controls, value */
            lua_setfield(L, -4, (const char *)name); /* ..., fields, hidden, controls */
            if (hidden) {
                lua_pushstring(L, (const char *)value);  /* ..., fields, hidden, controls, value */
                lua_setfield(L, -3, (const char *)name); /* ..., fields, hidden, controls */
            }
        }
        xmlFree(value);
        xmlFree(name);
        if (push_control(L, d, control)) lua_rawseti(L, -2, ++kept); /* ..., fields, hidden, controls */
    }
    xmlXPathFreeObject(controls);
}

static void push_enctype(lua_State *L, xmlNodePtr form) {
    xmlChar *enctype = xmlGetProp(form, BAD_CAST "enctype");

    /* A browser reads an enctype it does not know as the default. */
    if (type_is(enctype, "multipart/form-data") || type_is(enctype, "text/plain")) {
        for (xmlChar *p = enctype; *p; p++) *p = (xmlChar)tolower(*p);
        lua_pushstring(L, (const char *)enctype); /* ..., enctype */
    } else {
        lua_pushliteral(L, "application/x-www-form-urlencoded"); /* ..., enctype */
    }
    xmlFree(enctype);
}

/* "form#id (action /x), form[name=login] (action /y)": what the page has,
 * for the failure of a selector that matched nothing. */
static void describe_forms(lua_State *L, struct document *d, struct buf *out) {
    xmlXPathObjectPtr forms = evaluate(L, d, (xmlNodePtr)d->doc, "//form");
    int n = xmlXPathNodeSetGetLength(forms->nodesetval);

    for (int i = 0; i < n && i < 10; i++) {
        xmlNodePtr form = forms->nodesetval->nodeTab[i];
        xmlChar *id = xmlGetProp(form, BAD_CAST "id"), *name = xmlGetProp(form, BAD_CAST "name");
        xmlChar *action = xmlGetProp(form, BAD_CAST "action");

        buf_puts(out, i ? ", form" : "form");
        if (id) buf_printf(out, "#%s", (const char *)id);
        if (name) buf_printf(out, "[name=%s]", (const char *)name);
        buf_printf(out, " (action \"%s\")", action ? (const char *)action : "");
        xmlFree(id);
        xmlFree(name);
        xmlFree(action);
    }
    if (n > 10) buf_printf(out, " and %d more", n - 10);
    if (n == 0) buf_puts(out, "none");
    xmlXPathFreeObject(forms);
}

/* A selector that matches no form fails the step (kind assertion) with
 * what the page is and has: a scenario that looks for the login form on
 * an error page should say so, not index nil. */
static int no_form(lua_State *L, struct document *d, const char *selector) {
    xmlNodePtr title = first_element(L, d, (xmlNodePtr)d->doc, "(//title)[1]");
    xmlChar *text = title ? xmlNodeGetContent(title) : NULL;
    struct buf forms;
    struct failure f = {0};

    buf_init(&forms, 0);
    describe_forms(L, d, &forms);
    failure_set(&f, FAILURE_ASSERTION, "no form matching %s on %s (title \"%s\"); forms on the page: %s",
                selector ? selector : "(the first form)", d->doc->URL ? (const char *)d->doc->URL : "the page",
                text ? (const char *)text : "", buf_str(&forms));
    xmlFree(text);
    buf_free(&forms);
    return core_raise_failure(L, &f);
}

/* doc:form([selector]) → {action, method, enctype, url, fields, hidden,
 * controls} with form:submit; no such form fails the step. */
static int doc_form(lua_State *L) {
    struct document *d = check_document(L);
    const char *selector = luaL_optstring(L, 2, NULL);
    xmlNodePtr form = find_form(L, d, selector);

    lua_settop(L, 2); /* doc, selector */
    if (!form) return no_form(L, d, selector);
    lua_createtable(L, 0, 7);       /* doc, selector, form */
    push_action(L, d, form);        /* doc, selector, form, action */
    lua_setfield(L, -2, "action");  /* doc, selector, form */
    push_method(L, form);           /* doc, selector, form, method */
    lua_setfield(L, -2, "method");  /* doc, selector, form */
    push_enctype(L, form);          /* doc, selector, form, enctype */
    lua_setfield(L, -2, "enctype"); /* doc, selector, form */
    if (d->doc->URL) {
        char *page = url_resolve((const char *)d->doc->URL, "", false);
        lua_pushstring(L, page);    /* doc, selector, form, url */
        lua_setfield(L, -2, "url"); /* doc, selector, form */
        free(page);
    }
    lua_newtable(L);                 /* doc, selector, form, fields */
    lua_newtable(L);                 /* doc, selector, form, fields, hidden */
    lua_newtable(L);                 /* doc, selector, form, fields, hidden, controls */
    collect_controls(L, d, form);    /* doc, selector, form, fields, hidden, controls */
    lua_setfield(L, -4, "controls"); /* doc, selector, form, fields, hidden */
    lua_setfield(L, -3, "hidden");   /* doc, selector, form, fields */
    lua_setfield(L, -2, "fields");   /* doc, selector, form */
    luaL_setmetatable(L, FORM_MT);
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
        char *url = resolve(d, href, true);

        lua_pushstring(L, url);    /* doc, pattern, list, url */
        lua_rawseti(L, -2, i + 1); /* doc, pattern, list */
        free(url);
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

/* html.parse(text [, base_url [, charset]]) → document.  With a charset
 * (resp:html() passes the one the response declares) the text is
 * converted to UTF-8 first and what the page says about its encoding is
 * ignored, as a browser ignores <meta> when the header has a charset;
 * without one libxml2 reads <meta> itself. */
static int html_parse(lua_State *L) {
    struct document *d;
    struct quiet q;
    const char *text, *base, *charset;
    struct buf utf8;
    size_t len;
    int options = PARSE_OPTIONS;

    luaL_checktype(L, 1, LUA_TSTRING); /* a number is no page: don't let Lua coerce it */
    text = lua_tolstring(L, 1, &len);
    base = luaL_optstring(L, 2, NULL);
    charset = luaL_optstring(L, 3, NULL);
    buf_init(&utf8, 0);
    if (charset && charset_to_utf8(charset, text, len, &utf8) != 0)
        return luaL_error(L, "html.parse: unknown charset '%s'", charset);
    if (charset) {
        lua_pushlstring(L, buf_str(&utf8), utf8.len); /* text, base, charset, utf8 */
        lua_replace(L, 1);                            /* utf8, base, charset */
        buf_free(&utf8);
        text = lua_tolstring(L, 1, &len);
        options |= HTML_PARSE_IGNORE_ENC;
    }
    luaL_argcheck(L, len <= INT_MAX, 1, "text larger than libxml2 can parse");
    lua_settop(L, 2);                       /* text, base */
    d = lua_newuserdatauv(L, sizeof *d, 0); /* text, base, doc */
    d->doc = NULL;
    d->xpath = NULL;
    luaL_setmetatable(L, DOC_MT);
    quiet_begin(&q);
    d->doc = htmlReadMemory(text, (int)len, base, charset ? "UTF-8" : NULL, options);
    /* libxml2 makes no document of an empty text, but an empty response
     * body is still a page, with nothing to find in it. */
    if (!d->doc) d->doc = htmlNewDocNoDtD(NULL, NULL);
    if (d->doc && base && !d->doc->URL) d->doc->URL = xmlStrdup(BAD_CAST base);
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
    luaL_newmetatable(L, FORM_MT);        /* html, mt */
    lua_newtable(L);                      /* html, mt, methods */
    lua_pushvalue(L, -1);                 /* html, mt, methods, methods */
    lua_setfield(L, -4, "_form_methods"); /* html, mt, methods */
    lua_setfield(L, -2, "__index");       /* html, mt */
    lua_pop(L, 1);                        /* html */
}

int luaopen_html(lua_State *L) {
    /* libxml2 sets up its globals lazily and not thread-safely: the only
     * other threads that parse HTML are mail's workers, and mail.c calls
     * this too before it starts them, on this same thread. */
    xmlInitParser();
    luaL_newlib(L, html_funcs); /* html */
    createmeta(L);              /* html */
    return 1;
}
