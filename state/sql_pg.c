/* sql_pg.c - the PostgreSQL backend of sql.h (libpq), for replicas that share
 * one state.  Parameters go as text and PostgreSQL infers their types from
 * where they stand, so the statements of store.c run unchanged.  A
 * connection that breaks is reset before the next statement; the statement
 * that met the break fails (SQL_EDOWN) and its caller retries later. */
#include "sql.h"

#include "util.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Silences libpq's notices ("relation already exists, skipping"). */
static void quiet(void *arg, const char *message)
{
}

static int classify(const char *sqlstate)
{
    if (!sqlstate)
        return SQL_EDOWN; /* no server answer at all */
    if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0 ||
        strcmp(sqlstate, "55P03") == 0)
        return SQL_ECONFLICT;
    if (strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "53", 2) == 0 ||
        strncmp(sqlstate, "57P", 3) == 0 || strcmp(sqlstate, "25006") == 0 ||
        strncmp(sqlstate, "58", 2) == 0)
        return SQL_EDOWN;
    return SQL_ERROR;
}

static void trim_copy(csec_buf *err, const char *prefix, const char *msg)
{
    size_t n = msg ? strlen(msg) : 0;
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    csec_buf_puts(err, prefix);
    csec_buf_put(err, msg ? msg : "", n);
}

/* The message and the sql_err of a statement that failed. */
static int failed(PGconn *conn, const PGresult *res, csec_buf *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    trim_copy(err, "PostgreSQL: ", res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
    return classify(state);
}

/* Re-establishes a broken connection; 0 when usable. */
static int ensure(PGconn *conn, csec_buf *err)
{
    if (PQstatus(conn) == CONNECTION_OK)
        return 0;
    PQreset(conn);
    if (PQstatus(conn) == CONNECTION_OK)
        return 0;
    trim_copy(err, "PostgreSQL: connection lost: ", PQerrorMessage(conn));
    return SQL_EDOWN;
}

static int pg_exec(sql_conn *c, const char *sql, bool keep, const sql_param *params, size_t n,
                   sql_row_cb cb, void *payload, int64_t *changes, csec_buf *err)
{
    PGconn *conn = c->impl;
    int rc = ensure(conn, err);
    if (rc < 0)
        return rc;
    const char **values = csec__xcalloc(n ? n : 1, sizeof *values);
    char (*ints)[24] = csec__xcalloc(n ? n : 1, sizeof *ints);
    for (size_t i = 0; i < n; i++) {
        if (params[i].type == 1) {
            values[i] = params[i].s;
        } else if (params[i].type == 2) {
            snprintf(ints[i], sizeof ints[i], "%" PRId64, params[i].i);
            values[i] = ints[i];
        }
    }
    PGresult *res = PQexecParams(conn, sql, (int)n, NULL, values, NULL, NULL, 0);
    free(values);
    free(ints);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = failed(conn, res, err);
        PQclear(res);
        return rc;
    }
    if (st == PGRES_TUPLES_OK && cb) {
        int rows = PQntuples(res), cols = PQnfields(res);
        if (cols > 64)
            cols = 64;
        const char *cells[64];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++)
                cells[k] = PQgetisnull(res, r, k) ? NULL : PQgetvalue(res, r, k);
            if (cb(payload, cells, (size_t)cols))
                break;
        }
    }
    if (changes) {
        const char *t = PQcmdTuples(res);
        *changes = t && *t ? strtoll(t, NULL, 10) : 0;
    }
    PQclear(res);
    return 0;
}

static int pg_script(sql_conn *c, const char *script, csec_buf *err)
{
    PGconn *conn = c->impl;
    int rc = ensure(conn, err);
    if (rc < 0)
        return rc;
    PGresult *res = PQexec(conn, script);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = failed(conn, res, err);
    PQclear(res);
    return rc;
}

static void pg_close(sql_conn *c)
{
    PQfinish(c->impl);
}

static const sql_backend pg_backend = {pg_exec, pg_script, NULL, pg_close, 65535};

int sql__open_pg(sql_conn *c, const char *url, csec_buf *err)
{
    PGconn *conn = PQconnectdb(url);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        trim_copy(err,
                  "cannot connect to PostgreSQL: ", conn ? PQerrorMessage(conn) : "out of memory");
        PQfinish(conn);
        return SQL_EDOWN;
    }
    c->be = &pg_backend;
    c->kind = SQL_POSTGRES;
    c->impl = conn;
    PQsetNoticeProcessor(conn, quiet, NULL);
    const char *host = PQhost(conn);
    snprintf(c->describe, sizeof c->describe, "PostgreSQL database %s on %s port %s", PQdb(conn),
             host && *host ? host : "localhost", PQport(conn));
    return 0;
}
