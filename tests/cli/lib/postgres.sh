# shellcheck shell=bash
# tests/cli/lib/postgres.sh - a throwaway PostgreSQL server for a test
# (sourced, not run).  Debian's `postgresql` package, started here: initdb
# into a temporary directory, a Unix socket in that directory (no TCP port),
# fsync off (the tests kill processes, not machines), stopped by pg_stop.
# initdb and postgres refuse to run as root: as root they run as the
# `postgres` account that the Debian package makes (runuser), else as the
# current user.
#
#   pg_start       sets PG_DIR and PG_URL (postgresql:///cratesec?host=...),
#                  returns 1 with a message when PostgreSQL is not installed
#                  or does not start
#   pg_stop        fast shutdown, directory removed
#   pg_psql SQL    runs SQL with psql against PG_URL

PG_DIR= PG_URL= PG_BIN=

pg_find() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then PG_BIN=$d; return 0; fi
    done
    command -v initdb >/dev/null && command -v pg_ctl >/dev/null &&
        { PG_BIN=$(dirname "$(command -v initdb)"); return 0; }
    return 1
}

# Runs a command as the account that owns the cluster.
pg_as() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    pg_find || { echo "postgres.sh: PostgreSQL is not installed (scripts/deps.sh: postgresql)"; return 1; }
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "postgres.sh: running as root and there is no postgres account to run the server as"
        return 1
    fi
    PG_DIR=$(mktemp -d /tmp/cratesec-pg.XXXXXX)
    [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
    local port=$((20000 + RANDOM % 20000))
    if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U cratesec --no-sync -E UTF8 \
            --locale=C >"$PG_DIR/initdb.log" 2>&1; then
        echo "postgres.sh: initdb failed:"; tail -5 "$PG_DIR/initdb.log"; return 1
    fi
    # Unix socket only, in PG_DIR; the port number only names the socket.
    if ! pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
            -o "-k $PG_DIR -c listen_addresses='' -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >/dev/null 2>&1; then
        echo "postgres.sh: the server did not start:"; tail -5 "$PG_DIR/server.log"; return 1
    fi
    PG_URL="postgresql:///postgres?host=$PG_DIR&port=$port&user=cratesec"
    pg_as psql -q "$PG_URL" -c 'CREATE DATABASE cratesec' >/dev/null || return 1
    PG_URL="postgresql:///cratesec?host=$PG_DIR&port=$port&user=cratesec"
    export PG_URL
}

pg_stop() {
    [ -n "$PG_DIR" ] || return 0
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$PG_DIR"
    PG_DIR=
}

pg_psql() {
    PGOPTIONS="-c client_min_messages=warning" psql -q -X -A -t "$PG_URL" -c "$1"
}
