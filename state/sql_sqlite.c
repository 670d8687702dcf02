/* sql_sqlite.c - the SQLite backend of sql.h: DIR/state.db in WAL mode.
 *
 * Why WAL: readers (pages, feeds) never wait for the writer (an evaluation
 * after a sync, a delivery outcome).  Why synchronous=NORMAL: a commit is in
 * the log, and so survives a crash of the process, when it returns; only a
 * crash of the machine can lose the last commits (never the file's
 * consistency), and the delivery queue is at-least-once: a delivery whose
 * record was lost is sent again with the same idempotency key.  FULL would
 * add an fsync to every commit, 1 to 100 ms on the machines measured, on
 * the evaluation's path.  For the same reason the log is copied into the
 * database by sql_maintain at quiet moments (the evaluator thread), and
 * inside a commit only when it passes 64 MB. */
#include "sql.h"

#include "util.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_SLOTS 64

typedef struct cached {
    const char *key; /* the caller's (compiled-in) text */
    sqlite3_stmt *st;
} cached;

typedef struct lite {
    sqlite3 *db;
    char path[512];
    cached cache[CACHE_SLOTS];
    size_t next_slot;
} lite;

/* Maps an SQLite result code to sql_err and writes the message. */
static int fail(lite *l, int rc, const char *what, csec_buf *err)
{
    int primary = rc & 0xff;
    const char *msg = l->db ? sqlite3_errmsg(l->db) : sqlite3_errstr(rc);
    csec_buf_printf(err, "SQLite %s: %s%s", l->path, what ? what : "", msg);
    switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SQL_ECONFLICT;
    case SQLITE_FULL:
        csec_buf_puts(err, " (the disk holding the state directory is full)");
        return SQL_EDOWN;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_PERM:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return SQL_EDOWN;
    default:
        return SQL_ERROR;
    }
}

/* Parameters are written $1, $2 ... (sql.h); SQLite would take those as
 * named parameters, whose lookup by name is a linear scan.  As ?N they are
 * numbered: parameter N is bound at index N directly.  When they appear
 * exactly in the order 1, 2, 3 ... (the batched inserts, with thousands),
 * plain ? does the same, and spares the parser the numbered parameters'
 * own linear bookkeeping (quadratic over a 5,000-value insert). */
static char *numbered(const char *sql)
{
    size_t n = strlen(sql);
    bool in_order = true;
    long expect = 1;
    for (const char *p = strchr(sql, '$'); p && in_order; p = strchr(p + 1, '$')) {
        if (p[1] < '0' || p[1] > '9')
            continue;
        in_order = strtol(p + 1, NULL, 10) == expect++;
    }
    char *out = csec__xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i <= n; i++) {
        if (sql[i] == '$' && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            out[o++] = '?';
            if (in_order)
                while (sql[i + 1] >= '0' && sql[i + 1] <= '9')
                    i++;
        } else {
            out[o++] = sql[i];
        }
    }
    return out;
}

static void bind_all(sqlite3_stmt *st, const sql_param *params, size_t n)
{
    int count = sqlite3_bind_parameter_count(st);
    for (size_t i = 0; i < n && (int)i < count; i++) {
        int idx = (int)i + 1;
        switch (params[i].type) {
        case 1:
            sqlite3_bind_text(st, idx, params[i].s, -1, SQLITE_STATIC);
            break;
        case 2:
            sqlite3_bind_int64(st, idx, params[i].i);
            break;
        default:
            sqlite3_bind_null(st, idx);
            break;
        }
    }
}

static sqlite3_stmt *cache_find(lite *l, const char *sql)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (l->cache[i].key == sql && l->cache[i].st)
            return l->cache[i].st;
    return NULL;
}

static void cache_add(lite *l, const char *sql, sqlite3_stmt *st)
{
    cached *slot = &l->cache[l->next_slot];
    l->next_slot = (l->next_slot + 1) % CACHE_SLOTS;
    if (slot->st)
        sqlite3_finalize(slot->st);
    slot->key = sql;
    slot->st = st;
}

static int lite_exec(sql_conn *c, const char *sql, bool keep, const sql_param *params, size_t n,
                     sql_row_cb cb, void *payload, int64_t *changes, csec_buf *err)
{
    lite *l = c->impl;
    /* A kept statement stays in the cache (found there, or added now). */
    sqlite3_stmt *st = keep ? cache_find(l, sql) : NULL;
    if (!st) {
        char *text = numbered(sql);
        int rc = sqlite3_prepare_v3(l->db, text, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &st,
                                    NULL);
        free(text);
        if (rc != SQLITE_OK)
            return fail(l, rc, "", err);
        if (keep)
            cache_add(l, sql, st);
    }
    bind_all(st, params, n);
    int rc, out = 0;
    const char *cells[64];
    bool stopped = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!cb || stopped)
            continue;
        int nc = sqlite3_column_count(st);
        if (nc > 64)
            nc = 64;
        for (int i = 0; i < nc; i++)
            cells[i] = (const char *)sqlite3_column_text(st, i);
        if (cb(payload, cells, (size_t)nc))
            stopped = true;
    }
    if (rc != SQLITE_DONE)
        out = fail(l, rc, "", err);
    else if (changes)
        *changes = sqlite3_changes64(l->db);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (!keep)
        sqlite3_finalize(st);
    return out;
}

static int lite_script(sql_conn *c, const char *script, csec_buf *err)
{
    lite *l = c->impl;
    /* fail() reads the message from the connection (sqlite3_errmsg). */
    int rc = sqlite3_exec(l->db, script, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(l, rc, "", err);
}

static void lite_close(sql_conn *c)
{
    lite *l = c->impl;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (l->cache[i].st)
            sqlite3_finalize(l->cache[i].st);
    sqlite3_close(l->db);
    free(l);
}

static int lite_maintain(sql_conn *c, csec_buf *err)
{
    return lite_script(c, "PRAGMA wal_checkpoint(PASSIVE)", err);
}

static const sql_backend lite_backend = {lite_exec, lite_script, lite_maintain, lite_close, 32000};

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s", dir);
    if (csec__mkdir_parents(path, 0700) < 0)
        return -1;
    return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

int sql__open_sqlite(sql_conn *c, const char *dir, csec_buf *err)
{
    if (strlen(dir) > 400) {
        csec_buf_printf(err, "the state directory path is too long");
        return SQL_ERROR;
    }
    lite *l = csec__xcalloc(1, sizeof *l);
    c->be = &lite_backend;
    c->kind = SQL_SQLITE;
    c->impl = l;
    /* ":memory:": one private database in memory, for a server without --state. */
    bool memory = strcmp(dir, ":memory:") == 0;
    if (memory) {
        snprintf(l->path, sizeof l->path, "(in memory)");
        snprintf(c->describe, sizeof c->describe, "SQLite in memory");
    } else {
        snprintf(l->path, sizeof l->path, "%s/state.db", dir);
        snprintf(c->describe, sizeof c->describe, "SQLite %s", l->path);
        /* Say what is wrong with the directory itself before SQLite says
         * "unable to open database file". */
        if (make_dirs(dir) < 0 || access(dir, W_OK | X_OK) < 0) {
            int e = errno;
            csec_buf_printf(err, "the state directory %s %s: %s", dir,
                            e == EROFS || e == EACCES || e == EPERM ? "is not writable"
                                                                    : "cannot be made",
                            strerror(e));
            free(l);
            return SQL_EDOWN;
        }
    }
    int rc = sqlite3_open_v2(
        memory ? ":memory:" : l->path, &l->db,
        SQLITE_OPEN_READWRITE | (memory ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        int out = fail(l, rc, "cannot open: ", err);
        sqlite3_close(l->db);
        free(l);
        return out == SQL_ERROR && !memory ? SQL_EDOWN : out;
    }
    sqlite3_extended_result_codes(l->db, 1);
    if (memory)
        return 0;
    sqlite3_busy_timeout(l->db, 10000);
    csec_buf mode = CSEC_BUF_INIT;
    rc = lite_exec(c, "PRAGMA journal_mode=WAL", false, NULL, 0, sql_first_cell, &mode, NULL, err);
    if (rc == 0 && (!mode.ptr || strcmp(mode.ptr, "wal") != 0)) {
        csec_buf_printf(err, "SQLite %s: cannot switch to WAL mode (journal mode is %s)", l->path,
                        mode.ptr ? mode.ptr : "unknown");
        rc = SQL_EDOWN;
    }
    csec_buf_free(&mode);
    if (rc == 0)
        /* A 64 MiB page cache and reads through mmap: the package index of
         * 100,000 watches is some hundreds of MB, and an evaluation reads a
         * slice of it; without them each page read is a system call. */
        rc = lite_script(c,
                         "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; "
                         "PRAGMA wal_autocheckpoint=16384; "
                         "PRAGMA cache_size=-65536; PRAGMA mmap_size=2147418112;",
                         err);
    if (rc < 0) {
        lite_close(c);
        return rc;
    }
    return 0;
}
