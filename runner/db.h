/* db.h — PostgreSQL through libpq's asynchronous API, on the event loop.
 *
 * Lua-free: db_lua.c turns Lua calls into db_query objects and results into
 * rows.  Connections live in one pool per DSN for the whole process, bounded
 * (default 4) whatever the number of scenarios, so telltale never floods the
 * database it checks.  Every query runs in its own transaction — READ ONLY
 * unless it is a write — with a statement_timeout, as unnamed statements
 * only, so it also works through pgbouncer in transaction mode.  A
 * connection goes back to the pool only when it is idle and clean; one left
 * in a failed or unknown transaction state is rolled back or closed, never
 * reused (the poisoned-pool incident, practised on ourselves). */
#ifndef TELLTALE_DB_H
#define TELLTALE_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "failure.h"

struct loop;
struct db_pool;
struct db_query;
struct db_row;

#define DB_DEFAULT_POOL 4
#define DB_DEFAULT_CONNECT_TIMEOUT_MS 10000

typedef void db_done_fn(struct db_query *q, void *data);

/* The pool for dsn, created on first use with max_conns connections at most
 * (later calls keep the first size).  The DSN's password is registered as a
 * secret.  Returns NULL with f filled when the DSN cannot be parsed. */
struct db_pool *db_pool_get(struct loop *loop, const char *dsn, int max_conns, struct failure *f);
/* Close every pool (at exit). */
void db_pools_free(void);
/* Connections open now in the pool, for tests and benchmarks. */
int db_pool_open_connections(const struct db_pool *p);

/* A query: sql with params[0..nparams) as text (NULL = SQL NULL), copied.
 * statement_timeout_ms bounds it on the server (0 = none); max_bytes caps
 * the memory its rows may hold (values, lengths, a pointer each): past it,
 * the query fails and its connection is closed, so a runaway SELECT never
 * fills memory. */
struct db_query *db_query_new(const char *sql, int nparams, const char *const *params, bool write,
                              int64_t statement_timeout_ms, size_t max_bytes, db_done_fn *done, void *data);
/* Queue q on the pool; done is called once on the loop thread, unless
 * db_cancel comes first. */
void db_submit(struct db_pool *p, struct db_query *q);
/* Abandon q: dequeued, or, if running, its connection is closed (the
 * server's statement_timeout ends the statement there). */
void db_cancel(struct db_query *q);
/* After done: the final result (NULL on failure: its columns and their
 * types, its command status) and the rows (they arrive in single-row mode,
 * so the cap is checked as they come, and each is copied out of its
 * PGresult); the failure (kind NONE on success).  The query owns them all. */
PGresult *db_query_result(struct db_query *q);
size_t db_query_rows(const struct db_query *q, struct db_row *const **rows);
/* Value col of a row of ncols columns (the final result's PQnfields):
 * NUL-terminated, its length in *len; NULL for SQL NULL. */
const char *db_row_value(const struct db_row *row, int ncols, int col, size_t *len);
const struct failure *db_query_failure(const struct db_query *q);
/* What q is doing now, for timeout messages. */
void db_query_describe(const struct db_query *q, struct buf *out);
int64_t db_query_duration_ms(const struct db_query *q);
void db_query_free(struct db_query *q);

#endif
