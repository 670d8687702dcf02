# shellcheck shell=bash
# tests/soak/lib.sh - shared by the soak parts (sourced, not run).
#
# Every part script is `bash tests/soak/PART.sh BUILD_DIR`, runs from the
# repository root, works under BUILD_DIR/soak, starts its processes through
# `spawn` (killed on exit, whatever happens) and ends by appending one line
# to BUILD_DIR/soak/summary.parts with `record`.
set -u
B=${1:-build}
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
ROOT=$PWD
case $B in /*) ;; *) B=$ROOT/$B ;; esac
BIN=$B/cratesec
WORK=$B/soak
DATA=${CRATESEC_TEST_DATA:-$ROOT/../shared/data}
SOAK_SECONDS=${SOAK_SECONDS:-60}
PART=$(basename "$0" .sh)
mkdir -p "$WORK"

PIDS=()
soak_cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    return 0
}
trap soak_cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "$PART [${SECONDS}s]: $*"; }
die() { echo "$PART: FAIL: $*" >&2; record "FAIL ($*)"; exit 1; }

# record TEXT - this part's line in the summary table.
record() { printf '%-8s %s\n' "$PART" "$*" >> "$WORK/summary.parts"; }

[ -x "$BIN" ] || die "$BIN not built"
for tool in curl python3 git; do
    command -v "$tool" >/dev/null || die "$tool missing (scripts/deps.sh installs it)"
done

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# spawn CMD... - runs CMD in the background, killed on exit; sets SPAWNED.
spawn() {
    "$@" &
    SPAWNED=$!
    PIDS+=("$SPAWNED")
}

# listening_port OUT PID [TRIES]: the port a server started in the
# background (PID) prints to OUT, waiting TRIES x 0.1 s at most (default 200);
# empty when it did not start or exited.
listening_port() {
    local port="" _
    for _ in $(seq "${3:-200}"); do
        port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$1")
        [ -n "$port" ] && break
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    echo "$port"
}

# start_server NAME ARGS... - `cratesec serve ARGS` with output in
# $WORK/NAME.out/.err; waits for "listening on" (60 s: an index takes a
# while to load) and sets SERVER_PID, SERVER_PORT, SERVER_URL.
start_server() {
    local name=$1; shift
    local out=$WORK/$name.out err=$WORK/$name.err
    : > "$out"
    spawn "$BIN" serve "$@" > "$out" 2> "$err"
    SERVER_PID=$SPAWNED
    SERVER_PORT=$(listening_port "$out" "$SERVER_PID" 600)
    if [ -z "$SERVER_PORT" ]; then
        echo "--- $err" >&2; tail -20 "$err" >&2
        return 1
    fi
    SERVER_URL=http://127.0.0.1:$SERVER_PORT
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# The advisory database at the bundle's tip, cloned once per build dir, in
# SOAK_DB.  Parts that change a checkout make their own clone of this one.
soak_db() {
    local db=$WORK/advisory-db
    if [ ! -d "$db/crates" ]; then
        if [ ! -f "$DATA/advisory-db.bundle" ]; then
            [ "${CI:-}" = true ] && die "no $DATA/advisory-db.bundle"
            say "SKIP (no $DATA/advisory-db.bundle; set CRATESEC_TEST_DATA)"
            record "SKIP (no advisory-db.bundle)"
            exit 0
        fi
        rm -rf "$db.tmp"
        git clone -q "$DATA/advisory-db.bundle" "$db.tmp" && mv -T "$db.tmp" "$db" ||
            die "cannot clone $DATA/advisory-db.bundle"
    fi
    SOAK_DB=$db
}

# clone_db DEST - a private, writable checkout (hard-linked objects).
clone_db() {
    local dest=$1
    soak_db
    rm -rf "$dest"
    git clone -q "$SOAK_DB" "$dest" || die "cannot clone $SOAK_DB"
}

# wrk_start URL SECONDS CONNECTIONS LIST OUT [DELAY_MS] - wrk with
# tests/soak/mix.lua in the background (WRK_PID); SIGINT stops it early
# with its summary.  DELAY_MS paces each connection.
wrk_start() {
    local url=$1 secs=$2 conns=$3 list=$4 out=$5 pause=${6:-0}
    spawn wrk -t2 -c"$conns" -d"${secs}s" --timeout 5s -s "$ROOT/tests/soak/mix.lua" "$url" \
        -- "$list" "$pause" > "$out" 2>&1
    WRK_PID=$SPAWNED
}

# wrk_parse OUT - sets REQUESTS ERRORS (socket errors + timeouts + status
# >= 400) P50_MS P99_MS MAX_MS RPS and ERROR_DETAIL from mix.lua's line.
wrk_parse() {
    local line
    line=$(grep '^SOAK ' "$1" | tail -1)
    [ -n "$line" ] || { cat "$1" >&2; die "wrk printed no summary"; }
    eval "$(echo "$line" | awk '{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        err = v["connect"] + v["read"] + v["write"] + v["timeout"] + v["status"]
        printf "REQUESTS=%d ERRORS=%d P50_MS=%.2f P99_MS=%.2f MAX_MS=%.1f RPS=%.0f\n",
            v["requests"], err, v["p50_us"] / 1000, v["p99_us"] / 1000, v["max_us"] / 1000,
            v["requests"] / (v["duration_us"] / 1e6)
        printf "ERROR_DETAIL=\"connect %d read %d write %d timeout %d status>=400 %d\"\n",
            v["connect"], v["read"], v["write"], v["timeout"], v["status"] }')"
}

# run_wrk URL SECONDS CONNECTIONS LIST OUT - wrk_start, wait, wrk_parse.
run_wrk() {
    wrk_start "$@"
    wait "$WRK_PID"
    wrk_parse "$5"
}

# healthz URL FIELD - one field of GET /healthz (empty when unavailable).
healthz() {
    curl -sf --max-time 5 "$1/healthz" 2>/dev/null | python3 -c '
import json, sys
try:
    v = json.load(sys.stdin).get(sys.argv[1])
except ValueError:
    sys.exit(0)
print("" if v is None else v)' "$2"
}

# need_healthz URL WHAT - fails this part clearly when the server predates
# GET /healthz (the reload interface).
need_healthz() {
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1/healthz")
    [ "$code" = 200 ] ||
        die "GET /healthz answers $code: this build has no reload interface ($2 needs SIGHUP reload and /healthz)"
}

# nginx_start DIR PORT1 PORT2 PORT3 - nginx on a free port in front of the
# three replicas, running deploy/nginx/cratesec.conf itself: only the replica
# addresses (127.0.0.1:8081..8083), `listen 80` and the /var/cache/nginx and
# /var/log/nginx paths are substituted, and it dies if any of them is no
# longer in the file.  Sets NGINX_PID, NGINX_PORT and NGINX_URL; the access
# log is DIR/log/cratesec.access.log.
nginx_start() {
    local ng=$1 i
    shift
    local conf=$ROOT/deploy/nginx/cratesec.conf
    command -v nginx >/dev/null || die "nginx missing (scripts/deps.sh installs nginx-light)"
    [ -f "$conf" ] || die "no $conf"
    rm -rf "$ng" && mkdir -p "$ng/cache" "$ng/log" "$ng/temp"
    cp "$conf" "$ng/cratesec.conf"
    nginx_substitute() {
        grep -qF -- "$1" "$ng/cratesec.conf" || die "deploy/nginx/cratesec.conf no longer contains '$1'"
        python3 - "$ng/cratesec.conf" "$1" "$2" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path).read().replace(old, new)
open(path, "w").write(text)
PY
    }
    i=1
    for port in "$@"; do nginx_substitute "127.0.0.1:808$i" "127.0.0.1:$port"; i=$((i + 1)); done
    NGINX_PORT=$(free_port)
    nginx_substitute "listen 80;" "listen 127.0.0.1:$NGINX_PORT;"
    nginx_substitute "/var/cache/nginx/" "$ng/cache/"
    nginx_substitute "/var/log/nginx/" "$ng/log/"
    local user_line=""
    [ "$(id -u)" -eq 0 ] && user_line="user root;"   # workers must write the cache under build/
    cat > "$ng/nginx.conf" <<CONF
$user_line
worker_processes 2;
pid $ng/nginx.pid;
daemon off;
error_log $ng/log/error.log warn;
events { worker_connections 4096; }
http {
    default_type application/octet-stream;
    client_body_temp_path $ng/temp/body;
    proxy_temp_path $ng/temp/proxy;
    fastcgi_temp_path $ng/temp/fastcgi;
    uwsgi_temp_path $ng/temp/uwsgi;
    scgi_temp_path $ng/temp/scgi;
    include $ng/cratesec.conf;
}
CONF
    nginx -t -q -c "$ng/nginx.conf" -p "$ng" -e "$ng/log/error.log" ||
        { cat "$ng/log/error.log" >&2; die "nginx rejects the configuration"; }
    spawn nginx -c "$ng/nginx.conf" -p "$ng" -e "$ng/log/error.log"
    NGINX_PID=$SPAWNED
    NGINX_URL=http://127.0.0.1:$NGINX_PORT
    for _ in $(seq 100); do curl -sf -o /dev/null "$NGINX_URL/healthz" && break; sleep 0.1; done
    curl -sf -o /dev/null "$NGINX_URL/healthz" || { cat "$ng/log/error.log" >&2; die "nginx does not answer"; }
}
