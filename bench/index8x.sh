#!/usr/bin/env bash
# bench/index8x.sh BUILD_DIR DATA_DIR [SCALE] - the registry index of today's
# size for make bench, made once and kept in BUILD_DIR (never committed):
#
#   bench-index-8x/index.git   bench/gen_index.py's repository: the 2020
#                              snapshot SCALE times, then 1,000 commits of
#                              100 crates each (publishes, yanks, new crates,
#                              removals)
#   bench-8x-clone             a clone, its files at the snapshot commit (what
#                              `cratesec sync --index` leaves), origin the
#                              upstream below
#   bench-8x-upstream.git      a bare repository sharing index.git's objects,
#                              its master moved by the benchmark to bring
#                              commits to a server's fetch
#   bench-8x-final             the files at the 100th ten-commit step, for a
#                              fresh load to compare an updated one with
#   commits-8x.txt             the snapshot and every tenth commit after it
#
# Prints the paths as KEY=VALUE lines.  Each step is skipped when its result
# exists; generating takes about 10 minutes and 6 GB of disk at 8x.
set -euo pipefail
B=$1 DATA=$2 SCALE=${3:-8}
cd "$(dirname "$0")/.."
S=${SCALE}x
GEN=$B/bench-index-$S
CLONE=$B/bench-$S-clone
UP=$B/bench-$S-upstream.git
FINAL=$B/bench-$S-final
COMMITS=$B/commits-$S.txt
if [ ! -f "$GEN/manifest.json" ]; then
    avail=$(df -Pk "$B" | awk 'NR == 2 {print int($4 / 1024 / 1024)}')
    if [ "$avail" -lt $((SCALE + 2)) ]; then
        echo "index8x: only ${avail} GB free under $B; need about $((SCALE + 2)) GB" >&2
        exit 1
    fi
    echo "index8x: generating the ${S} index and its history (once; about 10 minutes)" >&2
    nice -n 10 python3 bench/gen_index.py --tar "$DATA/crates-index-2020-07.tar.zst" \
        --scale "$SCALE" --out "$GEN" >&2
fi
if [ ! -d "$UP" ]; then
    git init -q --bare "$UP.tmp"
    echo "$(cd "$GEN/index.git" && pwd)/objects" > "$UP.tmp/objects/info/alternates"
    first=$(git -C "$GEN/index.git" rev-list --max-parents=0 master)
    git -C "$UP.tmp" update-ref refs/heads/master "$first"
    git -C "$UP.tmp" symbolic-ref HEAD refs/heads/master
    mv "$UP.tmp" "$UP"
fi
if [ ! -f "$CLONE/config.json" ]; then
    rm -rf "$CLONE.tmp"
    echo "index8x: checking out the snapshot (once)" >&2
    git clone -q "file://$(cd "$GEN/index.git" && pwd)" "$CLONE.tmp" --no-checkout
    first=$(git -C "$CLONE.tmp" rev-list --max-parents=0 origin/master)
    git -C "$CLONE.tmp" checkout -q -B master "$first"
    mv "$CLONE.tmp" "$CLONE"
fi
# Every run starts from the snapshot: the clone's files, its branch, its
# tracking ref and the upstream's master (earlier runs moved the last two).
first=$(git -C "$GEN/index.git" rev-list --max-parents=0 master)
git -C "$CLONE" checkout -q -B master "$first"
git -C "$CLONE" remote set-url origin "$(cd "$UP" && pwd)"
git -C "$CLONE" update-ref refs/remotes/origin/master "$first"
git -C "$CLONE" config branch.master.remote origin
git -C "$CLONE" config branch.master.merge refs/heads/master
git -C "$UP" update-ref refs/heads/master "$first"
if [ ! -s "$COMMITS" ]; then
    git -C "$GEN/index.git" rev-list --first-parent --reverse master | awk 'NR % 10 == 1' \
        > "$COMMITS.tmp"
    mv "$COMMITS.tmp" "$COMMITS"
fi
if [ ! -f "$FINAL/config.json" ]; then
    echo "index8x: checking out the 100th step (once)" >&2
    rm -rf "$FINAL.tmp"
    git clone -q --no-checkout --shared "$(cd "$GEN/index.git" && pwd)" "$FINAL.tmp"
    git -C "$FINAL.tmp" checkout -q --detach "$(sed -n 101p "$COMMITS")"
    mv "$FINAL.tmp" "$FINAL"
fi
echo "GEN=$GEN"
echo "CLONE=$CLONE"
echo "UPSTREAM=$UP"
echo "FINAL=$FINAL"
echo "COMMITS=$COMMITS"
