#!/usr/bin/env bash
# tests/soak/run.sh BUILD_DIR - `make soak`: load and fault tests, bounded in
# time (about 8 x SOAK_SECONDS plus two minutes; SOAK_SECONDS defaults to 60).
#
#   load    (a) the highest error-free rate for SOAK_SECONDS; RSS before/after
#   reload  (b) SIGHUP every second under load, every answer one commit's
#   nginx   (c) deploy/nginx/cratesec.conf over 3 replicas, one killed, one
#               restarted, no client error
#   faults  (d) truncated/garbage advisory, missing crates/, failing remote:
#               the last good data stays served
#   hostile (e) a hostile database (table bombs, a row of 40,000 '|', deep
#               nesting, duplicate ids): starts, serves and reloads under
#               load within the fixture's memory + 64 MB
#   signals (f) SIGHUP/SIGTERM/SIGINT at random moments, start-up and
#               reloads included, for 2 x SOAK_SECONDS
#   watch   (g) watch lists on 3 replicas + PostgreSQL behind nginx, one
#               replica killed -9 mid-delivery: every notification delivered
#   state_faults (h) kill -9 mid-delivery and restart (SQLite), a read-only
#               and a full state directory: the site keeps serving
#   freshness (i) a git index and the database followed with --sync-every
#               10s under load while 100 index commits a minute (releases,
#               yanks, removals) and new advisories arrive: every change
#               visible within an interval plus the apply time, no answer
#               older than the commits applied before it
#
# SOAK_PARTS="load nginx" runs a subset.  Each part prints its details and
# adds a line to the summary, printed at the end and kept in
# BUILD_DIR/soak/summary.txt.  Exit status 1 when any part failed.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
PARTS=${SOAK_PARTS:-load reload nginx faults hostile signals watch state_faults freshness}
export SOAK_SECONDS=${SOAK_SECONDS:-60}
mkdir -p "$B/soak"
: > "$B/soak/summary.parts"
started=$(date +%s)
failed=()
for part in $PARTS; do
    [ -f "tests/soak/$part.sh" ] || { echo "soak: no part '$part'"; failed+=("$part"); continue; }
    echo "== soak: $part"
    part_started=$(date +%s)
    # A part that dies without its summary line still gets one.
    lines=$(wc -l < "$B/soak/summary.parts")
    if ! bash "tests/soak/$part.sh" "$B"; then failed+=("$part"); fi
    [ "$(wc -l < "$B/soak/summary.parts")" -gt "$lines" ] ||
        printf '%-8s %s\n' "$part" "FAIL (ended without a summary)" >> "$B/soak/summary.parts"
    echo "   ($(( $(date +%s) - part_started )) s)"
done
{
    echo "soak summary ($(date -u +%Y-%m-%dT%H:%M:%SZ), SOAK_SECONDS=$SOAK_SECONDS, $(nproc) CPUs, $(( $(date +%s) - started )) s in all)"
    cat "$B/soak/summary.parts"
    if [ ${#failed[@]} -eq 0 ]; then echo "soak: all parts passed"; else echo "soak: FAILED: ${failed[*]}"; fi
} > "$B/soak/summary.txt"
echo
cat "$B/soak/summary.txt"
[ ${#failed[@]} -eq 0 ]
