/* http_response.h — the response object scenarios get from http.request:
 * a table {status, body, url, method, headers, cookies, redirects, timings}
 * with resp:json(), resp:text() and resp:html().  http_lua.c builds it when
 * a request (and its redirects) is done. */
#ifndef TELLTALE_HTTP_RESPONSE_H
#define TELLTALE_HTTP_RESPONSE_H

#include <lua.h>

#include "http.h"

struct cookie;

/* A request answered with a redirect: resp.redirects and messages. */
struct http_hop {
    long status;
    char method[16];
    char *url; /* owned by whoever holds the list */
};

/* Push the response of the finished transfer x (answered status, for the
 * final request method url) with the redirects that led to it. */
void http_response_push(lua_State *L, struct http_transfer *x, long status, const char *url, const char *method,
                        const struct http_hop *hops, int nhops);
/* Push a cookie as scenarios see it: {name, value, domain, path, expires,
 * max_age, samesite, secure, httponly}, absent attributes left out. */
void http_response_push_cookie(lua_State *L, const struct cookie *c);
/* Register the response and headers metatables (luaopen_http). */
void http_response_open(lua_State *L);

#endif
