/* state_tests.c - the state layer (state/) against a real database:
 *
 *   state-tests SPEC DB_BEFORE DB_AFTER
 *
 * SPEC is an empty SQLite directory or a postgresql:// URL of an empty
 * database; DB_BEFORE and DB_AFTER are two advisory databases, the second
 * with one more advisory (RUSTSEC-2099-0010, crate `widget`, patched
 * >= 2.0.0) and RUSTSEC-2020-0001 withdrawn (tests/cli/state.sh makes them
 * from tests/data/db).  Checks: migrations (again: nothing), the address and
 * URL rules of webhooks, SHA-256/HMAC vectors, a watch's first state,
 * evaluation (events once, deliveries only for webhooks, twice = nothing,
 * two evaluators at once = once), damaged data holds a change instead of
 * clearing (a file that no longer parses, an id in two files; a withdrawal
 * still clears), claims from two connections at once
 * (disjoint, complete), leases (a claim not recorded is free again after
 * its lease, same key, attempt counted), backoff and disabling, and
 * export/import.  Prints "N passed, N failed".
 */
#include "crypto.h"
#include "state.h"
#include "webhook.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

static const char *spec;

static state_store *open_store(void)
{
    state_store *st = NULL;
    csec_buf err = CSEC_BUF_INIT;
    if (state_open(&st, spec, &err) < 0) {
        fprintf(stderr, "cannot open %s: %s\n", spec, err.ptr);
        exit(2);
    }
    csec_buf_free(&err);
    return st;
}

static csec_db *load_db(const char *path)
{
    csec_db *db = NULL;
    csec_diag d;
    if (csec_db_open(&db, path, NULL, &d) < 0) {
        fprintf(stderr, "cannot load %s: %s\n", path, d.msg);
        exit(2);
    }
    return db;
}

/* ---- webhooks: addresses, URLs, signatures ---- */

static bool allowed(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (strchr(text, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        inet_pton(AF_INET6, text, &s6->sin6_addr);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        inet_pton(AF_INET, text, &s4->sin_addr);
    }
    char why[160];
    return webhook_address_allowed((struct sockaddr *)&ss, why, sizeof why);
}

static void test_addresses(void)
{
    static const char *const refused[] = {
        "127.0.0.1",  "127.255.0.9", "10.1.2.3",     "172.16.0.1",     "172.31.255.255",
        "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",    "224.0.0.1",
        "255.255.255.255", "192.0.2.1", "198.18.0.1", "::1",          "::",
        "fe80::1",    "fc00::1",     "fd12:3456::1", "ff02::1",        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "2001:db8::1", "::127.0.0.1",
        "fec0::1"};
    static const char *const ok[] = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "93.184.216.34",
                                     "2001:4860:4860::8888", "::ffff:8.8.8.8",
                                     "2606:4700::1111"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        CHECK(!allowed(refused[i]), "%s should be refused", refused[i]);
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        CHECK(allowed(ok[i]), "%s should be allowed", ok[i]);
}

static void test_urls(void)
{
    char why[400];
    static const char *const bad[] = {
        "ftp://example.com/x",    "file:///etc/passwd",    "gopher://example.com/",
        "http://",                "http://user:pw@8.8.8.8/", "http://8.8.8.8/a b",
        "http://127.0.0.1:9/hook", "http://localhost/",    "http://[::1]:80/",
        "http://0x7f000001/",     "http://2130706433/",    "http://169.254.169.254/latest",
        "http://10.0.0.1/",       "http://[::ffff:127.0.0.1]/", "javascript:alert(1)"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(!webhook_url_ok(bad[i], false, why, sizeof why), "%s accepted", bad[i]);
    CHECK(webhook_url_ok("http://8.8.8.8/hook", false, why, sizeof why), "public: %s", why);
    CHECK(webhook_url_ok("https://[2001:4860:4860::8888]:8443/x?y=1", false, why, sizeof why),
          "public v6: %s", why);
    CHECK(webhook_url_ok("http://127.0.0.1:9/hook", true, why, sizeof why),
          "allow_private: %s", why);
    CHECK(!webhook_url_ok("ftp://127.0.0.1/", true, why, sizeof why),
          "allow_private does not allow other schemes");
    /* The reason names the address and why. */
    webhook_url_ok("http://127.0.0.1/", false, why, sizeof why);
    CHECK(strstr(why, "loopback") != NULL, "reason: %s", why);
}

static void test_crypto(void)
{
    char hex[65];
    state_sha256_hex(hex, "abc", 3);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
          "%s", hex);
    /* RFC 4231, test case 2. */
    state_hmac_sha256_hex(hex, "Jefe", 4, "what do ya want for nothing?", 28);
    CHECK(strcmp(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") == 0,
          "%s", hex);
    char a[33], b[33];
    state_random_hex(a, 16);
    state_random_hex(b, 16);
    CHECK(state_is_hex(a, 32) && strcmp(a, b) != 0, "random: %s %s", a, b);
}

/* ---- watches and evaluation ---- */

typedef struct lender {
    const csec_db *db;
    const char *commit;
    int64_t time;
} lender;

static void lend(void *payload, state_data *out)
{
    lender *l = payload;
    out->db = l->db;
    out->commit = l->commit;
    out->commit_time = l->time;
    out->holder = NULL;
}

static void give_back(void *payload, state_data *d)
{
    (void)payload;
    (void)d;
}

static int64_t count(state_store *st, const char *sql)
{
    csec_buf out = CSEC_BUF_INIT, err = CSEC_BUF_INIT;
    sql_exec(st->sql, sql, NULL, 0, sql_first_cell, &out, NULL, &err);
    int64_t n = out.ptr ? strtoll(out.ptr, NULL, 10) : -1;
    csec_buf_free(&out);
    csec_buf_free(&err);
    return n;
}

typedef struct eval_job {
    const state_data *d;
    state_eval_stats stats;
    int rc;
} eval_job;

static void *eval_thread(void *arg)
{
    eval_job *j = arg;
    state_store *st = open_store();
    csec_buf err = CSEC_BUF_INIT;
    j->rc = state_evaluate(st, j->d, &j->stats, &err);
    if (j->rc < 0)
        fprintf(stderr, "evaluate: %s\n", err.ptr);
    csec_buf_free(&err);
    state_close(st);
    return NULL;
}

static char token[STATE_TOKEN_HEX + 1];
static char hook_watch[STATE_WATCH_HEX + 1], plain_watch[STATE_WATCH_HEX + 1];

static void test_watches(const char *db_before, const char *db_after)
{
    csec_db *before = load_db(db_before), *after = load_db(db_after);
    state_store *st = open_store();
    csec_buf err = CSEC_BUF_INIT;
    int applied = 0, known = 0;
    CHECK(state_schema_version(st, &applied, &known, &err) == 0 && applied == known && known >= 1,
          "schema %d of %d", applied, known);
    state_close(st);
    st = open_store(); /* migrations again: nothing to do */
    CHECK(count(st, "SELECT count(*) FROM schema_migrations") == known, "migrations twice");
    /* A damaged row past 32 bits (SQLite's INTEGER holds it; PostgreSQL's
     * refuses it) still reads as newer than any schema this build knows. */
    if (sql_exec(st->sql,
                 "INSERT INTO schema_migrations (version, name, applied) VALUES (4294967297, "
                 "'damaged', 0)",
                 NULL, 0, NULL, NULL, NULL, &err) == 0) {
        CHECK(state_schema_version(st, &applied, &known, &err) == 0 && applied > known,
              "a schema version of 2^32 + 1 reads as %d", applied);
        sql_exec(st->sql, "DELETE FROM schema_migrations WHERE version = 4294967297", NULL, 0, NULL,
                 NULL, NULL, &err);
    }
    csec_buf_clear(&err);

    lender l1 = {before, "1111111111111111111111111111111111111111", 1000};
    state_data d1 = {before, l1.commit, l1.time, NULL};
    state_eval_stats stats;
    CHECK(state_evaluate(st, &d1, &stats, &err) == 0 && stats.seeded, "first run seeds: %s",
          err.ptr ? err.ptr : "");

    /* Watch 1: foo 1.0.0 (RUSTSEC-2020-0001 vulnerability and RUSTSEC-2021-0002
     * unmaintained affect it), widget 1.5.0, with a webhook; watch 2 in the
     * same list: widget 2.1.0 only, no webhook. */
    state_pkg p1[] = {{"foo", "1.0.0"}, {"widget", "1.5.0"}, {"foo", "1.0.0"}, {"qux", "1.0.0"}};
    state_watch_new w1 = {NULL, "app one", "r1", p1, 4, "http://example.invalid/hook"};
    state_data_source src = {lend, give_back, &l1};
    state_watch_made m1, m2;
    CHECK(state_watch_create(st, &w1, &src, &m1, &err) == 1, "create: %s", err.ptr);
    CHECK(m1.new_list && state_is_hex(m1.token, 32) && state_is_hex(m1.secret, 64),
          "token %s secret %s", m1.token, m1.secret);
    CHECK(m1.affected == 3, "baseline of watch 1: %zu advisories", m1.affected);
    snprintf(token, sizeof token, "%s", m1.token);
    snprintf(hook_watch, sizeof hook_watch, "%s", m1.watch_id);
    state_pkg p2[] = {{"widget", "2.1.0"}, {"foo", "0.1.0"}};
    state_watch_new w2 = {m1.token, "app two", "r2", p2, 2, NULL};
    CHECK(state_watch_create(st, &w2, &src, &m2, &err) == 1 && !m2.new_list, "second watch");
    snprintf(plain_watch, sizeof plain_watch, "%s", m2.watch_id);
    CHECK(m2.affected == 1, "baseline of watch 2 (foo 0.1.0: unmaintained only): %zu",
          m2.affected);
    state_watch_new w3 = {"0123456789abcdef0123456789abcdef", "x", "r", p2, 2, NULL};
    state_watch_made m3;
    CHECK(state_watch_create(st, &w3, &src, &m3, &err) == 0, "unknown list token");
    CHECK(count(st, "SELECT count(*) FROM watch_packages") == 5, "packages deduplicated");
    CHECK(count(st, "SELECT count(*) FROM events WHERE baseline = 1") == 4, "baselines");
    CHECK(count(st, "SELECT count(*) FROM deliveries") == 0, "baselines are not delivered");

    /* The same data again: nothing. */
    CHECK(state_evaluate(st, &d1, &stats, &err) == 0 && stats.changed == 0 && stats.events == 0,
          "same data: %zu changed", stats.changed);

    /* New data, evaluated by two connections at once: every event once. */
    state_data d2 = {after, "2222222222222222222222222222222222222222", 2000, NULL};
    eval_job a = {&d2, {0}, 0}, b = {&d2, {0}, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, eval_thread, &a);
    pthread_create(&tb, NULL, eval_thread, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK(a.rc == 0 && b.rc == 0, "both evaluations ran");
    CHECK(a.stats.evaluated + b.stats.evaluated == 2,
          "each changed advisory evaluated once: %zu + %zu", a.stats.evaluated,
          b.stats.evaluated);
    /* widget 1.5.0 newly affected (watch 1), foo 1.0.0 cleared by the
     * withdrawal (watch 1); watch 2 has widget 2.1.0 (patched) and foo 0.1.0
     * (below the affected range). */
    CHECK(count(st, "SELECT count(*) FROM events WHERE baseline = 0") == 2, "2 new events, got %lld",
          (long long)count(st, "SELECT count(*) FROM events WHERE baseline = 0"));
    CHECK(count(st, "SELECT count(*) FROM events WHERE baseline = 0 AND kind = 'affected' AND "
                    "advisory_id = 'RUSTSEC-2099-0010'") == 1,
          "widget affected");
    CHECK(count(st, "SELECT count(*) FROM events WHERE kind = 'cleared' AND advisory_id = "
                    "'RUSTSEC-2020-0001' AND seq = 2") == 1,
          "withdrawal clears, as the pair's second event");
    CHECK(count(st, "SELECT count(*) FROM deliveries WHERE state = 'pending'") == 2,
          "both queued for the webhook watch only");
    CHECK(state_evaluate(st, &d2, &stats, &err) == 0 && stats.changed == 0,
          "evaluated data again: nothing");
    /* Older data must not undo newer. */
    CHECK(state_evaluate(st, &d1, &stats, &err) == 0 && stats.stale && stats.events == 0,
          "stale data skipped");
    CHECK(count(st, "SELECT count(*) FROM events") == 6, "no event from stale data");

    /* A watch made from data other than the evaluated one is caught up. */
    lender l_old = {before, l1.commit, l1.time};
    state_data_source old_src = {lend, give_back, &l_old};
    state_pkg p4[] = {{"widget", "1.0.0"}};
    state_watch_new w4 = {NULL, "late", "r4", p4, 1, NULL};
    state_watch_made m4;
    CHECK(state_watch_create(st, &w4, &old_src, &m4, &err) == 1 && m4.affected == 0,
          "made from older data");
    CHECK(state_evaluate(st, &d2, &stats, &err) == 0 && stats.caught_up == 1 && stats.events == 1,
          "caught up: %zu watches, %zu events", stats.caught_up, stats.events);
    csec_buf_free(&err);
    state_close(st);
    csec_db_free(before);
    csec_db_free(after);
}

/* ---- the queue ---- */

typedef struct claimer {
    const char *owner;
    char keys[64][STATE_KEY_HEX + 1];
    size_t n;
    pthread_barrier_t *ready; /* both connected before either claims */
} claimer;

static void *claim_thread(void *arg)
{
    claimer *c = arg;
    state_store *st = open_store();
    csec_buf err = CSEC_BUF_INIT;
    /* A PostgreSQL connection can take longer under load than the other
     * thread needs to claim all 42 (CI once saw "0, 42"). */
    pthread_barrier_wait(c->ready);
    for (;;) {
        state_delivery d;
        int n = state_claim(st, c->owner, 60, 1, &d, &err);
        if (n < 0)
            fprintf(stderr, "claim: %s\n", err.ptr);
        if (n <= 0)
            break;
        if (c->n < 64)
            snprintf(c->keys[c->n++], STATE_KEY_HEX + 1, "%s", d.key);
        state_delivery_free(&d);
        usleep(2000);
    }
    csec_buf_free(&err);
    state_close(st);
    return NULL;
}

static void test_queue(void)
{
    state_store *st = open_store();
    csec_buf err = CSEC_BUF_INIT;
    /* 40 more pending deliveries for the webhook watch. */
    for (int i = 0; i < 40; i++) {
        char key[STATE_KEY_HEX + 1];
        char adv[32];
        snprintf(adv, sizeof adv, "RUSTSEC-2099-%04d", 1000 + i);
        state__event_key(key, hook_watch, adv, "affected", 1);
        sql_exec(st->sql,
                 "INSERT INTO events (key, watch_id, advisory_id, seq, kind, baseline, created, "
                 "versions, fingerprint, db_commit) VALUES ($1, $2, $3, 1, 'affected', 0, 1, "
                 "'1.5.0', 'x', '')",
                 (sql_param[]){SQL_TEXT(key), SQL_TEXT(hook_watch), SQL_TEXT(adv)}, 3, NULL, NULL,
                 NULL, &err);

        sql_exec(st->sql,
                 "INSERT INTO deliveries (key, advisory_id, watch_id, seq, state, attempts, "
                 "next_at) VALUES ($1, $2, $3, 1, 'pending', 0, 0)",
                 (sql_param[]){SQL_TEXT(key), SQL_TEXT(adv), SQL_TEXT(hook_watch)}, 3, NULL, NULL,
                 NULL, &err);
    }
    int64_t pending = count(st, "SELECT count(*) FROM deliveries WHERE state = 'pending'");
    CHECK(pending == 42, "42 pending, got %lld", (long long)pending);
    pthread_barrier_t ready;
    pthread_barrier_init(&ready, NULL, 2);
    claimer a = {"replica-a", {{0}}, 0, &ready}, b = {"replica-b", {{0}}, 0, &ready};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, claim_thread, &a);
    pthread_create(&tb, NULL, claim_thread, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&ready);
    CHECK(a.n + b.n == 42, "claimed %zu + %zu of 42", a.n, b.n);
    CHECK(a.n > 0 && b.n > 0, "both claimed some: %zu, %zu", a.n, b.n);
    size_t dup = 0;
    for (size_t i = 0; i < a.n; i++)
        for (size_t k = 0; k < b.n; k++)
            dup += strcmp(a.keys[i], b.keys[k]) == 0;
    CHECK(dup == 0, "%zu deliveries claimed by both", dup);

    /* Leases: nothing is free while they last; an expired one is claimed
     * again, with the same key and the attempt counted. */
    state_delivery d;
    CHECK(state_claim(st, "replica-c", 60, 1, &d, &err) == 0, "all leased");
    CHECK(sql_exec(st->sql, "UPDATE deliveries SET lease_until = 1 WHERE key = $1",
                   (sql_param[]){SQL_TEXT(a.keys[0])}, 1, NULL, NULL, NULL, &err) == 0,
          "expire one lease");
    time_t claimed = time(NULL);
    int n = state_claim(st, "replica-c", 60, 5, &d, &err);
    CHECK(n == 1 && strcmp(d.key, a.keys[0]) == 0 && d.attempts == 2,
          "expired lease claimed again: n %d attempts %lld", n, (long long)(n ? d.attempts : 0));
    if (n == 1) {
        CHECK(strstr(d.body, d.key) != NULL && d.url && strcmp(d.url, "http://example.invalid/hook") == 0,
              "body and url: %s", d.body);
        /* Failure: backoff, then success marks it delivered. */
        state_retry_policy pol = {10, 40, 7 * 86400};
        bool disabled = true;
        CHECK(state_delivery_done(st, &d, "replica-c", false, 500, "HTTP 500", &pol, &disabled,
                                  &err) == 0 &&
                  !disabled,
              "failure recorded");
        int64_t wait = count(st, "SELECT next_at - last_attempt_at FROM deliveries WHERE "
                                 "state = 'pending' AND last_status = 500");
        /* From the failure's time, which is later than the attempt's by as
         * much as this machine took in between. */
        int64_t between = (int64_t)(time(NULL) - claimed);
        CHECK(wait >= 20 && wait <= 21 + between, "second attempt waits 2 x base: %lld (%lld s "
              "between attempt and failure)", (long long)wait, (long long)between);
        CHECK(count(st, "SELECT count(*) FROM watches WHERE webhook_failing_since IS NOT NULL") ==
                  1,
              "webhook failing");
        CHECK(state_delivery_done(st, &d, "replica-c", true, 204, NULL, &pol, &disabled, &err) ==
                  0,
              "success recorded");
        CHECK(count(st, "SELECT count(*) FROM watches WHERE webhook_failing_since IS NULL AND "
                        "webhook_url IS NOT NULL") == 1,
              "a success clears the failure");
        CHECK(count(st, "SELECT count(*) FROM deliveries WHERE state = 'delivered'") == 1,
              "delivered once");
        /* A delivered row is never claimed again, even with its lease gone. */
        sql_exec(st->sql, "UPDATE deliveries SET lease_until = 1", NULL, 0, NULL, NULL, NULL, &err);
        sql_exec(st->sql, "UPDATE deliveries SET next_at = 0", NULL, 0, NULL, NULL, NULL, &err);
        state_delivery more[64];
        int m = state_claim(st, "replica-d", 60, 64, more, &err);
        CHECK(m == 41, "41 pending claimed again, the delivered one not: %d", m);
        /* Failing past disable_after disables the webhook and drops the rest. */
        pol.disable_after_s = 0;
        CHECK(state_delivery_done(st, &more[0], "replica-d", false, 0, "timed out", &pol,
                                  &disabled, &err) == 0 &&
                  disabled,
              "disabled");
        CHECK(count(st, "SELECT count(*) FROM deliveries WHERE state = 'pending'") == 0,
              "pending dropped");
        CHECK(state_claim(st, "replica-e", 60, 5, &d, &err) == 0, "nothing left to send");
        for (int i = 0; i < m; i++)
            state_delivery_free(&more[i]);
        state_delivery_free(&d);
    }

    /* The list as pages see it. */
    state_list l;
    CHECK(state_list_get(st, token, 100, false, &l, &err) == 1 && l.nwatches == 2,
          "list: %zu watches", l.nwatches);
    bool seen_disabled = false;
    char seen[256] = "";
    for (size_t i = 0; i < l.nwatches; i++) {
        seen_disabled |= strcmp(l.watches[i].id, hook_watch) == 0 && l.watches[i].webhook_disabled_at;
        /* What the list said, should this fail again (once in CI under load). */
        snprintf(seen + strlen(seen), sizeof seen - strlen(seen), " %s:%lld", l.watches[i].id,
                 (long long)l.watches[i].webhook_disabled_at);
    }
    CHECK(seen_disabled, "the list shows the webhook disabled (watch %s; list%s; in the table: %lld)",
          hook_watch, seen,
          (long long)count(st, "SELECT count(*) FROM watches WHERE webhook_disabled_at IS NOT NULL"));
    state_list_free(&l);
    char secret[STATE_SECRET_HEX + 1];
    CHECK(state_watch_set_webhook(st, token, hook_watch, "http://example.invalid/new", secret,
                                  &err) == 1 &&
              state_is_hex(secret, 64),
          "webhook set again");
    CHECK(count(st, "SELECT count(*) FROM watches WHERE webhook_disabled_at IS NULL AND "
                    "webhook_url = 'http://example.invalid/new'") == 1,
          "re-enabled");
    csec_buf_free(&err);
    state_close(st);
}

/* ---- export and import ---- */

static void test_export(void)
{
    state_store *st = open_store();
    csec_buf err = CSEC_BUF_INIT;
    char path[] = "/tmp/cratesec-state-export.XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w+");
    CHECK(state_export(st, f, &err) == 0, "export: %s", err.ptr ? err.ptr : "");
    long size = ftell(f);
    char *text = malloc((size_t)size + 1);
    rewind(f);
    CHECK(fread(text, 1, (size_t)size, f) == (size_t)size, "read back");
    fclose(f);
    unlink(path);
    int64_t events = count(st, "SELECT count(*) FROM events");
    /* Into the same state: everything is there already. */
    CHECK(state_import(st, text, (size_t)size, &err) == 0, "import into itself");
    CHECK(count(st, "SELECT count(*) FROM events") == events, "nothing doubled");
    /* Deleting the list, then importing, brings it back. */
    CHECK(state_watch_delete(st, token, NULL, &err) == 2, "deleted 2 watches");
    CHECK(count(st, "SELECT count(*) FROM watches") == 1, "the other list remains");
    CHECK(state_import(st, text, (size_t)size, &err) == 2, "2 watches imported");
    CHECK(count(st, "SELECT count(*) FROM events") == events, "events back");
    state_list l;
    CHECK(state_list_get(st, token, 10, true, &l, &err) == 1 && l.nwatches == 2,
          "the token works again");
    state_list_free(&l);
    /* Bad input: a clear error, nothing changed. */
    csec_buf_clear(&err);
    CHECK(state_import(st, "{\"format\":\"other\"}", 18, &err) < 0 && err.ptr &&
              strstr(err.ptr, "not a cratesec state export"),
          "foreign file: %s", err.ptr ? err.ptr : "");
    csec_buf_clear(&err);
    static const char short_row[] = "{\"format\":\"cratesec-state\",\"tables\":{\"lists\":"
                                    "{\"columns\":[\"id\",\"created\"],\"rows\":[[\"x\"]]}}}";
    CHECK(state_import(st, short_row, sizeof short_row - 1, &err) < 0, "short row refused");
    free(text);
    csec_buf_free(&err);
    state_close(st);
}

/* ---- damaged data fails closed ---- */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

/* DB_AFTER's crates copied into dir/name, plus `extra` files (path, text
 * pairs relative to it, NULL-terminated); the path is good until the next call. */
static char *data_dir(const char *dir, const char *name, const char *db_after,
                      const char *const *extra)
{
    static char root[512];
    char cmd[1200], file[700];
    snprintf(root, sizeof root, "%s/%s", dir, name);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp -R '%s/crates' '%s/'", root, db_after, root);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot copy %s\n", db_after);
        exit(2);
    }
    for (size_t i = 0; extra && extra[i]; i += 2) {
        snprintf(file, sizeof file, "%s/%s", root, extra[i]);
        char *slash = strrchr(file, '/');
        *slash = 0;
        mkdir(file, 0755);
        *slash = '/';
        write_text(file, extra[i + 1]);
    }
    return root;
}

#define GIZMO_ADVISORY(package, withdrawn)                                                         \
    "```toml\n[advisory]\nid = \"RUSTSEC-2099-0020\"\npackage = \"" package "\"\n"                \
    "date = \"2099-01-20\"\n" withdrawn "\n[versions]\npatched = [\">= 2.0.0\"]\n```\n\n"          \
    "# Invented: " package " misbehaves\nTest data.\n"

/* A watch affected by RUSTSEC-2099-0020 (gizmo 1.0.0) is not told "cleared"
 * when the file stops parsing or a second file (crates/aaa) reuses the id;
 * the change is held and the state kept; a withdrawal still clears. */
static void test_damaged_data(const char *db_after)
{
    char dir[] = "/tmp/cratesec-state-damaged.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(2);
    }
    static const char *const good[] = {"crates/gizmo/RUSTSEC-2099-0020.md",
                                       GIZMO_ADVISORY("gizmo", ""), NULL};
    static const char *const broken[] = {"crates/gizmo/RUSTSEC-2099-0020.md",
                                         "```toml\n[advisory\nid = \"RUSTSEC-2099-0020\"\n```\n",
                                         NULL};
    static const char *const twice[] = {"crates/gizmo/RUSTSEC-2099-0020.md",
                                        GIZMO_ADVISORY("gizmo", ""),
                                        "crates/aaa/RUSTSEC-2099-0020.md",
                                        GIZMO_ADVISORY("aaa", ""), NULL};
    static const char *const withdrawn[] = {
        "crates/gizmo/RUSTSEC-2099-0020.md",
        GIZMO_ADVISORY("gizmo", "withdrawn = \"2099-02-20\"\n"), NULL};
    csec_db *db3 = load_db(data_dir(dir, "good", db_after, good));
    csec_db *db4 = load_db(data_dir(dir, "broken", db_after, broken));
    csec_db *db5 = load_db(data_dir(dir, "twice", db_after, twice));
    csec_db *db6 = load_db(data_dir(dir, "withdrawn", db_after, withdrawn));
    CHECK(!csec_db_package_error(db3, CSEC_COLLECTION_CRATES, "gizmo") &&
              csec_db_package_error(db4, CSEC_COLLECTION_CRATES, "gizmo") &&
              csec_db_package_error(db5, CSEC_COLLECTION_CRATES, "gizmo"),
          "the damaged data has load problems for gizmo");

    state_store *st = open_store();
    csec_buf err = CSEC_BUF_INIT;
    state_eval_stats stats;
    lender l3 = {db3, "3333333333333333333333333333333333333333", 3000};
    state_data d3 = {db3, l3.commit, l3.time, NULL};
    CHECK(state_evaluate(st, &d3, &stats, &err) == 0, "good data: %s", err.ptr ? err.ptr : "");
    state_pkg p[] = {{"gizmo", "1.0.0"}};
    state_watch_new w = {NULL, "gizmo app", "r5", p, 1, "http://example.invalid/gizmo"};
    state_data_source src = {lend, give_back, &l3};
    state_watch_made m;
    CHECK(state_watch_create(st, &w, &src, &m, &err) == 1 && m.affected == 1,
          "gizmo 1.0.0 affected at first: %zu", m.affected);
    int64_t deliveries = count(st, "SELECT count(*) FROM deliveries");
    /* Each damaged data, then the good data again (a newer commit): the
     * change is held (the same on the next run), so the repair has nothing
     * to announce either. */
    const char *what[] = {"a file that no longer parses", "an id in two files"};
    csec_db *damaged[] = {db4, db5};
    char commit[41], good_commit[41];
    for (int i = 0; i < 2; i++) {
        snprintf(commit, sizeof commit, "%040d", 4 + i);
        state_data bad = {damaged[i], commit, 4000 + 100 * i, NULL};
        for (int again = 0; again < 2; again++)
            CHECK(state_evaluate(st, &bad, &stats, &err) == 0 && stats.held == 1 &&
                      stats.events == 0,
                  "%s (run %d): held %zu, events %zu", what[i], again + 1, stats.held,
                  stats.events);
        CHECK(count(st, "SELECT count(*) FROM events WHERE advisory_id = 'RUSTSEC-2099-0020' "
                        "AND kind = 'cleared'") == 0,
              "no cleared for %s", what[i]);
        CHECK(count(st, "SELECT count(*) FROM advisory_state WHERE id = 'RUSTSEC-2099-0020' AND "
                        "package = 'gizmo'") == 1,
              "advisory state kept with %s", what[i]);
        CHECK(count(st, "SELECT count(*) FROM deliveries") == deliveries, "nothing sent");
        snprintf(good_commit, sizeof good_commit, "%040d", 40 + i);
        state_data repaired = {db3, good_commit, 4050 + 100 * i, NULL};
        CHECK(state_evaluate(st, &repaired, &stats, &err) == 0 && stats.changed == 0 &&
                  stats.events == 0,
              "repaired after %s: %zu changed, %zu events", what[i], stats.changed,
              stats.events);
    }

    /* A watch made from other data than the evaluated one is caught up on
     * the next run: on damaged data, that must not clear it either. */
    lender l7 = {db3, "7777777777777777777777777777777777777777", 4500};
    state_data_source src7 = {lend, give_back, &l7};
    state_watch_new w7 = {NULL, "late gizmo app", "r7", p, 1, NULL};
    state_watch_made m7;
    CHECK(state_watch_create(st, &w7, &src7, &m7, &err) == 1 && m7.affected == 1,
          "late gizmo watch affected at first: %zu", m7.affected);
    state_data bad8 = {db4, "8888888888888888888888888888888888888888", 4600, NULL};
    CHECK(state_evaluate(st, &bad8, &stats, &err) == 0 && stats.caught_up == 1,
          "the late watch is caught up on damaged data: %zu", stats.caught_up);
    csec_buf q = CSEC_BUF_INIT;
    csec_buf_printf(&q, "SELECT count(*) FROM events WHERE watch_id = '%s' AND kind = 'cleared'",
                    m7.watch_id);
    CHECK(count(st, q.ptr) == 0, "no cleared when a watch is caught up on damaged data");
    state_data good9 = {db3, "9999999999999999999999999999999999999999", 4700, NULL};
    CHECK(state_evaluate(st, &good9, &stats, &err) == 0, "good data again: %s",
          err.ptr ? err.ptr : "");
    CHECK(count(st, q.ptr) == 0, "nor once the data is good again");
    csec_buf_free(&q);

    state_data d6 = {db6, "6666666666666666666666666666666666666666", 6000, NULL};
    CHECK(state_evaluate(st, &d6, &stats, &err) == 0 && stats.held == 0 && stats.events == 2,
          "withdrawn: held %zu, events %zu", stats.held, stats.events);
    CHECK(count(st, "SELECT count(*) FROM events WHERE advisory_id = 'RUSTSEC-2099-0020' AND "
                    "kind = 'cleared'") == 2,
          "a withdrawal clears (both gizmo watches)");
    CHECK(count(st, "SELECT count(*) FROM deliveries") == deliveries + 1, "and is sent");

    csec_buf_free(&err);
    state_close(st);
    csec_db_free(db3);
    csec_db_free(db4);
    csec_db_free(db5);
    csec_db_free(db6);
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: state-tests SPEC DB_BEFORE DB_AFTER\n");
        return 2;
    }
    spec = argv[1];
    test_addresses();
    test_urls();
    test_crypto();
    test_watches(argv[2], argv[3]);
    test_queue();
    test_export();
    test_damaged_data(argv[3]);
    printf("state-tests (%s): %d passed, %d failed\n",
           strncmp(spec, "postgres", 8) == 0 ? "PostgreSQL" : "SQLite", passed, failed);
    return failed ? 1 : 0;
}
