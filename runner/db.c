/* db.c — connection pools and queries over libpq's async API; see db.h.
 *
 * A connection is a small state machine driven by socket readiness:
 *
 *   CONNECTING → IDLE → BEGIN → QUERY → END → IDLE ...
 *                         \______\______\__→ RESET (ROLLBACK) → IDLE or closed
 *
 * BEGIN sends "BEGIN [READ ONLY]; SET LOCAL statement_timeout = N" (simple
 * protocol, one round trip), QUERY the user's statement with
 * PQsendQueryParams (an unnamed statement), END "ROLLBACK" for reads and
 * "COMMIT" for writes.  Whatever failed, the connection is checked before it
 * serves again: in a transaction → RESET; broken or unknown → closed. */
#include "db.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "net.h"
#include "redact.h"
#include "worker.h"
#include "xalloc.h"

enum conn_state { CONN_CONNECTING, CONN_IDLE, CONN_BEGIN, CONN_QUERY, CONN_END, CONN_RESET };

struct db_conn {
    struct db_pool *pool;
    PGconn *pg;
    enum conn_state state;
    struct loop_io io;
    struct loop_timer connect_timer;
    struct worker_job *resolving; /* looking up the host before libpq starts */
    bool oversized;               /* the query's rows passed its cap: close, never reuse */
    struct db_query *query;       /* the query being served, or NULL */
    struct db_conn *next;
};

struct db_query {
    char *sql;
    char **params;
    int nparams;
    bool write;
    int64_t statement_timeout_ms;
    db_done_fn *done;
    void *data;
    struct db_pool *pool;
    struct db_conn *conn;  /* while running */
    struct db_query *next; /* while queued */
    bool queued;
    uint64_t started_ms;
    int64_t duration_ms;
    PGresult *result;     /* the final one: columns, command status */
    struct db_row **rows; /* copied out of their single-row results, which are freed at once */
    size_t nrows, rows_alloc;
    size_t bytes, max_bytes; /* memory the rows hold so far, and the cap */
    struct failure failure;
};

struct db_pool {
    struct loop *loop;
    struct loop_timer dispatch_timer; /* queries start from the loop, never inside db_submit */
    char *dsn;
    char *where;        /* host:port for messages */
    char *resolve_host; /* the one host name to look up off the loop; NULL: libpq needs no lookup */
    int max_conns;
    int64_t connect_timeout_ms;
    struct db_conn *conns;
    int nconns;
    struct db_query *queue, *queue_tail;
    struct db_pool *next;
};

static struct db_pool *pools;

static void dispatch(struct db_pool *p);
static void conn_close(struct db_conn *c);
static void on_conn_io(struct loop *loop, struct loop_io *io, unsigned events);

/* ---- queries ---- */

struct db_query *db_query_new(const char *sql, int nparams, const char *const *params, bool write,
                              int64_t statement_timeout_ms, size_t max_bytes, db_done_fn *done, void *data) {
    struct db_query *q = xcalloc(1, sizeof *q);
    q->sql = xstrdup(sql);
    q->nparams = nparams;
    q->params = xcalloc((size_t)(nparams ? nparams : 1), sizeof *q->params);
    for (int i = 0; i < nparams; i++) q->params[i] = params[i] ? xstrdup(params[i]) : NULL;
    q->write = write;
    q->statement_timeout_ms = statement_timeout_ms;
    q->max_bytes = max_bytes;
    q->done = done;
    q->data = data;
    return q;
}

/* A row as held until it is converted: each value's length (or
 * DB_ROW_NULL) then the values, each NUL-terminated, in one block.  A
 * single-row PGresult costs some 3 KB; this costs what the row holds. */
struct db_row {
    uint32_t len[1]; /* [ncols], then the values */
};

#define DB_ROW_NULL UINT32_MAX

static struct db_row *row_copy(const PGresult *r, size_t *size) {
    int ncols = PQnfields(r);
    size_t n = (size_t)(ncols ? ncols : 1) * sizeof(uint32_t);
    struct db_row *row;
    char *p;
    for (int c = 0; c < ncols; c++) n += PQgetisnull(r, 0, c) ? 0 : (size_t)PQgetlength(r, 0, c) + 1;
    row = xmalloc(n);
    p = (char *)row + (size_t)(ncols ? ncols : 1) * sizeof(uint32_t);
    for (int c = 0; c < ncols; c++) {
        size_t len = (size_t)PQgetlength(r, 0, c);
        if (PQgetisnull(r, 0, c)) {
            row->len[c] = DB_ROW_NULL;
            continue;
        }
        row->len[c] = (uint32_t)len;
        memcpy(p, PQgetvalue(r, 0, c), len + 1);
        p += len + 1;
    }
    *size = n;
    return row;
}

const char *db_row_value(const struct db_row *row, int ncols, int col, size_t *len) {
    const char *p = (const char *)row + (size_t)(ncols ? ncols : 1) * sizeof(uint32_t);
    for (int c = 0; c < col; c++)
        if (row->len[c] != DB_ROW_NULL) p += row->len[c] + 1;
    if (row->len[col] == DB_ROW_NULL) return NULL;
    *len = row->len[col];
    return p;
}

static void drop_results(struct db_query *q) {
    for (size_t i = 0; i < q->nrows; i++) free(q->rows[i]);
    free(q->rows);
    q->rows = NULL;
    q->nrows = q->rows_alloc = 0;
    if (q->result) PQclear(q->result);
    q->result = NULL;
}

void db_query_free(struct db_query *q) {
    if (!q) return;
    for (int i = 0; i < q->nparams; i++) free(q->params[i]);
    free(q->params);
    free(q->sql);
    drop_results(q);
    failure_clear(&q->failure);
    free(q);
}

PGresult *db_query_result(struct db_query *q) { return q->result; }

size_t db_query_rows(const struct db_query *q, struct db_row *const **rows) {
    *rows = q->rows;
    return q->nrows;
}
const struct failure *db_query_failure(const struct db_query *q) { return &q->failure; }
int64_t db_query_duration_ms(const struct db_query *q) { return q->duration_ms; }

void db_query_describe(const struct db_query *q, struct buf *out) {
    if (q->conn && q->conn->state != CONN_CONNECTING) {
        buf_printf(out, "waiting for database %s to answer \"%.80s%s\"", q->pool->where, q->sql,
                   strlen(q->sql) > 80 ? "..." : "");
    } else if (q->pool && q->pool->nconns >= q->pool->max_conns) {
        buf_printf(out, "waiting for a free connection to %s (pool of %d, all busy)", q->pool->where,
                   q->pool->max_conns);
    } else {
        buf_printf(out, "connecting to database %s", q->pool ? q->pool->where : "");
    }
}

static void finish_query(struct db_query *q) {
    q->duration_ms = (int64_t)(loop_clock_ms() - q->started_ms);
    q->conn = NULL;
    q->queued = false;
    q->done(q, q->data);
}

/* ---- failures ---- */

/* SQLSTATE classes: which kind of failure a server error is. */
static enum failure_kind kind_for_sqlstate(const char *state) {
    if (!state) return FAILURE_NETWORK;
    if (strcmp(state, "57014") == 0) return FAILURE_TIMEOUT;  /* query_canceled: statement_timeout */
    if (strcmp(state, "08P01") == 0) return FAILURE_SCRIPT;   /* protocol violation: a bind that does not fit */
    if (strncmp(state, "08", 2) == 0) return FAILURE_NETWORK; /* connection exception */
    if (strncmp(state, "28", 2) == 0) return FAILURE_NETWORK; /* invalid authorization */
    if (strncmp(state, "53", 2) == 0) return FAILURE_NETWORK; /* insufficient resources (too many connections) */
    if (strncmp(state, "57", 2) == 0) return FAILURE_NETWORK; /* operator intervention: shutdown */
    return FAILURE_SCRIPT; /* syntax, undefined column, read-only violation...: the check is broken */
}

static void result_failure(struct db_query *q, const PGresult *r) {
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
    enum failure_kind kind = kind_for_sqlstate(state);
    struct buf detail;
    if (q->failure.kind != FAILURE_NONE) return; /* keep the first */
    if (kind == FAILURE_TIMEOUT)
        failure_set(&q->failure, kind, "query exceeded its statement_timeout of %lldms",
                    (long long)q->statement_timeout_ms);
    else if (state && strcmp(state, "25006") == 0)
        failure_set(&q->failure, kind, "%s (a write needs h:exec on a handle opened with { write = true })",
                    primary ? primary : "read-only transaction");
    else
        failure_set(&q->failure, kind, "%s", primary ? primary : PQresultErrorMessage(r));
    buf_init(&detail, 0);
    buf_printf(&detail, "SQLSTATE %s\n%s", state ? state : "?????", PQresultErrorMessage(r));
    if (hint) buf_printf(&detail, "hint: %s\n", hint);
    buf_printf(&detail, "query: %s", q->sql);
    failure_set_detail(&q->failure, buf_str(&detail));
    failure_set_phase(&q->failure, "query");
    buf_free(&detail);
}

/* The connection failed under q: while connecting (phase connect or
 * authentication) or once it served q (phase query). */
static void conn_failure(struct db_query *q, struct db_conn *c, const char *what) {
    const char *msg = c->pg ? PQerrorMessage(c->pg) : "";
    char *clean = xstrdup(msg && *msg ? msg : "connection lost");
    size_t n = strlen(clean);
    while (n && (clean[n - 1] == '\n' || clean[n - 1] == ' ')) clean[--n] = '\0';
    if (q->failure.kind == FAILURE_NONE) {
        bool auth = strstr(clean, "authentication") || strstr(clean, "password");
        failure_set(&q->failure, FAILURE_NETWORK, "%s %s: %s%s", what, c->pool->where,
                    auth ? "authentication failed: " : "", clean);
        failure_set_phase(&q->failure, c->state != CONN_CONNECTING ? "query" : auth ? "authentication" : "connect");
    }
    free(clean);
}

/* ---- connections ---- */

static void watch(struct db_conn *c, unsigned events) {
    /* While connecting, libpq may close its socket and open another (the
     * next host, the next address) under the same fd number: register
     * afresh so epoll watches the new socket. */
    if (c->state == CONN_CONNECTING || PQsocket(c->pg) != c->io.fd) loop_io_set(c->pool->loop, &c->io, 0);
    c->io.fd = PQsocket(c->pg);
    loop_io_set(c->pool->loop, &c->io, events);
}

static void conn_close(struct db_conn *c) {
    struct db_pool *p = c->pool;
    struct db_conn **pp;
    loop_timer_stop(p->loop, &c->connect_timer);
    if (c->resolving) worker_abandon(c->resolving);
    if (c->io.events) loop_io_set(p->loop, &c->io, 0);
    for (pp = &p->conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    p->nconns--;
    if (c->pg) PQfinish(c->pg);
    free(c);
}

/* A connection attempt failed: when no other connection can serve the
 * queue, every waiting query fails with the reason (the DSN is wrong, the
 * host unreachable); otherwise the others carry on. */
static void connect_failed_with(struct db_conn *c, const struct failure *f) {
    struct db_pool *p = c->pool;
    bool alone = p->nconns == 1;
    conn_close(c);
    while (alone && p->queue) {
        struct db_query *q = p->queue;
        p->queue = q->next;
        if (!p->queue) p->queue_tail = NULL;
        failure_copy(&q->failure, f);
        finish_query(q);
    }
    dispatch(p);
}

static void connect_failed(struct db_conn *c, const char *why) {
    struct db_query fake = {0};
    fake.pool = c->pool;
    if (why)
        failure_set(&fake.failure, FAILURE_NETWORK, "%s %s", why, c->pool->where);
    else
        conn_failure(&fake, c, "cannot connect to database");
    connect_failed_with(c, &fake.failure);
    failure_clear(&fake.failure);
}

static void on_connect_timeout(struct loop *loop, struct loop_timer *timer) {
    (void)loop;
    connect_failed(timer->data, "timed out connecting to database");
}

/* Start libpq's connection.  hosts/hostaddrs, when not NULL, are the host
 * name repeated once per address and the addresses looked up already
 * (libpq tries them in turn, as it would have), so libpq does no DNS
 * lookup of its own. */
static void conn_start(struct db_conn *c, const char *hosts, const char *hostaddrs) {
    /* The DSN may be key=value or a URL: expand it as dbname, and name
     * ourselves to the DBA unless the DSN already does.  Keywords after
     * dbname override the DSN's. */
    const char *keys[] = {"dbname", "fallback_application_name", hosts ? "host" : NULL, "hostaddr", NULL};
    const char *values[] = {c->pool->dsn, "telltale", hosts, hostaddrs, NULL};
    c->pg = PQconnectStartParams(keys, values, 1);
    if (!c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
        connect_failed(c, NULL);
        return;
    }
    PQsetnonblocking(c->pg, 1);
    /* PQconnectStart wants to write first. */
    watch(c, LOOP_WRITE);
}

/* libpq resolves host names synchronously inside PQconnectStart: on the
 * loop thread, a slow resolver would stall every scenario and every
 * deadline.  So the name is looked up on a worker thread first. */
struct lookup {
    struct db_conn *conn;
    char *host;
    struct buf addresses;
    int count;
    struct failure failure;
};

static void lookup_run(void *data) {
    struct lookup *l = data;
    net_resolve(l->host, &l->addresses, &l->count, &l->failure);
}

static void lookup_done(void *data) {
    struct lookup *l = data;
    struct db_conn *c = l->conn;
    c->resolving = NULL;
    if (l->failure.kind == FAILURE_NONE) {
        struct buf hosts;
        buf_init(&hosts, 0);
        for (int i = 0; i < l->count; i++) buf_printf(&hosts, "%s%s", i ? "," : "", l->host);
        conn_start(c, buf_str(&hosts), buf_str(&l->addresses));
        buf_free(&hosts);
        return;
    }
    struct failure f = {0};
    failure_set(&f, FAILURE_NETWORK, "cannot connect to database %s: %s", c->pool->where, l->failure.message);
    failure_set_phase(&f, "dns");
    connect_failed_with(c, &f);
    failure_clear(&f);
}

static void lookup_free(void *data) {
    struct lookup *l = data;
    free(l->host);
    buf_free(&l->addresses);
    failure_clear(&l->failure);
    free(l);
}

static void conn_open(struct db_pool *p) {
    struct db_conn *c = xcalloc(1, sizeof *c);
    c->pool = p;
    c->state = CONN_CONNECTING;
    c->io.fn = on_conn_io;
    c->io.data = c;
    loop_timer_init(&c->connect_timer, on_connect_timeout, c);
    c->next = p->conns;
    p->conns = c;
    p->nconns++;
    loop_timer_start(p->loop, &c->connect_timer, loop_clock_ms() + (uint64_t)p->connect_timeout_ms);
    if (!p->resolve_host) {
        conn_start(c, NULL, NULL);
        return;
    }
    struct lookup *l = xcalloc(1, sizeof *l);
    l->conn = c;
    l->host = xstrdup(p->resolve_host);
    buf_init(&l->addresses, 0);
    c->resolving = worker_start(p->loop, lookup_run, lookup_done, lookup_free, l);
    if (!c->resolving) {
        lookup_free(l);
        connect_failed(c, "cannot start a thread to look up");
    }
}

static void send_or_fail(struct db_conn *c, int sent) {
    if (!sent) {
        conn_failure(c->query, c, "lost connection to database");
        struct db_query *q = c->query;
        c->query = NULL;
        conn_close(c);
        finish_query(q);
        return;
    }
    /* Non-blocking: the command may not all be on the wire yet. */
    watch(c, PQflush(c->pg) == 1 ? LOOP_READ | LOOP_WRITE : LOOP_READ);
}

static void start_query(struct db_conn *c, struct db_query *q) {
    char begin[160];
    c->query = q;
    q->conn = c;
    c->state = CONN_BEGIN;
    snprintf(begin, sizeof begin, "BEGIN%s; SET LOCAL statement_timeout = %lld", q->write ? "" : " READ ONLY",
             (long long)(q->statement_timeout_ms > 0 ? q->statement_timeout_ms : 0));
    send_or_fail(c, PQsendQuery(c->pg, begin));
}

/* The connection has finished everything it was doing: make sure it is
 * clean before it serves again. */
static void conn_settle(struct db_conn *c) {
    PGTransactionStatusType ts = PQtransactionStatus(c->pg);
    if (PQstatus(c->pg) != CONNECTION_OK || ts == PQTRANS_UNKNOWN || ts == PQTRANS_ACTIVE) {
        conn_close(c);
    } else if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
        if (c->state == CONN_RESET) { /* ROLLBACK did not clean it: never reuse */
            conn_close(c);
        } else {
            c->state = CONN_RESET;
            send_or_fail(c, PQsendQuery(c->pg, "ROLLBACK"));
            return;
        }
    } else {
        c->state = CONN_IDLE;
        watch(c, LOOP_READ); /* notice the server closing an idle connection */
    }
}

/* One result of the current phase.  Returns false when the connection was
 * closed under us. */
static void take_result(struct db_conn *c, PGresult *r) {
    struct db_query *q = c->query;
    ExecStatusType st = PQresultStatus(r);
    bool error = st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR;
    if (q && error) result_failure(q, r);
    if (q && c->state == CONN_QUERY && st == PGRES_SINGLE_TUPLE && q->failure.kind == FAILURE_NONE) {
        size_t size;
        struct db_row *row = row_copy(r, &size);
        PQclear(r);
        q->bytes += size + sizeof row;
        if (q->bytes > q->max_bytes) {
            failure_set(&q->failure, FAILURE_SCRIPT,
                        "the result of \"%.80s%s\" passed the %zu-byte cap after %zu rows: select fewer rows or "
                        "columns (LIMIT), or raise --max-body",
                        q->sql, strlen(q->sql) > 80 ? "..." : "", q->max_bytes, q->nrows);
            c->oversized = true;
            free(row);
            return;
        }
        if (q->nrows == q->rows_alloc) {
            q->rows_alloc = q->rows_alloc ? q->rows_alloc * 2 : 16;
            q->rows = xrealloc(q->rows, q->rows_alloc * sizeof *q->rows);
        }
        q->rows[q->nrows++] = row;
        return;
    }
    if (q && c->state == CONN_QUERY && !error && !q->result && st != PGRES_SINGLE_TUPLE) {
        q->result = r;
        return;
    }
    PQclear(r);
}

/* All results of the current phase are in: move on. */
static void phase_done(struct db_conn *c) {
    struct db_query *q = c->query;
    switch (c->state) {
    case CONN_BEGIN:
        if (q->failure.kind != FAILURE_NONE) break;
        c->state = CONN_QUERY;
        if (!PQsendQueryParams(c->pg, q->sql, q->nparams, NULL, (const char *const *)q->params, NULL, NULL, 0)) {
            send_or_fail(c, 0);
            return;
        }
        /* Rows one by one, so the cap holds while they arrive. */
        PQsetSingleRowMode(c->pg);
        send_or_fail(c, 1);
        return;
    case CONN_QUERY:
        if (q->failure.kind != FAILURE_NONE) break;
        c->state = CONN_END;
        send_or_fail(c, PQsendQuery(c->pg, q->write ? "COMMIT" : "ROLLBACK"));
        return;
    default: break;
    }
    /* END reached, or a phase failed: the query is over. */
    c->query = NULL;
    if (q) {
        if (q->failure.kind != FAILURE_NONE) drop_results(q);
        finish_query(q);
    }
    conn_settle(c);
    dispatch(c->pool);
}

static void on_connecting(struct db_conn *c) {
    switch (PQconnectPoll(c->pg)) {
    case PGRES_POLLING_READING: watch(c, LOOP_READ); return;
    case PGRES_POLLING_WRITING: watch(c, LOOP_WRITE); return;
    case PGRES_POLLING_OK:
        loop_timer_stop(c->pool->loop, &c->connect_timer);
        c->state = CONN_IDLE;
        watch(c, LOOP_READ);
        dispatch(c->pool);
        return;
    default: connect_failed(c, NULL); return;
    }
}

static void on_conn_io(struct loop *loop, struct loop_io *io, unsigned events) {
    struct db_conn *c = io->data;
    (void)loop;
    if (c->state == CONN_CONNECTING) {
        on_connecting(c);
        return;
    }
    if ((events & LOOP_WRITE) && PQflush(c->pg) == 0) watch(c, LOOP_READ);
    if (!(events & (LOOP_READ | LOOP_ERROR))) return;
    if (!PQconsumeInput(c->pg)) {
        struct db_query *q = c->query;
        if (q) conn_failure(q, c, "lost connection to database");
        c->query = NULL;
        conn_close(c);
        if (q) finish_query(q);
        return;
    }
    if (c->state == CONN_IDLE) {
        /* Unprompted input on an idle connection: a notice, or the server
         * closing it.  Drop it if it is no longer usable. */
        if (PQstatus(c->pg) != CONNECTION_OK) conn_close(c);
        return;
    }
    while (!PQisBusy(c->pg)) {
        PGresult *r = PQgetResult(c->pg);
        if (!r) {
            phase_done(c);
            return;
        }
        take_result(c, r);
        if (c->oversized) {
            /* Reading the rest would only take time: closing the connection
             * ends the statement on the server too. */
            struct db_query *q = c->query;
            c->query = NULL;
            conn_close(c);
            drop_results(q);
            finish_query(q);
            return;
        }
    }
}

/* ---- pools ---- */

static void dispatch(struct db_pool *p) {
    while (p->queue) {
        struct db_conn *idle = NULL;
        for (struct db_conn *c = p->conns; c; c = c->next)
            if (c->state == CONN_IDLE) idle = c;
        if (!idle) {
            int connecting = 0;
            for (struct db_conn *c = p->conns; c; c = c->next)
                if (c->state == CONN_CONNECTING) connecting++;
            int waiting = 0;
            for (struct db_query *q = p->queue; q; q = q->next) waiting++;
            /* Open a connection per waiting query, up to the pool size. */
            if (p->nconns < p->max_conns && connecting < waiting) conn_open(p);
            return;
        }
        struct db_query *q = p->queue;
        p->queue = q->next;
        if (!p->queue) p->queue_tail = NULL;
        q->queued = false;
        q->next = NULL;
        start_query(idle, q);
    }
}

static void on_dispatch(struct loop *loop, struct loop_timer *timer) {
    (void)loop;
    dispatch(timer->data);
}

void db_submit(struct db_pool *p, struct db_query *q) {
    q->pool = p;
    q->started_ms = loop_clock_ms();
    q->queued = true;
    q->next = NULL;
    if (p->queue_tail)
        p->queue_tail->next = q;
    else
        p->queue = q;
    p->queue_tail = q;
    /* A connection can fail at once (bad DSN): its callback must not run
     * before the caller has parked, or the wake-up would be lost. */
    loop_timer_start(p->loop, &p->dispatch_timer, loop_clock_ms());
}

void db_cancel(struct db_query *q) {
    struct db_pool *p = q->pool;
    if (!p) return;
    if (q->queued) {
        struct db_query **pp;
        for (pp = &p->queue; *pp; pp = &(*pp)->next)
            if (*pp == q) {
                *pp = q->next;
                break;
            }
        p->queue_tail = NULL;
        for (struct db_query *it = p->queue; it; it = it->next) p->queue_tail = it;
        q->queued = false;
    } else if (q->conn) {
        /* Mid-query: closing the socket is the only cancel that cannot
         * block the loop (PQcancel connects synchronously). */
        q->conn->query = NULL;
        conn_close(q->conn);
        q->conn = NULL;
        dispatch(p);
    }
}

int db_pool_open_connections(const struct db_pool *p) { return p->nconns; }

/* A name to look up before connecting: one host (a list is left to
 * libpq), not a socket directory, not an address, no hostaddr given. */
static bool needs_lookup(const char *host, const char *hostaddr) {
    unsigned char addr[16];
    if (!host || !*host || hostaddr || host[0] == '/' || host[0] == '@' || strchr(host, ',')) return false;
    return inet_pton(AF_INET, host, addr) != 1 && inet_pton(AF_INET6, host, addr) != 1;
}

static void describe_target(struct db_pool *p, PQconninfoOption *opts) {
    const char *host = NULL, *port = NULL, *name = NULL, *hostaddr = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val) continue;
        if (strcmp(o->keyword, "host") == 0) name = o->val;
        if (strcmp(o->keyword, "hostaddr") == 0) hostaddr = o->val;
        if (strcmp(o->keyword, "host") == 0 || (strcmp(o->keyword, "hostaddr") == 0 && !host)) host = o->val;
        if (strcmp(o->keyword, "port") == 0) port = o->val;
        if (strcmp(o->keyword, "password") == 0) redact_add_secret(o->val);
        if (strcmp(o->keyword, "connect_timeout") == 0 && strtol(o->val, NULL, 10) > 0)
            p->connect_timeout_ms = (int64_t)strtol(o->val, NULL, 10) * 1000;
    }
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "%s:%s", host ? host : "localhost", port ? port : "5432");
    p->where = buf_take(&b);
    if (needs_lookup(name, hostaddr)) p->resolve_host = xstrdup(name);
}

struct db_pool *db_pool_get(struct loop *loop, const char *dsn, int max_conns, struct failure *f) {
    struct db_pool *p;
    char *err = NULL;
    PQconninfoOption *opts;
    for (p = pools; p; p = p->next)
        if (strcmp(p->dsn, dsn) == 0) return p;
    opts = PQconninfoParse(dsn, &err);
    if (!opts) {
        char *clean = redact_text(err ? err : "invalid connection string");
        failure_set(f, FAILURE_SCRIPT, "invalid database connection string: %s", clean);
        free(clean);
        if (err) PQfreemem(err);
        return NULL;
    }
    p = xcalloc(1, sizeof *p);
    p->loop = loop;
    p->dsn = xstrdup(dsn);
    p->max_conns = max_conns > 0 ? max_conns : DB_DEFAULT_POOL;
    p->connect_timeout_ms = DB_DEFAULT_CONNECT_TIMEOUT_MS;
    loop_timer_init(&p->dispatch_timer, on_dispatch, p);
    describe_target(p, opts);
    PQconninfoFree(opts);
    p->next = pools;
    pools = p;
    return p;
}

void db_pools_free(void) {
    while (pools) {
        struct db_pool *p = pools;
        pools = p->next;
        loop_timer_stop(p->loop, &p->dispatch_timer);
        while (p->conns) conn_close(p->conns);
        free(p->dsn);
        free(p->where);
        free(p->resolve_host);
        free(p);
    }
}
