/* floor_flow.c — the baselines for the scale benchmark (scale.py): flow.lua's
 * five requests and twelve checks over one reused libcurl easy handle,
 *   floor_flow BASE_URL N             as a bare C loop (the C floor);
 *   floor_flow BASE_URL N FLOW.lua    driven by Lua 5.4 (the Lua floor):
 *                                     FLOW.lua defines flow(base), called N times,
 *                                     with get(url [, auth]) and post(url, json)
 *                                     returning status, body.
 * Whatever telltale costs beyond these is the engine's own. */
#include <curl/curl.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct response {
    char body[4096];
    size_t len;
    long status;
};

static CURL *easy;

static size_t sink(char *data, size_t size, size_t n, void *userp) {
    struct response *r = userp;
    size_t len = size * n, room = sizeof r->body - 1 - r->len;
    memcpy(r->body + r->len, data, len < room ? len : room);
    r->len += len < room ? len : room;
    r->body[r->len] = '\0';
    return len;
}

/* One request: json != NULL makes it a POST with that body. */
static int request(const char *url, const char *auth, const char *json, struct response *r) {
    struct curl_slist *headers = NULL;
    char line[256];
    r->len = 0;
    r->body[0] = '\0';
    if (auth) {
        snprintf(line, sizeof line, "Authorization: %s", auth);
        headers = curl_slist_append(headers, line);
    }
    if (json) headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    if (json)
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, json);
    else
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, r);
    CURLcode rc = curl_easy_perform(easy);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) return -1;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r->status);
    return 0;
}

#define CHECK(c)                                                                                                       \
    do {                                                                                                               \
        if (!(c)) {                                                                                                    \
            fprintf(stderr, "check failed: %s\n", #c);                                                                 \
            exit(1);                                                                                                   \
        }                                                                                                              \
    } while (0)

static void c_flow(const char *base) {
    struct response r;
    char url[512];
    snprintf(url, sizeof url, "%s/json", base);
    CHECK(request(url, NULL, NULL, &r) == 0 && r.status == 200);
    CHECK(strstr(r.body, "\"name\": \"canary\""));
    const char *id = strstr(r.body, "\"id\": ");
    CHECK(id && atoi(id + 6) == 42);
    snprintf(url, sizeof url, "%s/echo/headers?id=%d", base, atoi(id + 6));
    CHECK(request(url, "Bearer tok-1", NULL, &r) == 0 && r.status == 200);
    CHECK(strstr(r.body, "args=id=42"));
    CHECK(strstr(r.body, "method=GET"));
    snprintf(url, sizeof url, "%s/echo/headers", base);
    CHECK(request(url, NULL, "{\"id\":42}", &r) == 0 && r.status == 200);
    CHECK(strstr(r.body, "method=POST"));
    CHECK(strstr(r.body, "ct=application/json"));
    snprintf(url, sizeof url, "%s/cookie/set", base);
    CHECK(request(url, NULL, NULL, &r) == 0 && r.status == 200);
    snprintf(url, sizeof url, "%s/cookie/check", base);
    CHECK(request(url, NULL, NULL, &r) == 0 && r.status == 200);
    CHECK(strstr(r.body, "session="));
}

static int push_response(lua_State *L, int rc, struct response *r) {
    if (rc != 0) return luaL_error(L, "request failed");
    lua_pushinteger(L, r->status);       /* status */
    lua_pushlstring(L, r->body, r->len); /* status, body */
    return 2;
}

static int l_get(lua_State *L) {
    struct response r;
    int rc = request(luaL_checkstring(L, 1), luaL_optstring(L, 2, NULL), NULL, &r);
    return push_response(L, rc, &r);
}

static int l_post(lua_State *L) {
    struct response r;
    int rc = request(luaL_checkstring(L, 1), NULL, luaL_checkstring(L, 2), &r);
    return push_response(L, rc, &r);
}

static void lua_flows(const char *base, int n, const char *script) {
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    lua_register(L, "get", l_get);
    lua_register(L, "post", l_post);
    if (luaL_dofile(L, script) != LUA_OK) {
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
        exit(1);
    }
    for (int i = 0; i < n; i++) {
        lua_getglobal(L, "flow"); /* flow */
        lua_pushstring(L, base);  /* flow, base */
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
            fprintf(stderr, "%s\n", lua_tostring(L, -1));
            exit(1);
        }
    }
    lua_close(L);
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: floor_flow BASE_URL N [FLOW.lua]\n");
        return 2;
    }
    int n = (int)strtol(argv[2], NULL, 10);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(easy, CURLOPT_COOKIEFILE, "");
    if (argc == 4)
        lua_flows(argv[1], n, argv[3]);
    else
        for (int i = 0; i < n; i++) c_flow(argv[1]);
    curl_easy_cleanup(easy);
    curl_global_cleanup();
    return 0;
}
