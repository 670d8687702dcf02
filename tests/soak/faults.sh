#!/usr/bin/env bash
# tests/soak/faults.sh BUILD_DIR - part (d): bad data and a failing remote.
#
# One `cratesec serve` on a private checkout, lightly loaded by wrk
# throughout.  Each fault is made in the checkout, then SIGHUP:
#   truncated   an advisory file cut in the middle of its TOML
#   garbage     an advisory file overwritten with bytes that are not UTF-8
#   no-crates   the checkout's crates/ directory gone (a half-removed tree)
#   bad-git     .git/HEAD naming a branch that does not exist (no commit)
# After each: /healthz says "degraded" with last_error set, the generation
# and commit are unchanged, and pages and the API answer exactly as before
# (same ETag, same bytes).  The fault is then undone and a SIGHUP must bring
# "ok" back with a new generation.
# Then a second server with --sync-url pointing at a path that is no git
# repository and --sync-every 2s: after a few failed syncs it still answers
# with its data, unchanged, and /healthz reports the failure.
# wrk must see no error at all.
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk missing (scripts/deps.sh installs it)"

DB=$WORK/faults-db
clone_db "$DB"
start_server faults --db "$DB" --listen 127.0.0.1:0 --access-log none || die "server did not start"
pid=$SERVER_PID URL=$SERVER_URL
need_healthz "$URL" "the fault part"
python3 tests/soak/urls.py "$DB" "$URL" "$WORK/faults.list" || die "cannot build the request list"
say "server up, request list ready"
# Steady background traffic (8 connections, one request each per 5 ms at
# most): every fault is met with requests in flight.
wrk_start "$URL" 600 8 "$WORK/faults.list" "$WORK/faults.wrk.txt" 5

PROBES=(/crates/internment/security /api/v1/crates/internment/0.8.7/security
        /advisories/RUSTSEC-2020-0017 /v1/vulns/RUSTSEC-2020-0017)
# snapshot URL DIR - every probe's ETag and body into DIR.
snapshot() {
    local base=$1 dir=$2 p n=0
    rm -rf "$dir" && mkdir -p "$dir"
    for p in "${PROBES[@]}"; do
        n=$((n + 1))
        curl -s -o "$dir/$n.body" -D "$dir/$n.head" -w '%{http_code}\n' "$base$p" > "$dir/$n.code"
        tr -d '\r' < "$dir/$n.head" | grep -i '^etag:' > "$dir/$n.etag"
    done
}
same_answers() { # DIR1 DIR2
    local n
    for n in $(seq ${#PROBES[@]}); do
        [ "$(cat "$1/$n.code")" = 200 ] || { echo "${PROBES[n-1]} answered $(cat "$2/$n.code")"; return 1; }
        cmp -s "$1/$n.etag" "$2/$n.etag" && cmp -s "$1/$n.body" "$2/$n.body" &&
            cmp -s "$1/$n.code" "$2/$n.code" ||
            { echo "${PROBES[n-1]} answers differently ($(cat "$2/$n.code"), $(cat "$2/$n.etag"))"; return 1; }
    done
}

# hup_and_wait - SIGHUP, then wait (15 s) until the server counts one more
# reload attempt (successful or not); sets H_* from /healthz.
read_health() {
    eval "$(curl -sf --max-time 5 "$URL/healthz" | python3 -c '
import json, shlex, sys
h = json.load(sys.stdin)
for k in ("status", "commit", "generation", "reloads", "reload_failures", "last_error", "last_swap_ms"):
    v = h.get(k)
    print("H_%s=%s" % (k.upper(), shlex.quote("" if v is None else str(v))))')"
}
hup_and_wait() {
    read_health
    local attempts=$((H_RELOADS + H_RELOAD_FAILURES)) i
    kill -HUP "$pid"
    for i in $(seq 300); do
        read_health
        [ $((H_RELOADS + H_RELOAD_FAILURES)) -gt "$attempts" ] && return 0
        sleep 0.05
    done
    die "no reload attempt counted 15 s after SIGHUP"
}

read_health
good_commit=$H_COMMIT good_generation=$H_GENERATION
[ "$H_STATUS" = ok ] || die "/healthz status '$H_STATUS' before any fault"
snapshot "$URL" "$WORK/faults.good"
for n in $(seq ${#PROBES[@]}); do
    [ "$(cat "$WORK/faults.good/$n.code")" = 200 ] || die "${PROBES[n-1]} answers $(cat "$WORK/faults.good/$n.code") before any fault"
done

advisory=$DB/crates/internment/RUSTSEC-2020-0017.md
faults_ok=0 faults_total=0 failures=()
fault() { # NAME BREAK_CMD REPAIR_CMD
    local name=$1 break_cmd=$2 repair_cmd=$3 why=""
    faults_total=$((faults_total + 1))
    eval "$break_cmd"
    hup_and_wait
    [ "$H_STATUS" = degraded ] || why="status '$H_STATUS' (expected degraded)"
    [ -n "$H_LAST_ERROR" ] || why="${why:+$why; }no last_error"
    [ "$H_GENERATION" = "$good_generation" ] || why="${why:+$why; }generation $H_GENERATION (was $good_generation)"
    [ "$H_COMMIT" = "$good_commit" ] || why="${why:+$why; }commit $H_COMMIT (was $good_commit)"
    snapshot "$URL" "$WORK/faults.$name"
    local diff
    diff=$(same_answers "$WORK/faults.good" "$WORK/faults.$name") || why="${why:+$why; }$diff"
    say "$name: status $H_STATUS, last_error: ${H_LAST_ERROR:0:120}"
    eval "$repair_cmd"
    hup_and_wait
    [ "$H_STATUS" = ok ] || why="${why:+$why; }status '$H_STATUS' after repair"
    [ "$H_GENERATION" -gt "$good_generation" ] 2>/dev/null || why="${why:+$why; }no new generation after repair"
    good_generation=$H_GENERATION
    # The repaired data is the new last good data (its pages name the new
    # load time).
    snapshot "$URL" "$WORK/faults.good"
    if [ -z "$why" ]; then
        faults_ok=$((faults_ok + 1))
    else
        say "FAIL: $name: $why"
        failures+=("$name")
    fi
}
fault truncated "head -c 120 '$advisory' > '$WORK/cut' && cat '$WORK/cut' > '$advisory'" \
    "git -C '$DB' checkout -q -- crates/internment"
fault garbage "printf '\\xff\\xfe\\x00garbage\\x80\\x81' > '$advisory'" \
    "git -C '$DB' checkout -q -- crates/internment"
fault no-crates "mv '$DB/crates' '$DB/crates.away'" "mv '$DB/crates.away' '$DB/crates'"
fault bad-git "cp '$DB/.git/HEAD' '$WORK/HEAD.saved' && echo 'ref: refs/heads/no/such' > '$DB/.git/HEAD'" \
    "cp '$WORK/HEAD.saved' '$DB/.git/HEAD'"

# A failing remote: --sync-url at a directory that is no repository.
sync_result="not run"
if "$BIN" serve --help 2>&1 | grep -q -- '--sync-every'; then
    SYNC_DB=$WORK/faults-sync-db
    clone_db "$SYNC_DB"
    mkdir -p "$WORK/not-a-repository"
    start_server faults-sync --db "$SYNC_DB" --listen 127.0.0.1:0 --access-log none \
        --sync-url "$WORK/not-a-repository" --sync-every 2s || die "server with --sync-every did not start"
    sync_pid=$SERVER_PID sync_url=$SERVER_URL
    sync_commit=$(git -C "$SYNC_DB" rev-parse HEAD)
    snapshot "$sync_url" "$WORK/faults.sync-before"
    sleep 7
    kill -0 "$sync_pid" 2>/dev/null || die "the server with a failing remote died"
    URL=$sync_url read_health
    snapshot "$sync_url" "$WORK/faults.sync-after"
    why=""
    [ "$H_STATUS" = degraded ] || why="status '$H_STATUS' (expected degraded)"
    [ -n "$H_LAST_ERROR" ] || why="${why:+$why; }no last_error"
    [ "$H_COMMIT" = "$sync_commit" ] || why="${why:+$why; }commit $H_COMMIT (checkout at $sync_commit)"
    diff=$(same_answers "$WORK/faults.sync-before" "$WORK/faults.sync-after") || why="${why:+$why; }$diff"
    say "failing remote: status $H_STATUS, reload failures $H_RELOAD_FAILURES, last_error: ${H_LAST_ERROR:0:120}"
    faults_total=$((faults_total + 1))
    if [ -z "$why" ]; then
        faults_ok=$((faults_ok + 1)); sync_result="ok"
    else
        say "FAIL: failing remote: $why"; failures+=("failing-remote"); sync_result="FAIL"
    fi
else
    say "FAIL: this build has no --sync-every (cratesec serve --help): failing-remote test not run"
    failures+=("failing-remote (no --sync-every)")
fi

kill -INT "$WRK_PID" 2>/dev/null
wait "$WRK_PID"
wrk_parse "$WORK/faults.wrk.txt"
say "wrk during the faults: $REQUESTS requests, errors $ERRORS ($ERROR_DETAIL)"
verdict=OK
[ ${#failures[@]} -eq 0 ] || verdict="FAIL (${failures[*]})"
[ "$ERRORS" -eq 0 ] || verdict="FAIL (wrk errors: $ERROR_DETAIL)"
record "$(printf '%s/%s faults kept the last good data (truncated, garbage, no crates/, bad .git/HEAD, failing remote: %s), %s requests meanwhile, errors %s; %s' \
    "$faults_ok" "$faults_total" "$sync_result" "$REQUESTS" "$ERRORS" "$verdict")"
[ "$verdict" = OK ]
