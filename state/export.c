/* export.c - `cratesec watch export` / `import`: every table of the state as
 * one JSON document, streamed both ways so that a large state needs no
 * large buffer:
 *
 *   {"format": "cratesec-state", "version": 1, "schema": N,
 *    "tables": {"lists": {"columns": ["id", "created"],
 *                         "rows": [["ab12...", "1700000000"], ...]}, ...}}
 *
 * Every value is a string or null (integers as decimal text), so a row
 * goes back in exactly as it came out, into SQLite or PostgreSQL alike.
 * Import runs in one transaction and leaves rows whose key exists alone,
 * so importing into a live state adds what it lacks. */
#include "state.h"

#include "json.h"
#include "jsonparse.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct table {
    const char *name;
    const char *columns; /* comma-separated, in the order rows are written */
    const char *order;   /* ORDER BY, for a stable export */
} table;

/* Parents first, so an import never meets a row before what it names. */
static const table tables[] = {
    {"lists", "id,created", "id"},
    {"watches",
     "id,list_id,label,report_id,packages,db_commit,catch_up,created,webhook_url,webhook_secret,"
     "webhook_failing_since,webhook_last_error,webhook_disabled_at",
     "id"},
    {"watch_packages", "name,watch_id,version", "watch_id,name,version"},
    {"advisory_snapshots", "advisory_id,fingerprint,json", "advisory_id,fingerprint"},
    {"events", "advisory_id,watch_id,seq,key,kind,baseline,created,versions,fingerprint,db_commit",
     "advisory_id,watch_id,seq"},
    {"deliveries",
     "key,advisory_id,watch_id,seq,state,attempts,next_at,lease_owner,lease_until,"
     "last_attempt_at,last_status,last_error,delivered_at",
     "key"},
    {"advisory_state", "id,package,fingerprint,db_commit,evaluated", "id"},
    {"meta", "key,value", "key"},
    {"reports", "id,lockfile,manifest,bytes,created,viewed", "id"},
};

#define NTABLES (sizeof tables / sizeof *tables)

static size_t count_columns(const char *cols)
{
    size_t n = 1;
    for (const char *p = cols; *p; p++)
        n += *p == ',';
    return n;
}

typedef struct writer {
    FILE *out;
    csec_buf line;
    bool first;
    int error;
} writer;

static int write_row(void *payload, const char *const *c, size_t ncols)
{
    writer *w = payload;
    csec_buf_clear(&w->line);
    csec_buf_puts(&w->line, w->first ? "\n[" : ",\n[");
    w->first = false;
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            csec_buf_putc(&w->line, ',');
        if (c[i])
            csec_json_string(&w->line, c[i], strlen(c[i]));
        else
            csec_buf_puts(&w->line, "null");
    }
    csec_buf_putc(&w->line, ']');
    if (fwrite(w->line.ptr, 1, w->line.len, w->out) != w->line.len) {
        w->error = 1;
        return 1;
    }
    return 0;
}

int state_export(state_store *st, FILE *out, csec_buf *err)
{
    int applied = 0, known = 0;
    int rc = state_schema_version(st, &applied, &known, err);
    if (rc < 0)
        return rc;
    writer w = {out, CSEC_BUF_INIT, true, 0};
    fprintf(out, "{\"format\":\"cratesec-state\",\"version\":1,\"schema\":%d,\"tables\":{",
            applied);
    csec_buf sql = CSEC_BUF_INIT;
    pthread_mutex_lock(&st->mu);
    /* One snapshot of everything (PostgreSQL: REPEATABLE READ; SQLite: a
     * read transaction sees one state of the file). */
    rc = sql_exec(st->sql,
                  sql_kind_of(st->sql) == SQL_POSTGRES
                      ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                      : "BEGIN",
                  NULL, 0, NULL, NULL, NULL, err);
    for (size_t t = 0; t < NTABLES && rc == 0; t++) {
        fprintf(out, "%s\n\"%s\":{\"columns\":[", t ? "," : "", tables[t].name);
        const char *p = tables[t].columns;
        while (*p) {
            size_t n = strcspn(p, ",");
            fprintf(out, "%s\"%.*s\"", p == tables[t].columns ? "" : ",", (int)n, p);
            p += n + (p[n] == ',');
        }
        fputs("],\"rows\":[", out);
        csec_buf_clear(&sql);
        csec_buf_printf(&sql, "SELECT %s FROM %s ORDER BY %s", tables[t].columns, tables[t].name,
                        tables[t].order);
        w.first = true;
        rc = sql_exec_dynamic(st->sql, sql.ptr, NULL, 0, write_row, &w, NULL, err);
        fputs("]}", out);
        if (rc == 0 && w.error) {
            csec_buf_puts(err, "cannot write the export");
            rc = SQL_ERROR;
        }
    }
    sql_rollback(st->sql);
    pthread_mutex_unlock(&st->mu);
    fputs("}}\n", out);
    csec_buf_free(&sql);
    csec_buf_free(&w.line);
    if (rc == 0 && (fflush(out) != 0 || ferror(out))) {
        csec_buf_puts(err, "cannot write the export");
        rc = SQL_ERROR;
    }
    return rc;
}

/* ---- import ---- */

typedef struct batch {
    const table *t;
    size_t ncols;
    char **cells; /* ncols per row */
    size_t rows, cap;
} batch;

static int flush_batch(state_store *st, batch *b, int64_t *added, csec_buf *err)
{
    if (!b->rows)
        return 0;
    sql_param *p = csec__xcalloc(b->rows * b->ncols, sizeof *p);
    for (size_t i = 0; i < b->rows * b->ncols; i++)
        p[i] = SQL_TEXT(b->cells[i]);
    csec_buf head = CSEC_BUF_INIT;
    csec_buf_printf(&head, "INSERT INTO %s (%s)", b->t->name, b->t->columns);
    int64_t n = 0;
    int rc = sql_insert_rows(st->sql, head.ptr, " ON CONFLICT DO NOTHING", b->ncols, p, b->rows,
                             &n, err);
    *added += n;
    csec_buf_free(&head);
    free(p);
    for (size_t i = 0; i < b->rows * b->ncols; i++)
        free(b->cells[i]);
    b->rows = 0;
    return rc;
}

/* Fails the reader with a message and returns CSEC_EPARSE in err. */
static int bad(csec__json_reader *r, const char *msg, csec_buf *err)
{
    csec__json_reader_fail(r, r->tok_off, msg);
    csec_diag d;
    csec__json_reader_diag(r, &d, NULL, 0, 0);
    csec_buf_printf(err, "line %u, column %u: %s", d.line, d.col, d.msg);
    return SQL_ERROR;
}

static void batch_free(batch *b)
{
    for (size_t i = 0; i < b->rows * b->ncols; i++)
        free(b->cells[i]);
    free(b->cells);
    b->cells = NULL;
    b->rows = b->cap = 0;
}

/* A row: an array of one string or null per column, into the batch. */
static int import_row(csec__json_reader *r, batch *b, csec_buf *err)
{
    if (b->rows == b->cap)
        b->cells = csec__grow(b->cells, &b->cap, 64, b->ncols * sizeof *b->cells);
    char **row = &b->cells[b->rows * b->ncols];
    size_t i = 0;
    csec__json_tok v;
    while ((v = csec__json_reader_next(r)) == CSEC__JSON_TOK_STRING || v == CSEC__JSON_TOK_NULL) {
        if (i == b->ncols)
            break;
        row[i++] = v == CSEC__JSON_TOK_NULL ? NULL : csec__xstrndup(r->str.ptr, r->str.len);
    }
    if (v != CSEC__JSON_TOK_ARRAY_END || i != b->ncols) {
        for (size_t j = 0; j < i; j++)
            free(row[j]);
        return bad(r, "a row must be an array of one string or null per column", err);
    }
    b->rows++;
    return 0;
}

static int import_table(state_store *st, csec__json_reader *r, const table *t, int64_t *added,
                        csec_buf *err)
{
    batch b = {t, count_columns(t->columns), NULL, 0, 0};
    int rc = 0;
    if (csec__json_reader_next(r) != CSEC__JSON_TOK_OBJECT_BEGIN)
        return bad(r, "expected a table object", err);
    while (rc == 0 && csec__json_reader_next(r) == CSEC__JSON_TOK_KEY) {
        bool is_columns = r->str.len == 7 && memcmp(r->str.ptr, "columns", 7) == 0;
        bool is_rows = r->str.len == 4 && memcmp(r->str.ptr, "rows", 4) == 0;
        if (is_columns) {
            /* Must be exactly this program's columns for the table. */
            csec_buf got = CSEC_BUF_INIT;
            csec__json_tok c = csec__json_reader_next(r);
            if (c != CSEC__JSON_TOK_ARRAY_BEGIN) {
                rc = bad(r, "columns: expected an array", err);
                break;
            }
            while ((c = csec__json_reader_next(r)) == CSEC__JSON_TOK_STRING) {
                if (got.len)
                    csec_buf_putc(&got, ',');
                csec_buf_put(&got, r->str.ptr, r->str.len);
            }
            bool same = c == CSEC__JSON_TOK_ARRAY_END && got.ptr && strcmp(got.ptr, t->columns) == 0;
            csec_buf_free(&got);
            if (!same) {
                csec_buf_printf(err, "table %s: the columns are not %s (an export of another "
                                     "schema version?)", t->name, t->columns);
                rc = SQL_ERROR;
            }
        } else if (is_rows) {
            if (csec__json_reader_next(r) != CSEC__JSON_TOK_ARRAY_BEGIN) {
                rc = bad(r, "rows: expected an array", err);
                break;
            }
            csec__json_tok row;
            while (rc == 0 && (row = csec__json_reader_next(r)) == CSEC__JSON_TOK_ARRAY_BEGIN) {
                rc = import_row(r, &b, err);
                if (rc == 0 && b.rows == 256)
                    rc = flush_batch(st, &b, added, err);
            }
            if (rc == 0 && row != CSEC__JSON_TOK_ARRAY_END)
                rc = bad(r, "rows: expected an array of rows", err);
        } else if (csec__json_reader_skip(r) == CSEC__JSON_TOK_ERROR) {
            break;
        }
    }
    if (rc == 0)
        rc = flush_batch(st, &b, added, err);
    batch_free(&b);
    return rc;
}

int state_import(state_store *st, const char *text, size_t len, csec_buf *err)
{
    csec__json_reader r;
    csec__json_reader_init(&r, text, len);
    int rc = 0;
    int64_t watches = 0, other = 0;
    bool format_ok = false;
    pthread_mutex_lock(&st->mu);
    rc = state__begin_exclusive(st, err);
    if (rc == 0 && csec__json_reader_next(&r) != CSEC__JSON_TOK_OBJECT_BEGIN)
        rc = bad(&r, "an export is a JSON object", err);
    csec__json_tok k = CSEC__JSON_TOK_ERROR;
    while (rc == 0 && (k = csec__json_reader_next(&r)) == CSEC__JSON_TOK_KEY) {
        if (r.str.len == 6 && memcmp(r.str.ptr, "format", 6) == 0) {
            if (csec__json_reader_next(&r) != CSEC__JSON_TOK_STRING || r.str.len != 14 ||
                memcmp(r.str.ptr, "cratesec-state", 14) != 0)
                rc = bad(&r, "not a cratesec state export (\"format\": \"cratesec-state\")", err);
            format_ok = true;
        } else if (r.str.len == 6 && memcmp(r.str.ptr, "tables", 6) == 0) {
            if (!format_ok) {
                rc = bad(&r, "\"format\" must come first", err);
                break;
            }
            if (csec__json_reader_next(&r) != CSEC__JSON_TOK_OBJECT_BEGIN) {
                rc = bad(&r, "tables: expected an object", err);
                break;
            }
            while (rc == 0 && csec__json_reader_next(&r) == CSEC__JSON_TOK_KEY) {
                const table *t = NULL;
                for (size_t i = 0; i < NTABLES && !t; i++)
                    if (strlen(tables[i].name) == r.str.len &&
                        memcmp(tables[i].name, r.str.ptr, r.str.len) == 0)
                        t = &tables[i];
                if (!t) {
                    rc = bad(&r, "unknown table", err);
                    break;
                }
                rc = import_table(st, &r, t, t == &tables[1] ? &watches : &other, err);
            }
        } else if (csec__json_reader_skip(&r) == CSEC__JSON_TOK_ERROR) {
            break;
        }
    }
    if (rc == 0 && (k != CSEC__JSON_TOK_OBJECT_END ||
                    csec__json_reader_next(&r) != CSEC__JSON_TOK_END)) {
        csec_diag d;
        csec__json_reader_diag(&r, &d, NULL, 0, 0);
        csec_buf_printf(err, "line %u, column %u: %s", d.line, d.col, d.msg);
        rc = SQL_ERROR;
    }
    if (rc == 0 && !format_ok) {
        csec_buf_puts(err, "not a cratesec state export (no \"format\")");
        rc = SQL_ERROR;
    }
    rc = sql_finish(st->sql, rc, err);
    pthread_mutex_unlock(&st->mu);
    csec__json_reader_free(&r);
    return rc < 0 ? rc : (int)watches;
}
