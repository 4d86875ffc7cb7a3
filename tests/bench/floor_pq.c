/* floor_pq.c — the baseline for the database benchmark: a bare C loop
 * over one libpq connection running the statements telltale runs for each
 * query (BEGIN READ ONLY + statement_timeout, the query, ROLLBACK).
 * usage: floor_pq DSN QUERIES */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

static int ok(PGresult *r) {
    int good = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!good) fprintf(stderr, "%s", PQresultErrorMessage(r));
    PQclear(r);
    return good;
}

int main(int argc, char **argv) {
    const char *params[1] = {"42"};
    PGconn *c;
    long n;
    if (argc != 3) {
        fprintf(stderr, "usage: floor_pq DSN QUERIES\n");
        return 2;
    }
    n = strtol(argv[2], NULL, 10);
    c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "%s", PQerrorMessage(c));
        return 1;
    }
    for (long i = 0; i < n; i++) {
        if (!ok(PQexec(c, "BEGIN READ ONLY; SET LOCAL statement_timeout = 60000"))) return 1;
        if (!ok(PQexecParams(c, "SELECT $1::int AS v, label FROM types", 1, NULL, params, NULL, NULL, 0))) return 1;
        if (!ok(PQexec(c, "ROLLBACK"))) return 1;
    }
    PQfinish(c);
    return 0;
}
