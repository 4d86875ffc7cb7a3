/* html.c — parse HTML with libxml2, query it with XPath; see html.h.
 *
 * A document is a userdata in the liolib.c style: created closed, close is
 * idempotent, __gc and __close are the same function, and every method
 * checks the handle.  libxml2 never prints: its error handlers are silenced
 * around every call, since a broken page is normal input here. */
#include "html.h"

#include <ctype.h>
#include <lauxlib.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>
#include <string.h>
#include <strings.h>

#define DOC_MT "telltale.html.document"

struct doc {
    htmlDocPtr tree; /* NULL once closed */
    char *base;      /* for resolving links and form actions; may be NULL */
};

static void quiet(void *ctx, const char *msg, ...) {
    (void)ctx;
    (void)msg;
}

static void quiet_structured(void *ctx, const xmlError *error) {
    (void)ctx;
    (void)error;
}

static void silence_libxml(void) {
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)quiet_structured);
}

static struct doc *check_doc(lua_State *L) {
    struct doc *d = luaL_checkudata(L, 1, DOC_MT);
    if (!d->tree) luaL_error(L, "attempt to use a closed HTML document");
    return d;
}

static int doc_close(lua_State *L) {
    struct doc *d = luaL_checkudata(L, 1, DOC_MT);
    if (d->tree) xmlFreeDoc(d->tree);
    xmlFree(d->base);
    d->tree = NULL;
    d->base = NULL;
    return 0;
}

/* html.parse(text [, base_url]) → document */
static int html_parse(lua_State *L) {
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *base = luaL_optstring(L, 2, NULL);
    struct doc *d = lua_newuserdatauv(L, sizeof *d, 0); /* ..., doc */
    d->tree = NULL;
    d->base = NULL;
    luaL_setmetatable(L, DOC_MT);
    silence_libxml();
    d->tree = htmlReadMemory(text, (int)len, base, "UTF-8",
                             HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    if (!d->tree) {
        /* An empty document still answers queries (with nothing). */
        d->tree = htmlNewDocNoDtD(NULL, NULL);
        if (!d->tree) return luaL_error(L, "html.parse: out of memory");
    }
    if (base) d->base = (char *)xmlStrdup((const xmlChar *)base);
    return 1;
}

static void push_node_text(lua_State *L, xmlNodePtr node) {
    xmlChar *s = xmlNodeGetContent(node);
    lua_pushstring(L, s ? (const char *)s : ""); /* ..., text */
    xmlFree(s);
}

/* Evaluate expr on d; caller frees the result.  Raises on a bad expression. */
static xmlXPathObjectPtr eval(lua_State *L, struct doc *d, const char *expr, xmlNodePtr context) {
    xmlXPathContextPtr ctx = xmlXPathNewContext(d->tree);
    xmlXPathObjectPtr result;
    if (!ctx) luaL_error(L, "html: out of memory");
    if (context) ctx->node = context;
    silence_libxml();
    result = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    xmlXPathFreeContext(ctx);
    if (!result) luaL_error(L, "invalid XPath expression: %s", expr);
    return result;
}

/* doc:xpath(expr) → list of strings, or a number/boolean/string */
static int doc_xpath(lua_State *L) {
    struct doc *d = check_doc(L);
    const char *expr = luaL_checkstring(L, 2);
    xmlXPathObjectPtr r = eval(L, d, expr, NULL);
    switch (r->type) {
    case XPATH_NODESET: {
        int n = r->nodesetval ? r->nodesetval->nodeNr : 0;
        lua_createtable(L, n, 0); /* ..., list */
        for (int i = 0; i < n; i++) {
            push_node_text(L, r->nodesetval->nodeTab[i]); /* ..., list, text */
            lua_rawseti(L, -2, i + 1);                     /* ..., list */
        }
        break;
    }
    case XPATH_BOOLEAN: lua_pushboolean(L, r->boolval); break;
    case XPATH_NUMBER: lua_pushnumber(L, r->floatval); break;
    case XPATH_STRING: lua_pushstring(L, (const char *)r->stringval); break;
    default: lua_pushnil(L); break;
    }
    xmlXPathFreeObject(r);
    return 1;
}

/* doc:first(expr) → the first string of the node set, or nil */
static int doc_first(lua_State *L) {
    struct doc *d = check_doc(L);
    xmlXPathObjectPtr r = eval(L, d, luaL_checkstring(L, 2), NULL);
    if (r->type == XPATH_NODESET && r->nodesetval && r->nodesetval->nodeNr > 0)
        push_node_text(L, r->nodesetval->nodeTab[0]);
    else if (r->type == XPATH_STRING)
        lua_pushstring(L, (const char *)r->stringval);
    else
        lua_pushnil(L);
    xmlXPathFreeObject(r);
    return 1;
}

/* A link or action resolved against the document's base URL. */
static void push_resolved(lua_State *L, struct doc *d, const char *href) {
    xmlChar *abs = d->base ? xmlBuildURI((const xmlChar *)href, (const xmlChar *)d->base) : NULL;
    lua_pushstring(L, abs ? (const char *)abs : href);
    xmlFree(abs);
}

static const char *attr(xmlNodePtr node, const char *name, xmlChar **owned) {
    *owned = xmlGetProp(node, (const xmlChar *)name);
    return *owned ? (const char *)*owned : NULL;
}

static void set_field(lua_State *L, int fields, const char *name, const char *value) {
    lua_pushstring(L, value ? value : "");  /* ..., value */
    lua_setfield(L, fields, name);          /* ... */
}

/* Collect a form's fields as a browser would submit them. */
static void collect_fields(lua_State *L, struct doc *d, xmlNodePtr form, int fields, int hidden) {
    xmlXPathObjectPtr r = eval(L, d, ".//input | .//textarea | .//select", form);
    int n = (r->type == XPATH_NODESET && r->nodesetval) ? r->nodesetval->nodeNr : 0;
    for (int i = 0; i < n; i++) {
        xmlNodePtr el = r->nodesetval->nodeTab[i];
        xmlChar *name_s = NULL, *type_s = NULL, *value_s = NULL, *checked = NULL;
        const char *name = attr(el, "name", &name_s);
        const char *type = attr(el, "type", &type_s);
        if (!name) goto next;
        if (strcasecmp((const char *)el->name, "textarea") == 0) {
            xmlChar *text = xmlNodeGetContent(el);
            set_field(L, fields, name, (const char *)text);
            xmlFree(text);
        } else if (strcasecmp((const char *)el->name, "select") == 0) {
            xmlXPathObjectPtr opt = eval(L, d, ".//option[@selected]", el);
            if (!(opt->nodesetval && opt->nodesetval->nodeNr > 0)) { /* none selected: the first */
                xmlXPathFreeObject(opt);
                opt = eval(L, d, ".//option", el);
            }
            if (opt->type == XPATH_NODESET && opt->nodesetval && opt->nodesetval->nodeNr > 0) {
                xmlNodePtr o = opt->nodesetval->nodeTab[0];
                xmlChar *v = xmlGetProp(o, (const xmlChar *)"value");
                xmlChar *text = v ? NULL : xmlNodeGetContent(o);
                set_field(L, fields, name, (const char *)(v ? v : text));
                xmlFree(v);
                xmlFree(text);
            }
            xmlXPathFreeObject(opt);
        } else {
            if (type && (strcasecmp(type, "submit") == 0 || strcasecmp(type, "button") == 0 ||
                         strcasecmp(type, "image") == 0 || strcasecmp(type, "file") == 0 ||
                         strcasecmp(type, "reset") == 0))
                goto next;
            if (type && (strcasecmp(type, "checkbox") == 0 || strcasecmp(type, "radio") == 0)) {
                checked = xmlGetProp(el, (const xmlChar *)"checked");
                if (!checked) goto next;
            }
            const char *value = attr(el, "value", &value_s);
            if (type && (strcasecmp(type, "checkbox") == 0) && !value) value = "on";
            set_field(L, fields, name, value);
            if (type && strcasecmp(type, "hidden") == 0) set_field(L, hidden, name, value);
        }
    next:
        xmlFree(name_s);
        xmlFree(type_s);
        xmlFree(value_s);
        xmlFree(checked);
    }
    xmlXPathFreeObject(r);
}

/* Which form: an XPath (starts with / or (), else an id, else a name. */
static xmlNodePtr find_form(lua_State *L, struct doc *d, const char *selector) {
    char expr[512];
    xmlNodePtr found = NULL;
    const char *tries[3] = {"(//form)[1]", NULL, NULL};
    char by_name[512];
    if (selector && (selector[0] == '/' || selector[0] == '(')) {
        tries[0] = selector;
    } else if (selector) {
        if (strchr(selector, '\'')) luaL_error(L, "doc:form: invalid form id or name '%s'", selector);
        snprintf(expr, sizeof expr, "//form[@id='%s']", selector);
        snprintf(by_name, sizeof by_name, "//form[@name='%s']", selector);
        tries[0] = expr;
        tries[1] = by_name;
    }
    for (int i = 0; i < 3 && tries[i] && !found; i++) {
        xmlXPathObjectPtr r = eval(L, d, tries[i], NULL);
        if (r->type == XPATH_NODESET && r->nodesetval && r->nodesetval->nodeNr > 0)
            found = r->nodesetval->nodeTab[0];
        xmlXPathFreeObject(r);
    }
    return found;
}

/* doc:form([selector]) → {action, method, fields, hidden} or nil, err */
static int doc_form(lua_State *L) {
    struct doc *d = check_doc(L);
    const char *selector = luaL_optstring(L, 2, NULL);
    xmlNodePtr form = find_form(L, d, selector);
    xmlChar *action_s = NULL, *method_s = NULL;
    if (!form) {
        lua_pushnil(L);
        lua_pushfstring(L, "no form matching %s", selector ? selector : "(any)");
        return 2;
    }
    const char *action = attr(form, "action", &action_s);
    const char *method = attr(form, "method", &method_s);
    lua_createtable(L, 0, 4); /* ..., form */
    if (action && *action)
        push_resolved(L, d, action);
    else
        lua_pushstring(L, d->base ? d->base : ""); /* ..., form, action */
    lua_setfield(L, -2, "action");                 /* ..., form */
    char upper[16];
    size_t i = 0;
    for (const char *m = method && *method ? method : "GET"; m[i] && i < sizeof upper - 1; i++)
        upper[i] = (char)toupper((unsigned char)m[i]);
    upper[i] = '\0';
    lua_pushstring(L, upper);                      /* ..., form, method */
    lua_setfield(L, -2, "method");                 /* ..., form */
    lua_newtable(L);                               /* ..., form, fields */
    lua_newtable(L);                               /* ..., form, fields, hidden */
    collect_fields(L, d, form, lua_gettop(L) - 1, lua_gettop(L));
    lua_setfield(L, -3, "hidden");                 /* ..., form, fields */
    lua_setfield(L, -2, "fields");                 /* ..., form */
    xmlFree(action_s);
    xmlFree(method_s);
    return 1;
}

/* doc:links([pattern]) → every a/@href, resolved; filtered by a Lua pattern */
static int doc_links(lua_State *L) {
    struct doc *d = check_doc(L);
    const char *pattern = luaL_optstring(L, 2, NULL);
    xmlXPathObjectPtr r = eval(L, d, "//a[@href]", NULL);
    int n = (r->type == XPATH_NODESET && r->nodesetval) ? r->nodesetval->nodeNr : 0, out = 0;
    lua_newtable(L); /* ..., list */
    for (int i = 0; i < n; i++) {
        xmlChar *href = xmlGetProp(r->nodesetval->nodeTab[i], (const xmlChar *)"href");
        push_resolved(L, d, (const char *)href); /* ..., list, link */
        xmlFree(href);
        if (pattern) {
            lua_getglobal(L, "string");          /* ..., list, link, string */
            lua_getfield(L, -1, "find");         /* ..., list, link, string, find */
            lua_remove(L, -2);                   /* ..., list, link, find */
            lua_pushvalue(L, -2);                /* ..., list, link, find, link */
            lua_pushstring(L, pattern);          /* ..., list, link, find, link, pattern */
            lua_call(L, 2, 1);                   /* ..., list, link, found */
            int keep = !lua_isnil(L, -1);
            lua_pop(L, 1);                       /* ..., list, link */
            if (!keep) {
                lua_pop(L, 1);                   /* ..., list */
                continue;
            }
        }
        lua_rawseti(L, -2, ++out); /* ..., list */
    }
    xmlXPathFreeObject(r);
    return 1;
}

int luaopen_html(lua_State *L) {
    static const luaL_Reg methods[] = {{"xpath", doc_xpath}, {"first", doc_first}, {"form", doc_form},
                                       {"links", doc_links}, {"close", doc_close}, {NULL, NULL}};
    static const luaL_Reg funcs[] = {{"parse", html_parse}, {NULL, NULL}};
    luaL_newmetatable(L, DOC_MT);       /* mt */
    luaL_newlib(L, methods);            /* mt, methods */
    lua_setfield(L, -2, "__index");     /* mt */
    lua_pushcfunction(L, doc_close);    /* mt, close */
    lua_setfield(L, -2, "__gc");        /* mt */
    lua_pushcfunction(L, doc_close);    /* mt, close */
    lua_setfield(L, -2, "__close");     /* mt */
    lua_pop(L, 1);                      /* */
    luaL_newlib(L, funcs);              /* html */
    return 1;
}
