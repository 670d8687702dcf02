/* sql.h - one SQL connection over two databases: SQLite (the embedded
 * default, a file in the state directory) and PostgreSQL (shared by
 * replicas).  Everything above this layer (store.c, evaluate.c, export.c)
 * writes its SQL once, in the subset both understand:
 *
 *   - parameters are written $1, $2, ... (SQLite takes them as named
 *     parameters "$1"; they are bound by name here, so order does not matter);
 *   - types TEXT, BIGINT, INTEGER; no AUTOINCREMENT/SERIAL (keys are chosen
 *     by the code: random tokens and content hashes);
 *   - INSERT ... ON CONFLICT ... DO NOTHING / DO UPDATE, and RETURNING;
 *   - cells come back as text (NULL for SQL NULL).
 *
 * The one statement that differs (a queue claim) asks sql_kind() which text
 * to use.  A connection is not thread-safe: the store serialises its users.
 */
#ifndef CSEC_STATE_SQL_H
#define CSEC_STATE_SQL_H

#include "cratesec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sql_kind { SQL_SQLITE, SQL_POSTGRES } sql_kind;

typedef struct sql_conn sql_conn;

/* A bound value: SQL NULL, text (NUL-terminated) or a 64-bit integer. */
typedef struct sql_param {
    int type; /* 0 NULL, 1 text, 2 integer */
    const char *s;
    int64_t i;
} sql_param;

#define SQL_NULL_P ((sql_param){0, NULL, 0})
/* Text; a NULL pointer binds SQL NULL. */
static inline sql_param sql_text(const char *s)
{
    sql_param p = {s ? 1 : 0, s, 0};
    return p;
}
#define SQL_TEXT(x) sql_text(x)
#define SQL_INT(x) ((sql_param){2, NULL, (int64_t)(x)})

/* Why a call failed, for callers that react differently. */
typedef enum sql_err {
    SQL_OK = 0,
    SQL_ERROR = -1,     /* anything else: the message says what */
    SQL_ECONFLICT = -2, /* a serialisation or lock conflict: the transaction may be retried */
    SQL_EDOWN = -3,     /* the database cannot be reached or written at all (connection
                         * lost, read-only files, full disk): the state is unavailable */
} sql_err;

/* Called once per result row with `ncols` cells (NULL for SQL NULL), valid
 * only during the call.  Return nonzero to stop (the call then returns 0). */
typedef int (*sql_row_cb)(void *payload, const char *const *cells, size_t ncols);

/* Opens `spec`: a "postgresql://" or "postgres://" URL (libpq's connection
 * URI), else a directory holding the SQLite database file state.db (made
 * when missing, the directory too).  SQLite runs in WAL mode with
 * synchronous=FULL, so a committed transaction survives a crash of the
 * process or the machine.  Returns 0 or a negative sql_err with a message
 * in `err` that names the file or server. */
int sql_open(sql_conn **out, const char *spec, csec_buf *err);
void sql_close(sql_conn *c);
sql_kind sql_kind_of(const sql_conn *c);
/* What the connection is, for messages: "SQLite DIR/state.db" or
 * "PostgreSQL database NAME on HOST" (no password). */
const char *sql_describe(const sql_conn *c);

/* Runs one statement with `n` parameters; calls `cb` per row (NULL: rows are
 * ignored).  `*changes` (may be NULL) gets the number of rows inserted,
 * updated or deleted.  The statement text is prepared once per connection
 * and kept (pass only texts that are compiled in; sql_exec_dynamic for
 * others).  Returns 0 or a negative sql_err with a message in `err`. */
int sql_exec(sql_conn *c, const char *sql, const sql_param *params, size_t n, sql_row_cb cb,
             void *payload, int64_t *changes, csec_buf *err);
/* The same for a statement built at run time (never kept). */
int sql_exec_dynamic(sql_conn *c, const char *sql, const sql_param *params, size_t n,
                     sql_row_cb cb, void *payload, int64_t *changes, csec_buf *err);
/* Runs several statements separated by ';' without parameters (migrations). */
int sql_exec_script(sql_conn *c, const char *script, csec_buf *err);

/* Housekeeping at a quiet moment: SQLite copies its write-ahead log into
 * the database file (a passive checkpoint), which it otherwise does inside
 * whichever commit crosses the log's size limit; PostgreSQL: nothing. */
int sql_maintain(sql_conn *c, csec_buf *err);

/* Transactions.  sql_begin takes the write lock at once on SQLite (BEGIN
 * IMMEDIATE), so two writers never deadlock on an upgrade. */
int sql_begin(sql_conn *c, csec_buf *err);
int sql_commit(sql_conn *c, csec_buf *err);
/* Never fails visibly; safe to call when no transaction is open. */
void sql_rollback(sql_conn *c);
/* Ends the transaction sql_begin opened, by what its work gave: `rc` 0
 * commits (and a failed commit rolls back), anything else rolls back.
 * Returns the commit's result, or `rc`. */
int sql_finish(sql_conn *c, int rc, csec_buf *err);

/* Inserts `nrows` rows of `ncols` values each, `params` row after row, with
 * as few statements as the databases allow: `head` is "INSERT INTO t (a, b)"
 * and `tail` what follows the VALUES list (e.g. " ON CONFLICT DO NOTHING",
 * or ""). */
int sql_insert_rows(sql_conn *c, const char *head, const char *tail, size_t ncols,
                    const sql_param *params, size_t nrows, int64_t *changes, csec_buf *err);

/* Row collectors for a single value: the first column of the first row,
 * copied into a csec_buf (cleared first), or parsed into an int64_t (0 when
 * NULL).  Either leaves its target alone when there is no row. */
int sql_first_cell(void *payload, const char *const *cells, size_t ncols);
int sql_first_int(void *payload, const char *const *cells, size_t ncols);

/* ---- the backends (sql_sqlite.c, sql_pg.c), behind sql.c ---- */

typedef struct sql_backend {
    int (*exec)(sql_conn *c, const char *sql, bool keep, const sql_param *params, size_t n,
                sql_row_cb cb, void *payload, int64_t *changes, csec_buf *err);
    int (*script)(sql_conn *c, const char *script, csec_buf *err);
    int (*maintain)(sql_conn *c, csec_buf *err);
    void (*close)(sql_conn *c);
    size_t max_params; /* per statement */
} sql_backend;

struct sql_conn {
    const sql_backend *be;
    sql_kind kind;
    char describe[600];
    void *impl;
};

int sql__open_sqlite(sql_conn *c, const char *dir, csec_buf *err);
int sql__open_pg(sql_conn *c, const char *url, csec_buf *err);

#endif
