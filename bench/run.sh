#!/usr/bin/env bash
# bench/run.sh BUILD_DIR - the benchmarks behind `make bench`.  Every figure is
# a median over repeated runs in this one invocation, next to its baseline.
set -euo pipefail
B=${1:-build}
cd "$(dirname "$0")/.."
DATA=${CRATESEC_TEST_DATA:-$(cd .. && pwd)/shared/data}
DB=$B/bench-advisory-db
if [ ! -d "$DB/crates" ]; then
    git clone -q "$DATA/advisory-db.bundle" "$DB"
fi
cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -o "$B/bench-core" bench/bench.c "$B/libcratesec.a" \
    $(pkg-config --libs libgit2) -lm -lpthread
echo "== core (database: $(git -C "$DB" rev-parse --short HEAD))"
out=$("$B/bench-core" "$DB" 31)
echo "$out"
py=$(python3 bench/tomllib_baseline.py "$DB" 11)
echo "$py"
c=$(echo "$out" | awk '/^db_load_ms/ {print $3}')
p=$(echo "$py" | awk '/^tomllib_ms/ {print $3}')
awk -v c="$c" -v p="$p" 'BEGIN {
    r = p / c
    printf "ratio: cratesec load+index is %.1fx faster than tomllib front matter only (target >= 20x) %s\n", r, (r >= 20 ? "OK" : "MISS")
    printf "target: load under 10 ms: %s\n", (c < 10 ? "OK" : "MISS")
}'
f=$(echo "$out" | awk '/^read_only_ms/ {print $3}')
awk -v f="$f" -v p="$p" -v c="$c" 'BEGIN {
    printf "context: tomllib is %.1fx the bare open+read floor; cratesec load is %.2fx that floor\n", p / f, c / f
}'
a=$(echo "$out" | awk '/^crate_version_ns/ {print $3}')
awk -v a="$a" 'BEGIN { printf "target: one crate version under 1 us: %s\n", (a < 1000 ? "OK" : "MISS") }'

# Registry index: whole-index load (median, peak RSS) and affected/not for
# every version against the whole advisory database (bench/bench_index.c).
IDX=build/crates-index-2020-07
if [ ! -f "$IDX/config.json" ] && [ -f "$DATA/crates-index-2020-07.tar.zst" ]; then
    rm -rf "$IDX.tmp.$$" && mkdir -p "$IDX.tmp.$$"
    tar --zstd -xf "$DATA/crates-index-2020-07.tar.zst" -C "$IDX.tmp.$$"
    mv -T "$IDX.tmp.$$" "$IDX" 2>/dev/null || rm -rf "$IDX.tmp.$$"
fi
if [ -f "$IDX/config.json" ]; then
    cc -std=c11 -O2 -Iinclude -Ilib -D_GNU_SOURCE -o "$B/bench-index" bench/bench_index.c \
        "$B/libcratesec.a" $(pkg-config --libs libgit2 libcurl) -lm -lpthread
    echo "== registry index ($IDX, 238 MB unpacked)"
    out=$("$B/bench-index" "$IDX" 7 "$DB")
    echo "$out"
    echo "$out" | awk '
        /^index_load_ms_median/ { split($1, a, "="); split($2, b, "=")
            printf "target: whole index load under 1500 ms: %s\n", (a[2] < 1500 ? "OK" : "MISS")
            printf "target: resident memory under 119 MB (half of 238 MB): %s\n", (b[2] < 119 ? "OK" : "MISS") }
        /^affected_ms_median/ { split($1, a, "=")
            printf "target: every version vs the whole database under 100 ms: %s\n", (a[2] < 100 ? "OK" : "MISS") }'
else
    echo "== registry index: skipped (no crates-index-2020-07.tar.zst in $DATA)"
fi
if [ -f "$IDX/config.json" ]; then
    bash bench/server.sh "$B" "$DB" "$IDX"
else
    echo "== server: skipped (no unpacked index)"
fi
