/* mail_lua.c — Lua binding of the IMAP mailboxes; see mail_lua.h.
 *
 * The C side gives lib/mail.lua three primitives on a mailbox handle:
 * mb:_messages(since, after) (what arrived, decoded), mb:_changed(ms)
 * (park until something arrives, or ms pass) and mb:_status().  Matching,
 * near misses and deadlines are Lua, where they read best. */
#include "mail_lua.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "artifacts.h"
#include "core_lua.h"
#include "engine.h"
#include "loop.h"
#include "mail.h"
#include "oauth.h"
#include "opts.h"
#include "redact.h"
#include "trace.h"
#include "sched.h"
#include "smtp.h"
#include "worker_lua.h"
#include "xalloc.h"

#define MAILBOX_MT "telltale.mail.mailbox"

struct handle {
    struct mail_box *box;
};

static struct mail_box *check_box(lua_State *L) { return ((struct handle *)luaL_checkudata(L, 1, MAILBOX_MT))->box; }

static const char *opt_string(lua_State *L, const char *key, const char *def) {
    const char *v = def;
    if (lua_getfield(L, 1, key) != LUA_TNIL) { /* 1, v */
        v = lua_tostring(L, -1);
        if (!v) luaL_error(L, "mail: option '%s' must be a string", key);
    }
    lua_pop(L, 1); /* 1: the string stays alive in the options table */
    return v;
}

enum scheme { SCHEME_IMAP, SCHEME_SMTP };

/* The options of each entry point, checked before anything is read. */
#define ENDPOINT_OPTS                                                                                                  \
    {"url", OPT_STRING, false}, {"user", OPT_STRING, false}, {"password", OPT_STRING, false},                          \
        {"starttls", OPT_BOOLEAN | OPT_STRING, false}, {"ca", OPT_STRING, false}, {"insecure", OPT_BOOLEAN, false},    \
        {"oauth2", OPT_TABLE, false}, {                                                                                \
        "sasl", OPT_STRING, false                                                                                      \
    }
static const struct opts_spec mailbox_opts[] = {
    ENDPOINT_OPTS, {"poll", OPT_DURATION, false}, {"idle", OPT_BOOLEAN, false}, {NULL, 0, false}};
static const struct opts_spec probe_opts[] = {ENDPOINT_OPTS, {"timeout", OPT_DURATION, false}, {NULL, 0, false}};
static const struct opts_spec send_opts[] = {ENDPOINT_OPTS,
                                             {"timeout", OPT_DURATION, false},
                                             {"from", OPT_STRING, false},
                                             {"to", OPT_STRING | OPT_LIST, false},
                                             {"cc", OPT_STRING | OPT_LIST, false},
                                             {"bcc", OPT_STRING | OPT_LIST, false},
                                             {"subject", OPT_STRING, false},
                                             {"text", OPT_STRING, false},
                                             {"html", OPT_STRING, false},
                                             {"headers", OPT_TABLE, false},
                                             {"raw", OPT_STRING, false},
                                             {NULL, 0, false}};

/* oauth2 = { ... }: an access token, or how to get one. */
static const struct opts_spec oauth2_opts[] = {
    {"access_token", OPT_STRING, false},  {"token_url", OPT_STRING, false},     {"client_id", OPT_STRING, false},
    {"client_secret", OPT_STRING, false}, {"refresh_token", OPT_STRING, false}, {"grant", OPT_STRING, false},
    {"scope", OPT_STRING, false},         {"insecure", OPT_BOOLEAN, false},     {NULL, 0, false}};

static const char *field_string(lua_State *L, int idx, const char *key) {
    const char *v;
    lua_getfield(L, idx, key); /* ..., v */
    v = lua_tostring(L, -1);   /* a string (checked): it stays alive in the table */
    lua_pop(L, 1);             /* ... */
    return v;
}

/* The oauth2 table at idx (its keys and types already checked) into cfg;
 * NULL, or why it cannot work (a string pushed on the stack). */
static const char *check_oauth2(lua_State *L, int idx, const char *fname, struct oauth_config *cfg) {
    char problem[300];
    const char *grant, *why;
    memset(cfg, 0, sizeof *cfg);
    cfg->access_token = field_string(L, idx, "access_token");
    cfg->token_url = field_string(L, idx, "token_url");
    cfg->client_id = field_string(L, idx, "client_id");
    cfg->client_secret = field_string(L, idx, "client_secret");
    cfg->refresh_token = field_string(L, idx, "refresh_token");
    cfg->scope = field_string(L, idx, "scope");
    grant = field_string(L, idx, "grant");
    lua_getfield(L, idx, "insecure"); /* ..., insecure */
    cfg->insecure = lua_toboolean(L, -1);
    lua_pop(L, 1); /* ... */
    if (cfg->access_token) {
        if (cfg->token_url || cfg->client_id || cfg->client_secret || cfg->refresh_token || grant || cfg->scope)
            return lua_pushfstring(L,
                                   "%s: oauth2.access_token is a token already minted: give it alone, or a grant "
                                   "(token_url, client_id, ...) without it",
                                   fname);
        cfg->grant = OAUTH_GRANT_NONE;
    } else if (!grant || strcmp(grant, "refresh_token") == 0) {
        cfg->grant = OAUTH_GRANT_REFRESH_TOKEN;
    } else if (strcmp(grant, "client_credentials") == 0) {
        cfg->grant = OAUTH_GRANT_CLIENT_CREDENTIALS;
        if (cfg->refresh_token)
            return lua_pushfstring(L, "%s: oauth2 has a refresh_token and grant = \"client_credentials\": which?",
                                   fname);
    } else {
        return lua_pushfstring(L, "%s: oauth2.grant must be \"refresh_token\" or \"client_credentials\", got \"%s\"",
                               fname, grant);
    }
    why = oauth_config_problem(cfg, problem, sizeof problem);
    return why ? lua_pushfstring(L, "%s: %s", fname, why) : NULL;
}

/* The url and connection options of mail.mailbox/send/probe (table at 1)
 * into ep (owned: mail_endpoint_free).  Raises on misuse, having read
 * every option before allocating anything. */
static enum scheme check_endpoint(lua_State *L, const char *fname, bool smtp_ok, bool imap_ok,
                                  struct mail_endpoint *ep) {
    const char *url = opt_string(L, "url", NULL), *error = NULL, *tls;
    const char *ca = opt_string(L, "ca", NULL);
    const char *user = opt_string(L, "user", NULL), *password = opt_string(L, "password", NULL);
    const char *sasl = opt_string(L, "sasl", NULL);
    struct oauth_config oauth;
    bool has_oauth = false;
    char *scheme = NULL, *host = NULL, *port = NULL;
    enum scheme kind = SCHEME_IMAP;
    bool implicit = false;
    CURLU *u;

    /* Raises: before anything is allocated. */
    if (lua_getfield(L, 1, "oauth2") == LUA_TTABLE) { /* 1, oauth2 */
        lua_pushfstring(L, "%s oauth2", fname);       /* 1, oauth2, what */
        opts_check_at(L, -2, lua_tostring(L, -1), oauth2_opts, 1);
        lua_pop(L, 1); /* 1, oauth2 */
    }
    lua_pop(L, 1); /* 1 */
    u = curl_url();
    memset(ep, 0, sizeof *ep);
    if (!url) {
        error = lua_pushfstring(L, "%s needs a 'url' like %s", fname,
                                imap_ok ? "imaps://host:993/INBOX" : "smtp://host:587");
        goto cleanup;
    }
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) || curl_url_get(u, CURLUPART_HOST, &host, 0)) {
        error = lua_pushfstring(L, "%s: '%s' is not a URL", fname, url);
        goto cleanup;
    }
    if (imap_ok && (strcasecmp(scheme, "imap") == 0 || strcasecmp(scheme, "imaps") == 0)) {
        kind = SCHEME_IMAP;
        implicit = strcasecmp(scheme, "imaps") == 0;
    } else if (smtp_ok && (strcasecmp(scheme, "smtp") == 0 || strcasecmp(scheme, "smtps") == 0)) {
        kind = SCHEME_SMTP;
        implicit = strcasecmp(scheme, "smtps") == 0;
    } else {
        error = lua_pushfstring(L, "%s: '%s' is not %s URL", fname, url,
                                smtp_ok && imap_ok ? "an imap(s):// or smtp(s)://"
                                : imap_ok          ? "an imap:// or imaps://"
                                                   : "an smtp:// or smtps://");
        goto cleanup;
    }
    ep->host = xstrdup(host);
    curl_url_get(u, CURLUPART_PORT, &port, 0);
    ep->port = port                  ? (int)strtol(port, NULL, 10)
               : kind == SCHEME_IMAP ? (implicit ? 993 : 143)
                                     : (implicit ? 465 : 25);
    /* imap://: STARTTLS only when asked (starttls = true); smtp://: when
     * offered, unless asked for more or less. */
    lua_getfield(L, 1, "starttls"); /* 1, starttls */
    tls = lua_isboolean(L, -1) ? (lua_toboolean(L, -1) ? "required" : "off") : lua_tostring(L, -1);
    if (!tls) tls = kind == SCHEME_IMAP ? "off" : "optional";
    if (implicit)
        ep->tls = MAIL_TLS_IMPLICIT;
    else if (strcmp(tls, "required") == 0)
        ep->tls = MAIL_TLS_REQUIRED;
    else if (strcmp(tls, "optional") == 0)
        ep->tls = MAIL_TLS_OPTIONAL;
    else if (strcmp(tls, "off") == 0)
        ep->tls = MAIL_TLS_OFF;
    else
        error = lua_pushfstring(L, "%s: starttls must be \"required\", \"optional\" or \"off\"", fname);
    lua_pop(L, 1);                  /* 1 */
    lua_getfield(L, 1, "insecure"); /* 1, insecure */
    ep->insecure = lua_toboolean(L, -1);
    lua_pop(L, 1); /* 1 */
    ep->ca_file = ca ? xstrdup(ca) : NULL;
    if (lua_getfield(L, 1, "oauth2") == LUA_TTABLE) { /* 1, ..., oauth2 */
        const char *why = check_oauth2(L, lua_gettop(L), fname, &oauth);
        has_oauth = true;
        if (why && !error) error = why;
    }
    if (has_oauth && password)
        error = lua_pushfstring(L, "%s: give 'password' or 'oauth2', not both", fname);
    else if (has_oauth && !user)
        error = lua_pushfstring(L, "%s: 'oauth2' needs a 'user' (the mailbox's address)", fname);
    else if (user && !password && !has_oauth)
        error = lua_pushfstring(L, "%s: 'user' needs a 'password' or 'oauth2'", fname);
    if (sasl && !has_oauth)
        error = lua_pushfstring(L, "%s: 'sasl' chooses how an oauth2 token is sent: it needs 'oauth2'", fname);
    else if (sasl && strcmp(sasl, "xoauth2") == 0)
        ep->sasl = MAIL_SASL_XOAUTH2;
    else if (sasl && strcmp(sasl, "oauthbearer") == 0)
        ep->sasl = MAIL_SASL_OAUTHBEARER;
    else if (sasl)
        error = lua_pushfstring(L, "%s: sasl must be \"xoauth2\" or \"oauthbearer\", got \"%s\"", fname, sasl);
    ep->user = user ? xstrdup(user) : NULL;
    ep->password = password ? xstrdup(password) : NULL;
    if (password) redact_add_secret(password);
    if (has_oauth && !error) ep->oauth = oauth_source_get(&oauth);

cleanup:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    if (error) {
        mail_endpoint_free(ep);
        luaL_error(L, "%s", error);
    }
    return kind;
}

/* mail.mailbox{ url =, user =, password =, starttls =, insecure =, ca =,
 * poll =, idle = } */
static int mail_mailbox(lua_State *L) {
    struct mail_box_config cfg = {0};
    struct failure f = {0};
    CURLU *u;
    char *path = NULL;
    struct mail_box *box;
    struct handle *h;

    luaL_checktype(L, 1, LUA_TTABLE);
    opts_check_nargs(L, "mail.mailbox", lua_gettop(L), 1);
    opts_check(L, 1, "mail.mailbox", mailbox_opts);
    /* IDLE unless idle = false; poll is the interval without IDLE (2 s when
     * not given) and the safety re-check under it (10 s). */
    cfg.poll_ms = core_opt_duration_field(L, 1, "poll", 0);
    lua_getfield(L, 1, "idle"); /* 1, idle */
    cfg.idle = lua_isnil(L, -1) || lua_toboolean(L, -1);
    lua_pop(L, 1); /* 1 */
    check_endpoint(L, "mail.mailbox", false, true, &cfg.ep);
    if (!cfg.ep.user) {
        mail_endpoint_free(&cfg.ep);
        return luaL_error(L, "mail.mailbox needs 'user' and 'password' (or 'oauth2')");
    }
    lua_getglobal(L, "run");           /* 1, run */
    lua_getfield(L, -1, "started_at"); /* 1, run, t */
    cfg.since_unix = (int64_t)lua_tonumber(L, -1);
    lua_settop(L, 1);

    u = curl_url();
    curl_url_set(u, CURLUPART_URL, opt_string(L, "url", NULL), CURLU_NON_SUPPORT_SCHEME);
    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE);
    cfg.folder = path && strlen(path) > 1 ? path + 1 : "INBOX";
    if (task_engine(task_from_lua(L))->opt->trace) mail_trace_start();
    box = mail_box_get(task_engine(task_from_lua(L))->loop, &cfg, &f);
    curl_free(path);
    curl_url_cleanup(u);
    mail_endpoint_free(&cfg.ep);
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

/* msg.headers: lower-case names (looked up in any case), a repeated
 * header's values joined with ", " as resp.headers does. */
static void push_headers(lua_State *L, const struct mail_message *m) {
    core_headers_new(L, (int)m->header_names.len); /* ..., headers */
    for (size_t i = 0; i < m->header_names.len; i++) {
        const char *name = m->header_names.items[i], *value = m->header_values.items[i];
        core_headers_add(L, name, strlen(name), value, strlen(value));
    }
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
    push_headers(L, m);
    lua_setfield(L, -2, "headers"); /* ..., msg */
    push_list(L, &m->header_names);
    lua_setfield(L, -2, "_header_names");
    push_list(L, &m->header_values);
    lua_setfield(L, -2, "_header_values");
    set_str(L, "_error", e->error);
    lua_pushlstring(L, e->raw, e->raw_len);
    lua_setfield(L, -2, "_raw");
    lua_pushboolean(L, e->complete);
    lua_setfield(L, -2, "_complete");
    lua_pushinteger(L, e->size);
    lua_setfield(L, -2, "size");
}

static uint32_t check_uid(lua_State *L, int arg) {
    lua_Integer uid = luaL_checkinteger(L, arg);
    luaL_argcheck(L, uid > 0 && uid <= UINT32_MAX, arg, "not a message UID");
    return (uint32_t)uid;
}

/* mb:_message(uid) → the message as known now (maybe header only), or nil
 * when it is not there */
static int mailbox_message(lua_State *L) {
    const struct mail_entry *e = mail_box_message(check_box(L), check_uid(L, 2));
    if (!e) return 0;
    push_message(L, e);
    return 1;
}

/* mb:_fetch_body(uid), mb:_delete(uid): ask the worker; watch with _changed */
static int mailbox_fetch_body(lua_State *L) {
    mail_box_fetch_body(check_box(L), check_uid(L, 2));
    return 0;
}

static int mailbox_delete(lua_State *L) {
    mail_box_delete(check_box(L), check_uid(L, 2));
    return 0;
}

/* mb:_save(uid) → the path of DIR/<scenario>/NNN-<step>-message.eml with
 * --artifacts, else nil */
static int mailbox_save(lua_State *L) {
    const struct mail_entry *e = mail_box_message(check_box(L), check_uid(L, 2));
    struct task *t = task_from_lua(L);
    const struct options *opt = task_engine(t)->opt;
    struct failure f = {0};
    char path[4400];
    if (!e || !opt->artifacts_dir) return 0;
    /* An artifact that cannot be written must not fail the check itself. */
    if (artifacts_save(t, opt->artifacts_dir, task_scenario(t), task_step(t), "message.eml", e->raw, e->raw_len, path,
                       sizeof path, &f) != 0) {
        fprintf(stderr, "telltale: %s\n", f.message);
        failure_clear(&f);
        return 0;
    }
    lua_pushstring(L, path);
    return 1;
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

/* mb:_backfill(since_unix): ask for mail from before the mailbox's start;
 * mb:_since() → the earliest arrival time its list covers */
static int mailbox_backfill(lua_State *L) {
    mail_box_backfill(check_box(L), (int64_t)luaL_checknumber(L, 2));
    return 0;
}

static int mailbox_since(lua_State *L) {
    lua_pushinteger(L, mail_box_since(check_box(L)));
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

/* ---- mail.send and mail.probe: one session on a worker thread ---- */

struct mail_call {
    struct smtp_job *job; /* also carries an IMAP probe's endpoint and results */
    enum scheme scheme;
    bool send;
    char message_id[160];
    char *label; /* "scenario/step", for trace lines printed after the step moved on */
};

static void call_run(void *data) {
    struct mail_call *c = data;
    struct smtp_job *j = c->job;
    if (c->scheme == SCHEME_IMAP)
        mail_imap_probe(&j->ep, j->timeout_ms, &j->cancel, j->trace, &j->probe, &j->f);
    else
        smtp_run(j);
}

static void call_free(void *data) {
    struct mail_call *c = data;
    if (c->job->trace) {
        struct buf text;
        buf_init(&text, 0);
        mail_trace_take(c->job->trace, &text);
        if (text.len) trace_print(c->label, c->scheme == SCHEME_IMAP ? "imap " : "smtp ", text.data, text.len);
        buf_free(&text);
    }
    smtp_job_free(c->job);
    free(c->label);
    free(c);
}

static void call_describe(void *data, struct buf *out) {
    struct mail_call *c = data;
    buf_printf(out, "%s %s:%d", c->send ? "sending mail via" : "probing", c->job->ep.host, c->job->ep.port);
}

static void call_interrupt(void *data) { net_cancel_fire(&((struct mail_call *)data)->job->cancel); }

static const struct worker_call mail_call_how = {call_run, call_interrupt, call_free, call_describe};

static int call_done(lua_State *L, int status, lua_KContext ctx) {
    struct mail_call *c = (struct mail_call *)ctx;
    struct smtp_job *j = c->job;
    (void)status;
    if (j->f.kind != FAILURE_NONE) {
        struct failure f = {0};
        failure_copy(&f, &j->f);
        return core_raise_failure(L, &f);
    }
    lua_newtable(L); /* result */
    if (c->send) {
        const char *queued = j->reply ? strstr(j->reply, "queued as ") : NULL;
        lua_pushinteger(L, j->reply_code);
        lua_setfield(L, -2, "code");
        set_str(L, "reply", j->reply);
        set_str(L, "message_id", c->message_id);
        if (queued) {
            queued += strlen("queued as ");
            lua_pushlstring(L, queued, strcspn(queued, " \r\n"));
            lua_setfield(L, -2, "queue_id");
        }
    }
    set_str(L, "address", j->probe.address);
    lua_pushinteger(L, j->probe.connect_ms);
    lua_setfield(L, -2, "connect_ms");
    set_str(L, "greeting", j->probe.greeting);
    push_list(L, &j->probe.capabilities);
    lua_setfield(L, -2, "capabilities");
    lua_pushboolean(L, j->probe.tls);
    lua_setfield(L, -2, "tls");
    lua_pushboolean(L, j->probe.authenticated);
    lua_setfield(L, -2, "authenticated");
    return 1;
}

/* Addresses go into headers and SMTP commands as they are: a line break
 * in one would start a header or a command of the caller's choosing. */
static void check_addresses(lua_State *L, const char *key) {
    int t = lua_getfield(L, 1, key); /* 1, v */
    if (t == LUA_TSTRING && strpbrk(lua_tostring(L, -1), "\r\n"))
        luaL_error(L, "mail.send: '%s' contains a line break", key);
    if (t == LUA_TTABLE)
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) { /* 1, v, s */
            if (lua_type(L, -1) != LUA_TSTRING || strpbrk(lua_tostring(L, -1), "\r\n"))
                luaL_error(L, "mail.send: '%s' must be a list of addresses without line breaks", key);
            lua_pop(L, 1); /* 1, v */
        }
    else if (t != LUA_TNIL && t != LUA_TSTRING)
        luaL_error(L, "mail.send: '%s' must be an address or a list of them", key);
    lua_settop(L, 1);
}

/* A header dropped without a word would be a check that silently sends
 * something else: every entry must be a name and a string. */
static void check_headers(lua_State *L) {
    if (lua_getfield(L, 1, "headers") == LUA_TTABLE)         /* 1, headers */
        for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) /* 1, headers, k, v */
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING ||
                strpbrk(lua_tostring(L, -2), ": \r\n") || strpbrk(lua_tostring(L, -1), "\r\n"))
                luaL_error(L, "mail.send: headers must map names (no ':', spaces or line breaks) to one-line strings");
    lua_settop(L, 1);
}

/* A string or a list of strings at field key into out. */
static void opt_addresses(lua_State *L, const char *key, struct strlist *out) {
    int t = lua_getfield(L, 1, key); /* 1, v */
    if (t == LUA_TSTRING)
        strlist_push(out, lua_tostring(L, -1));
    else if (t == LUA_TTABLE)
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) { /* 1, v, s */
            strlist_push(out, lua_tostring(L, -1));
            lua_pop(L, 1); /* 1, v */
        }
    lua_settop(L, 1);
}

/* Everything that may raise is checked before anything is allocated. */
static struct mail_call *new_call(lua_State *L, const char *fname, bool smtp_ok, bool imap_ok) {
    struct mail_call *c;
    struct task *t = task_from_lua(L);
    struct buf label;
    struct mail_endpoint ep;
    int64_t remaining = task_remaining_ms(L);
    int64_t timeout = core_opt_duration_field(L, 1, "timeout", remaining);
    enum scheme scheme = check_endpoint(L, fname, smtp_ok, imap_ok, &ep);
    c = xcalloc(1, sizeof *c);
    c->job = smtp_job_new();
    if (!c->job) {
        mail_endpoint_free(&ep);
        free(c);
        luaL_error(L, "%s: cannot make a pipe: %s", fname, strerror(errno));
        return NULL;
    }
    c->job->ep = ep;
    c->scheme = scheme;
    c->job->timeout_ms = timeout < remaining ? timeout : remaining;
    if (task_engine(t)->opt->trace) {
        c->job->trace = xcalloc(1, sizeof *c->job->trace);
        mail_trace_init(c->job->trace);
    }
    buf_init(&label, 0);
    buf_printf(&label, "%s/%s", task_scenario(t), task_step(t));
    c->label = buf_take(&label);
    return c;
}

/* mail.send{ url =, starttls =, user =, password =, from =, to =, cc =,
 * bcc =, subject =, text =, html =, headers = } or { ..., raw = } →
 * { code, reply, queue_id, message_id, ... } */
static int mail_send(lua_State *L) {
    struct strlist cc = {0}, bcc = {0}, names = {0}, values = {0};
    struct smtp_message m = {0};
    struct mail_call *c;
    luaL_checktype(L, 1, LUA_TTABLE);
    opts_check_nargs(L, "mail.send", lua_gettop(L), 1);
    opts_check(L, 1, "mail.send", send_opts);
    task_check_parkable(L);
    m.from = opt_string(L, "from", NULL);
    m.subject = opt_string(L, "subject", "");
    m.text = opt_string(L, "text", NULL);
    m.html = opt_string(L, "html", NULL);
    const char *raw = opt_string(L, "raw", NULL);
    size_t raw_len = raw ? strlen(raw) : 0;
    if (!m.from || lua_getfield(L, 1, "to") == LUA_TNIL) return luaL_error(L, "mail.send needs 'from' and 'to'");
    lua_settop(L, 1);
    check_addresses(L, "from");
    check_addresses(L, "to");
    check_addresses(L, "cc");
    check_addresses(L, "bcc");
    check_headers(L);
    c = new_call(L, "mail.send", true, false);
    c->send = true;
    opt_addresses(L, "to", &c->job->to);
    opt_addresses(L, "cc", &cc);
    opt_addresses(L, "bcc", &bcc);
    m.to = &c->job->to;
    m.cc = &cc;
    if (lua_getfield(L, 1, "headers") == LUA_TTABLE)         /* 1, headers */
        for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) /* 1, headers, k, v */
            if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING &&
                !strpbrk(lua_tostring(L, -2), ": \r\n")) {
                strlist_push(&names, lua_tostring(L, -2));
                strlist_push(&values, lua_tostring(L, -1));
            }
    lua_settop(L, 1);
    m.header_names = &names;
    m.header_values = &values;
    c->job->from = xstrdup(m.from);
    if (raw) { /* as given: a captured message replayed, a MIME edge case */
        c->job->message = xstrndup(raw, raw_len);
        c->job->message_len = raw_len;
    } else {
        c->job->message = smtp_build_message(&m, c->message_id, sizeof c->message_id, &c->job->message_len);
    }
    for (size_t i = 0; i < cc.len; i++) strlist_push(&c->job->to, cc.items[i]);
    for (size_t i = 0; i < bcc.len; i++) strlist_push(&c->job->to, bcc.items[i]);
    strlist_free(&cc);
    strlist_free(&bcc);
    strlist_free(&names);
    strlist_free(&values);
    return worker_park(L, c, &mail_call_how, call_done);
}

/* mail.probe{ url =, starttls =, user =, password =, insecure =, ca =,
 * timeout = } → { address, connect_ms, greeting, capabilities, tls,
 * authenticated } */
static int mail_probe(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    opts_check_nargs(L, "mail.probe", lua_gettop(L), 1);
    opts_check(L, 1, "mail.probe", probe_opts);
    task_check_parkable(L);
    return worker_park(L, new_call(L, "mail.probe", true, true), &mail_call_how, call_done);
}

int luaopen_mail(lua_State *L) {
    static const luaL_Reg methods[] = {{"_messages", mailbox_messages},
                                       {"_message", mailbox_message},
                                       {"_fetch_body", mailbox_fetch_body},
                                       {"_delete", mailbox_delete},
                                       {"_save", mailbox_save},
                                       {"_status", mailbox_status},
                                       {"_changed", mailbox_changed},
                                       {"_backfill", mailbox_backfill},
                                       {"_since", mailbox_since},
                                       {"connections", mailbox_connections},
                                       {NULL, NULL}};
    static const luaL_Reg funcs[] = {
        {"mailbox", mail_mailbox}, {"send", mail_send}, {"probe", mail_probe}, {NULL, NULL}};
    luaL_newmetatable(L, MAILBOX_MT); /* mt */
    luaL_newlib(L, methods);          /* mt, methods */
    lua_pushvalue(L, -1);             /* mt, methods, methods */
    lua_setfield(L, -3, "__index");   /* mt, methods */
    luaL_newlib(L, funcs);            /* mt, methods, mail */
    lua_insert(L, -2);                /* mt, mail, methods */
    lua_setfield(L, -2, "_methods");  /* mt, mail: lib/mail.lua adds wait */
    lua_remove(L, -2);                /* mail */
    return 1;
}
