/* mail_lua.c — Lua binding of the IMAP mailboxes; see mail_lua.h.
 *
 * The C side gives lib/mail.lua three primitives on a mailbox handle:
 * mb:_messages(since, after) (what arrived, decoded), mb:_changed(ms)
 * (park until something arrives, or ms pass) and mb:_status().  Matching,
 * near misses and deadlines are Lua, where they read best. */
#include "mail_lua.h"

#include <curl/curl.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core_lua.h"
#include "engine.h"
#include "loop.h"
#include "mail.h"
#include "sched.h"
#include "xalloc.h"

#define MAILBOX_MT "telltale.mail.mailbox"

struct handle {
    struct mail_box *box;
};

static struct mail_box *check_box(lua_State *L) {
    return ((struct handle *)luaL_checkudata(L, 1, MAILBOX_MT))->box;
}

static const char *opt_string(lua_State *L, const char *key, const char *def) {
    const char *v = def;
    if (lua_getfield(L, 1, key) != LUA_TNIL) { /* 1, v */
        v = lua_tostring(L, -1);
        if (!v) luaL_error(L, "mail.mailbox: option '%s' must be a string", key);
    }
    lua_pop(L, 1); /* 1: the string stays alive in the options table */
    return v;
}

/* mail.mailbox{ url =, user =, password =, insecure =, poll =, idle = } */
static int mail_mailbox(lua_State *L) {
    struct mail_box_config cfg = {0};
    struct failure f = {0};
    CURLU *u;
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    const char *url, *error = NULL;
    struct mail_box *box = NULL;
    struct handle *h;

    luaL_checktype(L, 1, LUA_TTABLE);
    url = opt_string(L, "url", NULL);
    if (!url) return luaL_error(L, "mail.mailbox needs a 'url' like imaps://host:993/INBOX");
    cfg.user = opt_string(L, "user", NULL);
    cfg.password = opt_string(L, "password", NULL);
    if (!cfg.user || !cfg.password) return luaL_error(L, "mail.mailbox needs 'user' and 'password'");
    /* IDLE unless the scenario asks to poll (poll = "100ms", or idle =
     * false); a server without IDLE is polled every 2s.  poll_ms = 0 asks
     * the worker for IDLE. */
    cfg.poll_ms = core_opt_duration_field(L, 1, "poll", 0);
    lua_getfield(L, 1, "idle"); /* 1, idle */
    if (!lua_isnil(L, -1) && !lua_toboolean(L, -1) && cfg.poll_ms == 0) cfg.poll_ms = 2000;
    lua_pop(L, 1); /* 1 */

    lua_getfield(L, 1, "insecure"); /* 1, insecure */
    bool insecure = lua_toboolean(L, -1);
    lua_pop(L, 1); /* 1 */
    lua_getglobal(L, "run");           /* 1, run */
    lua_getfield(L, -1, "started_at"); /* 1, run, t */
    cfg.since_unix = (int64_t)lua_tonumber(L, -1);
    lua_settop(L, 1);

    u = curl_url();
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) ||
        (strcasecmp(scheme, "imap") != 0 && strcasecmp(scheme, "imaps") != 0)) {
        error = lua_pushfstring(L, "mail.mailbox: '%s' is not an imap:// or imaps:// URL", url);
        goto cleanup;
    }
    cfg.tls = strcasecmp(scheme, "imaps") == 0;
    /* libetpan does not check certificates; claiming we did would be a lie. */
    if (cfg.tls && !insecure) {
        error = "mail.mailbox: certificate verification for imaps:// is not implemented yet; "
                "pass insecure = true to connect without it";
        goto cleanup;
    }
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE);
    cfg.host = host;
    cfg.port = port ? (int)strtol(port, NULL, 10) : (cfg.tls ? 993 : 143);
    cfg.folder = path && strlen(path) > 1 ? path + 1 : "INBOX";
    box = mail_box_get(task_engine(task_from_lua(L))->loop, &cfg, &f);

cleanup:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    if (error) return luaL_error(L, "%s", error);
    if (!box) return core_raise_failure(L, &f);
    h = lua_newuserdatauv(L, sizeof *h, 0); /* 1, h */
    h->box = box;
    luaL_setmetatable(L, MAILBOX_MT);
    return 1;
}

static void push_list(lua_State *L, const struct strlist *l) {
    lua_createtable(L, (int)l->len, 0); /* ..., list */
    for (size_t i = 0; i < l->len; i++) {
        lua_pushstring(L, l->items[i]); /* ..., list, s */
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static void set_str(lua_State *L, const char *key, const char *value) {
    if (!value) return;
    lua_pushstring(L, value);
    lua_setfield(L, -2, key);
}

static void push_message(lua_State *L, const struct mail_entry *e) {
    const struct mail_message *m = &e->msg;
    lua_createtable(L, 0, 14); /* ..., msg */
    lua_pushinteger(L, e->uid);
    lua_setfield(L, -2, "uid");
    lua_pushinteger(L, e->received_unix);
    lua_setfield(L, -2, "received");
    set_str(L, "subject", m->subject);
    set_str(L, "from", m->from);
    set_str(L, "date", m->date);
    set_str(L, "message_id", m->message_id);
    set_str(L, "text", m->text);
    set_str(L, "html", m->html);
    push_list(L, &m->to);
    lua_setfield(L, -2, "to");
    push_list(L, &m->cc);
    lua_setfield(L, -2, "cc");
    push_list(L, &m->links);
    lua_setfield(L, -2, "links");
    lua_newtable(L); /* ..., msg, headers: the first of each name */
    for (size_t i = m->header_names.len; i > 0; i--) {
        lua_pushstring(L, m->header_values.items[i - 1]);
        lua_setfield(L, -2, m->header_names.items[i - 1]);
    }
    lua_setfield(L, -2, "headers"); /* ..., msg */
    lua_pushlstring(L, e->raw, e->raw_len);
    lua_setfield(L, -2, "_raw");
}

/* mb:_messages(since_unix, after_uid) → list of messages, newest uid */
static int mailbox_messages(lua_State *L) {
    struct mail_box *b = check_box(L);
    lua_Number since = luaL_checknumber(L, 2);
    lua_Integer after = luaL_optinteger(L, 3, 0);
    size_t n, out = 0;
    const struct mail_entry *list = mail_box_messages(b, &n);
    lua_Integer newest = after;
    lua_newtable(L); /* ..., list */
    for (size_t i = 0; i < n; i++) {
        if ((lua_Integer)list[i].uid <= after) continue;
        if ((lua_Integer)list[i].uid > newest) newest = list[i].uid;
        /* INTERNALDATE has whole seconds: a message in the same second as
         * the start counts. */
        if ((lua_Number)list[i].received_unix < (lua_Number)(int64_t)since) continue;
        push_message(L, &list[i]);
        lua_rawseti(L, -2, (lua_Integer)++out);
    }
    lua_pushinteger(L, newest);
    return 2;
}

/* mb:_status() → "connected to ... (IDLE)"; raises the final error, if any */
static int mailbox_status(lua_State *L) {
    struct mail_box *b = check_box(L);
    struct failure f = {0};
    struct buf s;
    if (mail_box_failed(b, &f)) return core_raise_failure(L, &f);
    buf_init(&s, 0);
    mail_box_status(b, &s);
    lua_pushstring(L, buf_str(&s));
    buf_free(&s);
    return 1;
}

static int mailbox_connections(lua_State *L) {
    lua_pushinteger(L, mail_box_connections(check_box(L)));
    return 1;
}

struct changed_op {
    struct task *task;
    struct mail_box *box;
    struct mail_watch *watch;
    struct loop_timer timer;
};

static void changed_wake(void *data) {
    struct changed_op *op = data;
    op->watch = NULL; /* fired watches are freed by mail.c */
    loop_timer_stop(task_engine(op->task)->loop, &op->timer);
    task_wake(op->task);
}

static void changed_timeout(struct loop *loop, struct loop_timer *timer) {
    struct changed_op *op = timer->data;
    (void)loop;
    if (op->watch) mail_box_unwatch(op->watch);
    op->watch = NULL;
    task_wake(op->task);
}

static void changed_cancel(void *data) {
    struct changed_op *op = data;
    if (op->watch) mail_box_unwatch(op->watch);
    loop_timer_stop(task_engine(op->task)->loop, &op->timer);
    free(op);
}

static void changed_describe(void *data, struct buf *out) {
    struct changed_op *op = data;
    buf_puts(out, "waiting for mail (");
    mail_box_status(op->box, out);
    buf_puts(out, ")");
}

static int changed_done(lua_State *L, int status, lua_KContext ctx) {
    (void)L;
    (void)status;
    free((struct changed_op *)ctx);
    return 0;
}

/* mb:_changed(ms) — park until the mailbox changes or ms pass */
static int mailbox_changed(lua_State *L) {
    struct mail_box *b = check_box(L);
    lua_Integer ms = luaL_checkinteger(L, 2);
    struct changed_op *op;
    task_check_parkable(L);
    op = xcalloc(1, sizeof *op);
    op->task = task_from_lua(L);
    op->box = b;
    loop_timer_init(&op->timer, changed_timeout, op);
    loop_timer_start(task_engine(op->task)->loop, &op->timer, loop_clock_ms() + (uint64_t)(ms > 0 ? ms : 0));
    op->watch = mail_box_watch(b, changed_wake, op);
    struct task_wait w = {changed_cancel, changed_describe, op};
    return task_park(L, &w, (lua_KContext)op, changed_done);
}

int luaopen_mail(lua_State *L) {
    static const luaL_Reg methods[] = {{"_messages", mailbox_messages},
                                       {"_status", mailbox_status},
                                       {"_changed", mailbox_changed},
                                       {"connections", mailbox_connections},
                                       {NULL, NULL}};
    static const luaL_Reg funcs[] = {{"mailbox", mail_mailbox}, {NULL, NULL}};
    luaL_newmetatable(L, MAILBOX_MT);  /* mt */
    luaL_newlib(L, methods);           /* mt, methods */
    lua_pushvalue(L, -1);              /* mt, methods, methods */
    lua_setfield(L, -3, "__index");    /* mt, methods */
    luaL_newlib(L, funcs);             /* mt, methods, mail */
    lua_insert(L, -2);                 /* mt, mail, methods */
    lua_setfield(L, -2, "_methods");   /* mt, mail: lib/mail.lua adds wait */
    lua_remove(L, -2);                 /* mail */
    return 1;
}
