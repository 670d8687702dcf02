#!/usr/bin/env bash
# bench/index_follow.sh BUILD_DIR DB_DIR CLONE UPSTREAM COMMITS STEPS - a
# server following a git index while loaded: `cratesec serve --index CLONE
# --sync-every 1s` serves the Security tab of the crate with the most
# advisories to wrk (64 connections).  BENCH_FOLLOW_ROUNDS (6) times, a
# window of BENCH_FOLLOW_SECONDS (8) without updates, then one while the
# upstream's master moves ten commits (about 1,000 crate files) at a time,
# every BENCH_FOLLOW_PERIOD seconds (2), at most STEPS steps in all; each step
# waits until the server has applied it.
# Prints the median p99 of each kind of window (and every window's), the
# server's resident memory before and after, and each update's time as the
# server logged it.
set -euo pipefail
B=$1 DB=$2 CLONE=$3 UP=$4 COMMITS=$5 STEPS=${6:-10}
SECS=${BENCH_FOLLOW_SECONDS:-8}
ROUNDS=${BENCH_FOLLOW_ROUNDS:-6}
PERIOD=${BENCH_FOLLOW_PERIOD:-2}
command -v wrk >/dev/null || { echo "follow: skipped (no wrk)"; exit 0; }
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# The database as a checkout whose origin can be fetched (the server syncs it
# every second too; it does not change).
git clone -q "$DB" "$work/db"
index_path() {
    local n=${1,,}
    case ${#n} in
        1) echo "1/$n" ;; 2) echo "2/$n" ;; 3) echo "3/${n:0:1}/$n" ;;
        *) echo "${n:0:2}/${n:2:2}/$n" ;;
    esac
}
crate=""
for c in $(for d in "$DB"/crates/*/; do echo "$(ls "$d" | wc -l) $(basename "$d")"; done |
           sort -rn | awk '{print $2}'); do
    if [ -f "$CLONE/$(index_path "$c")" ]; then crate=$c; break; fi
done
"$B/cratesec" serve --db "$work/db" --index "$CLONE" --sync-every 1s --listen 127.0.0.1:0 \
    --threads 2 --access-log none > "$work/out" 2> "$work/err" &
pid=$!
port=
for _ in $(seq 1200); do
    port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/out" 2>/dev/null)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$port" ] || { echo "follow: the server did not start"; cat "$work/err"; exit 1; }
url="http://127.0.0.1:$port/crates/$crate/security"
curl -sf -o /dev/null "$url"
rss() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }
p99() { # wrk output -> p99 in ms
    awk '$1 == "99%" { v = $2; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v)
                       printf "%.3f\n", (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v }'
}
rss0=$(rss)
# Windows of SECS seconds, alternately without updates and with them, ROUNDS
# times: the machine's drift (other work on the host moves a p99 by 30-50%
# between minutes) falls on both kinds alike, and each kind's median is
# compared.  Six rounds rather than four: six runs of four gave -4% to +25%
# for the same build, one noisy window moving a kind's median.  Each update
# window moves the upstream ten commits at a time while it lasts, one step
# every BENCH_FOLLOW_PERIOD seconds (2), or as soon
# as the server has applied the last if that takes longer: a registry's
# rate, the same whatever the server's speed, so that a server that applies
# slowly is not loaded less.
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
steady_all="" under_all="" errors="" applied=0 step=2
for round in $(seq "$ROUNDS"); do
    steady_all="$steady_all $(wrk -t2 -c64 -d"${SECS}s" --latency "$url" | p99)"
    wrk -t2 -c64 -d"${SECS}s" --latency "$url" > "$work/wrk-apply" &
    wpid=$!
    t_end=$(( $(date +%s) + SECS - 2 ))
    while [ "$(date +%s)" -lt "$t_end" ] && [ "$applied" -lt "$STEPS" ]; do
        target=$(sed -n "${step}p" "$COMMITS")
        [ -n "$target" ] || break
        step=$((step + 1))
        t_step=$(date +%s%N)
        git -C "$UP" update-ref refs/heads/master "$target"
        # Applied when the server logs it (after the swap).  Not by asking
        # /healthz: a curl and a python3 ten times a second took CPU from
        # the server in these windows only.
        for _ in $(seq 150); do
            grep -q "index: commit ${target:0:7}" "$work/err" && { applied=$((applied + 1)); break; }
            sleep 0.2
        done
        left=$(( (t_step + PERIOD * 1000000000 - $(date +%s%N)) / 1000000 ))
        [ "$left" -le 0 ] || sleep "$(awk -v ms="$left" 'BEGIN { printf "%.3f", ms / 1000 }')"
    done
    wait "$wpid"
    under_all="$under_all $(p99 < "$work/wrk-apply")"
    errors="$errors$(awk '/Non-2xx|Socket errors/' "$work/wrk-apply" | tr -s ' ' | tr '\n' ';')"
done
rss1=$(rss)
echo "follow_crate=$crate updates_applied=$applied steps=$STEPS rounds=$ROUNDS window_s=$SECS"
echo "follow_p99_ms steady=$(echo "$steady_all" | median) under_updates=$(echo "$under_all" | median)"
echo "follow_p99_windows_ms steady=$(echo $steady_all | tr ' ' ',') under_updates=$(echo $under_all | tr ' ' ',')"
echo "follow_rss_mb before=$rss0 after=$rss1"
echo "follow_wrk_errors=${errors:-none}"
grep -o 'index: commit [0-9a-f]* (was [0-9a-f()a-z ]*), [0-9]* files changed, applied in [0-9.]* ms' \
    "$work/err" | awk '{ for (i = 1; i <= NF; i++) if ($i == "in") ms = $(i + 1); print ms }' |
    sort -n | awk '{ a[NR] = $1 } END { if (NR) printf "follow_update_ms median=%.1f max=%.1f n=%d\n", a[int((NR + 1) / 2)], a[NR], NR }'
