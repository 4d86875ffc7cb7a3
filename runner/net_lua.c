/* net_lua.c — net.tcp on a worker thread (getaddrinfo blocks); see
 * net_lua.h. */
#include "net_lua.h"

#include <lauxlib.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core_lua.h"
#include "loop.h"
#include "net.h"
#include "opts.h"
#include "sched.h"
#include "worker_lua.h"
#include "xalloc.h"

struct tcp_check {
    char *host;
    int port;
    int64_t timeout_ms;
    char address[80];
    int64_t connect_ms;
    struct failure f;
    struct net_cancel cancel;
};

static void tcp_run(void *data) {
    struct tcp_check *c = data;
    uint64_t started = loop_clock_ms();
    int fd =
        net_connect(c->host, c->port, c->timeout_ms, net_cancel_fd(&c->cancel), c->address, sizeof c->address, &c->f);
    c->connect_ms = (int64_t)(loop_clock_ms() - started);
    if (fd >= 0) close(fd);
}

static void tcp_interrupt(void *data) { net_cancel_fire(&((struct tcp_check *)data)->cancel); }

static void tcp_free(void *data) {
    struct tcp_check *c = data;
    net_cancel_free(&c->cancel);
    free(c->host);
    failure_clear(&c->f);
    free(c);
}

static void tcp_describe(void *data, struct buf *out) {
    struct tcp_check *c = data;
    buf_printf(out, "connecting to %s:%d", c->host, c->port);
}

static int tcp_done(lua_State *L, int status, lua_KContext ctx) {
    struct tcp_check *c = (struct tcp_check *)ctx;
    (void)status;
    if (c->f.kind != FAILURE_NONE) {
        struct failure f = {0};
        failure_move(&f, &c->f);
        return core_raise_failure(L, &f);
    }
    lua_createtable(L, 0, 2); /* result */
    lua_pushstring(L, c->address);
    lua_setfield(L, -2, "address");
    lua_pushinteger(L, c->connect_ms);
    lua_setfield(L, -2, "connect_ms");
    return 1;
}

static const struct worker_call tcp_call = {tcp_run, tcp_interrupt, tcp_free, tcp_describe};

/* net.tcp{ host =, port =, timeout = } → { address =, connect_ms = } */
static int net_tcp(lua_State *L) {
    struct tcp_check *c;
    lua_Integer port;
    int64_t timeout;
    static const struct opts_spec spec[] = {
        {"host", OPT_STRING, false}, {"port", OPT_INTEGER, false}, {"timeout", OPT_DURATION, false}, {NULL, 0, false}};
    luaL_checktype(L, 1, LUA_TTABLE);
    opts_check_nargs(L, "net.tcp", lua_gettop(L), 1);
    opts_check(L, 1, "net.tcp", spec);
    lua_getfield(L, 1, "host"); /* 1, host */
    const char *host = lua_tostring(L, -1);
    if (!host || !*host) return luaL_error(L, "net.tcp needs a 'host'");
    lua_getfield(L, 1, "port"); /* 1, host, port */
    port = lua_tointeger(L, -1);
    if (port <= 0 || port > 65535) return luaL_error(L, "net.tcp needs a 'port' between 1 and 65535");
    timeout = core_opt_duration_field(L, 1, "timeout", 5000);
    if (timeout > task_remaining_ms(L)) timeout = task_remaining_ms(L);
    c = xcalloc(1, sizeof *c);
    c->host = xstrdup(host);
    c->port = (int)port;
    c->timeout_ms = timeout;
    if (net_cancel_init(&c->cancel) != 0) {
        tcp_free(c);
        return luaL_error(L, "net.tcp: cannot make a pipe: %s", strerror(errno));
    }
    lua_settop(L, 1);
    return worker_park(L, c, &tcp_call, tcp_done);
}

int luaopen_net(lua_State *L) {
    static const luaL_Reg funcs[] = {{"tcp", net_tcp}, {NULL, NULL}};
    luaL_newlib(L, funcs);
    return 1;
}
