-- 0001_watch_lists.sql: stored audit reports, watch lists, what each watch
-- has been told (events), the webhook delivery queue, and the advisories as
-- the watches were last evaluated against them.  The same text runs on
-- SQLite and PostgreSQL (state/sql.h lists the subset both understand).

-- A lockfile audited on the site (/audit/ID), kept so that its page can be
-- evaluated again against newer data.  id: SHA-256 of the lockfile (hex),
-- with "-" and 16 hex digits of the Cargo.toml's SHA-256 when one came with it.
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    lockfile TEXT NOT NULL,
    manifest TEXT,
    bytes BIGINT NOT NULL,
    created BIGINT NOT NULL,
    viewed BIGINT NOT NULL
);
CREATE INDEX reports_viewed ON reports (viewed);

-- A watch list: id is the SHA-256 (hex) of its token; the token itself is
-- never stored.
CREATE TABLE lists (
    id TEXT PRIMARY KEY,
    created BIGINT NOT NULL
);

-- One watched lockfile: its package set is in watch_packages (the file
-- itself is not kept).  db_commit: the advisory data its first state came
-- from; catch_up = 1 while that data was not the data last evaluated (the
-- watch is then evaluated whole once a replica has that data).
CREATE TABLE watches (
    id TEXT PRIMARY KEY,
    list_id TEXT NOT NULL,
    label TEXT NOT NULL,
    report_id TEXT NOT NULL,
    packages INTEGER NOT NULL,
    db_commit TEXT NOT NULL,
    catch_up INTEGER NOT NULL,
    created BIGINT NOT NULL,
    webhook_url TEXT,
    webhook_secret TEXT,
    webhook_failing_since BIGINT,
    webhook_last_error TEXT,
    webhook_disabled_at BIGINT
);
CREATE INDEX watches_list ON watches (list_id);
CREATE INDEX watches_catch_up ON watches (catch_up);

-- The index from package to watches: an advisory about NAME is checked
-- against the rows of NAME only.
CREATE TABLE watch_packages (
    name TEXT NOT NULL,
    watch_id TEXT NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (name, watch_id, version)
);
CREATE INDEX watch_packages_watch ON watch_packages (watch_id);

-- What a watch was told about an advisory, in order (seq 1, 2, ...): kind
-- 'affected' or 'cleared'.  The last event of a (watch, advisory) pair is
-- its current state.  key: the idempotency key sent with the notification,
-- derived from (watch, advisory, kind, seq), so unique with them; it has no
-- index of its own (a random key's index costs a page write per event, and
-- an evaluation may write tens of thousands).  The primary key keeps one
-- advisory's events together, which is how an evaluation reads and writes
-- them.  baseline = 1: the state when the watch was made, never announced.
-- versions: the watch's versions of the package concerned; fingerprint: the
-- advisory as evaluated (its text in advisory_snapshots), so that every
-- attempt sends the same body.
CREATE TABLE events (
    advisory_id TEXT NOT NULL,
    watch_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    baseline INTEGER NOT NULL,
    created BIGINT NOT NULL,
    versions TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    db_commit TEXT NOT NULL,
    PRIMARY KEY (advisory_id, watch_id, seq)
);
CREATE INDEX events_watch ON events (watch_id, created);

-- An advisory as a notification shows it (JSON), once per fingerprint.
CREATE TABLE advisory_snapshots (
    advisory_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (advisory_id, fingerprint)
);

-- The webhook queue: one row per announced event of a watch with a webhook
-- (the event is (advisory_id, watch_id, seq), its key the delivery's).
-- state 'pending' until 'delivered' (a 2xx answer) or 'dropped' (the
-- webhook was disabled or removed).  A sender claims a row by writing
-- lease_owner and lease_until; a row whose lease has expired is free again.
CREATE TABLE deliveries (
    key TEXT PRIMARY KEY,
    advisory_id TEXT NOT NULL,
    watch_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_attempt_at BIGINT,
    last_status INTEGER,
    last_error TEXT,
    delivered_at BIGINT
);
CREATE INDEX deliveries_due ON deliveries (state, next_at);
CREATE INDEX deliveries_watch ON deliveries (watch_id);

-- Each advisory as the watches were last evaluated against it: a sync that
-- changes an advisory's fingerprint (package, ranges, kind, withdrawal...)
-- has its package checked against the watches, once, by whichever replica
-- swaps the fingerprint here first.
CREATE TABLE advisory_state (
    id TEXT PRIMARY KEY,
    package TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    db_commit TEXT NOT NULL,
    evaluated BIGINT NOT NULL
);

-- Single values: 'evaluated_commit' and 'evaluated_commit_time', the
-- advisory data the watches were last evaluated against.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
