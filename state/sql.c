/* sql.c - what both backends share: opening by spec, transactions, batched
 * inserts (sql.h). */
#include "sql.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

int sql_open(sql_conn **out, const char *spec, csec_buf *err)
{
    *out = NULL;
    sql_conn *c = csec__xcalloc(1, sizeof *c);
    int rc;
    if (strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0)
        rc = sql__open_pg(c, spec, err);
    else
        rc = sql__open_sqlite(c, spec, err);
    if (rc < 0) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void sql_close(sql_conn *c)
{
    if (!c)
        return;
    c->be->close(c);
    free(c);
}

sql_kind sql_kind_of(const sql_conn *c)
{
    return c->kind;
}

const char *sql_describe(const sql_conn *c)
{
    return c->describe;
}

int sql_exec(sql_conn *c, const char *sql, const sql_param *params, size_t n, sql_row_cb cb,
             void *payload, int64_t *changes, csec_buf *err)
{
    return c->be->exec(c, sql, true, params, n, cb, payload, changes, err);
}

int sql_exec_dynamic(sql_conn *c, const char *sql, const sql_param *params, size_t n,
                     sql_row_cb cb, void *payload, int64_t *changes, csec_buf *err)
{
    return c->be->exec(c, sql, false, params, n, cb, payload, changes, err);
}

int sql_exec_script(sql_conn *c, const char *script, csec_buf *err)
{
    return c->be->script(c, script, err);
}

int sql_maintain(sql_conn *c, csec_buf *err)
{
    return c->be->maintain ? c->be->maintain(c, err) : 0;
}

int sql_begin(sql_conn *c, csec_buf *err)
{
    return sql_exec(c, c->kind == SQL_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN", NULL, 0, NULL, NULL,
                    NULL, err);
}

int sql_commit(sql_conn *c, csec_buf *err)
{
    return sql_exec(c, "COMMIT", NULL, 0, NULL, NULL, NULL, err);
}

void sql_rollback(sql_conn *c)
{
    csec_buf ignored = CSEC_BUF_INIT;
    sql_exec(c, "ROLLBACK", NULL, 0, NULL, NULL, NULL, &ignored);
    csec_buf_free(&ignored);
}

int sql_finish(sql_conn *c, int rc, csec_buf *err)
{
    if (rc == 0)
        rc = sql_commit(c, err);
    if (rc < 0)
        sql_rollback(c);
    return rc;
}

int sql_insert_rows(sql_conn *c, const char *head, const char *tail, size_t ncols,
                    const sql_param *params, size_t nrows, int64_t *changes, csec_buf *err)
{
    if (changes)
        *changes = 0;
    if (!nrows || !ncols)
        return 0;
    size_t per = c->be->max_params / ncols;
    if (per > 500)
        per = 500; /* longer statements cost more to parse than they save */
    if (per == 0)
        per = 1;
    csec_buf sql = CSEC_BUF_INIT;
    int rc = 0;
    for (size_t row = 0; row < nrows && rc == 0; row += per) {
        size_t k = nrows - row < per ? nrows - row : per;
        csec_buf_clear(&sql);
        csec_buf_puts(&sql, head);
        csec_buf_puts(&sql, " VALUES ");
        size_t p = 1;
        for (size_t i = 0; i < k; i++) {
            csec_buf_puts(&sql, i ? ",(" : "(");
            for (size_t j = 0; j < ncols; j++)
                csec_buf_printf(&sql, j ? ",$%zu" : "$%zu", p++);
            csec_buf_putc(&sql, ')');
        }
        csec_buf_puts(&sql, tail);
        int64_t done = 0;
        rc = sql_exec_dynamic(c, sql.ptr, params + row * ncols, k * ncols, NULL, NULL, &done, err);
        if (changes)
            *changes += done;
    }
    csec_buf_free(&sql);
    return rc;
}

int sql_first_cell(void *payload, const char *const *cells, size_t ncols)
{
    csec_buf *out = payload;
    csec_buf_clear(out);
    if (ncols && cells[0])
        csec_buf_puts(out, cells[0]);
    return 1;
}

int sql_first_int(void *payload, const char *const *cells, size_t ncols)
{
    int64_t *out = payload;
    *out = ncols && cells[0] ? strtoll(cells[0], NULL, 10) : 0;
    return 1;
}
