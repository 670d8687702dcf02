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
cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -Ilib -o "$B/bench-core" bench/bench.c "$B/libcratesec-internal.a" \
    -lm -lpthread
echo "== core (database: $(git -C "$DB" rev-parse --short HEAD))"
out=$("$B/bench-core" "$DB" 31)
echo "$out"
l=$(echo "$out" | awk '/^db_load_ms/ {print $3}')
s=$(echo "$out" | awk '/^db_load_server_ms/ {print $3}')
n=$(echo "$out" | awk '/^db_reload_new_commit_ms/ {print $3}')
f=$(echo "$out" | awk '/^read_only_ms/ {print $3}')
awk -v l="$l" -v s="$s" -v n="$n" -v f="$f" 'BEGIN {
    printf "target: database load as the server does it under 50 ms: %s\n", (s < 50 ? "OK" : "MISS")
    printf "target: the same after a sync brought a new commit under 50 ms: %s\n", (n < 50 ? "OK" : "MISS")
    printf "context: the whole load on one thread is %.2fx the bare open+read floor\n", l / f
}'
# Parsing alone, the files already in memory, one thread (bench/parse_bench.c).
cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -Ilib -o "$B/bench-parse" bench/parse_bench.c \
    "$B/libcratesec-internal.a" -lm -lpthread
"$B/bench-parse" "$DB" 31 | sed -n 's/^parse_/context: parse only, files in memory, one thread: parse_/p'
sc=$(echo "$out" | awk '/^syscall_ns/ {print $3}')
awk -v s="$sc" 'BEGIN { printf "context: a system call costs %d ns on this machine (usually a few hundred at most); the load times above are bound by them\n", s }'
a=$(echo "$out" | awk '/^crate_version_ns/ {print $3}')
awk -v a="$a" 'BEGIN { printf "target: one crate version under 1 us: %s\n", (a < 1000 ? "OK" : "MISS") }'

# Registry index at the 2020 snapshot's size and at today's (bench/index.sh:
# load, memory, every version against every advisory, impact, the Security
# tab under load, updates of a git index, a server following one).
bash bench/index.sh "$B" "$DB" "$DATA"

# Processes, as a user waits for them (hyperfine, 31 runs after 3 warm-up
# ones; medians): start-up alone, `check NAME` (one crate's directory read),
# and `cratesec audit` of a generated 1,000-package Cargo.lock end to end
# (database load of the lockfile's crates, lockfile parse, audit, report).
# 400 packages of the lockfile are crates that have advisories (at 0.1.0), so
# the audit does real matching and builds "via" chains; the rest are
# synthetic.  The JSON report names the database's commit, which is asked of
# git (libgit2, loaded then: lib/git.c); the terminal report does not.
LOCK=$B/bench-1000.lock
python3 - "$DB" "$LOCK" <<'PY'
import os, sys
db, out = sys.argv[1], sys.argv[2]
real = sorted(d for d in os.listdir(os.path.join(db, "crates")) if not d.startswith("."))[:400]
names = sorted(set(real) | {"bench-crate-%04d" % i for i in range(1000 - len(real) - 1)})
src = "registry+https://github.com/rust-lang/crates.io-index"
lines = ["# generated for bench/run.sh", "version = 3", ""]
pk = [(n, "0.1.0", src) for n in names] + [("zz-bench-app", "1.0.0", None)]
pk.sort()
idx = {n: i for i, (n, _, _) in enumerate(pk)}
for i, (n, v, s) in enumerate(pk):
    lines += ["[[package]]", 'name = "%s"' % n, 'version = "%s"' % v]
    if s:
        lines += ['source = "%s"' % s, 'checksum = "%064x"' % (i + 1)]
    deps = [pk[j][0] for j in range(len(pk)) if j != i and pk[j][2] and
            ((n == "zz-bench-app" and j % 50 == 0) or (j > i and (j * 7 + i) % 331 == 0))][:4]
    if deps:
        lines += ["dependencies = ["] + [' "%s",' % d for d in deps] + ["]"]
    lines.append("")
open(out, "w").write("\n".join(lines))
PY
# proc_median NAME CMD...: the median wall time of CMD in milliseconds.
proc_median() {
    local name=$1; shift
    if command -v hyperfine >/dev/null 2>&1; then
        hyperfine -N -i --warmup 3 --runs 31 --export-json "$B/bench-$name.json" "$*" \
            >/dev/null 2>&1
        python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$B/bench-$name.json"
    else
        local times=() t0
        for _ in $(seq 31); do
            t0=$(date +%s%N)
            "$@" >/dev/null 2>&1 || true
            times+=($(( ($(date +%s%N) - t0) / 1000 )))
        done
        printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {printf "%.2f\n", a[int((NR + 1) / 2)] / 1000}'
    fi
}
echo "== processes (database load included; lockfile: $(grep -c '^\[\[package\]\]' "$LOCK") packages)"
"$B/cratesec" audit -q --no-yanked --db "$DB" --format json "$LOCK" >"$B/bench-audit.json" 2>/dev/null || true
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("findings: %d vulnerabilities, %d warnings" % (d["vulnerabilities"]["count"], sum(len(v) for v in d["warnings"].values())))' "$B/bench-audit.json"
v=$(proc_median version "$B/cratesec" --version)
c=$(proc_median check "$B/cratesec" check --db "$DB" time@0.2.22)
t=$(proc_median audit-text "$B/cratesec" audit -q --no-yanked --db "$DB" "$LOCK")
j=$(proc_median audit-json "$B/cratesec" audit -q --no-yanked --db "$DB" --format json "$LOCK")
echo "version_ms median=$v (cratesec --version: start-up alone)"
echo "check_ms median=$c (cratesec check time@0.2.22)"
echo "audit_1000_ms median=$t (terminal report)"
echo "audit_1000_json_ms median=$j (JSON report: libgit2 loaded for the commit)"
awk -v c="$c" -v t="$t" -v j="$j" 'BEGIN {
    printf "target: check NAME as a process under 15 ms: %s\n", (c < 15 ? "OK" : "MISS")
    printf "target: audit of 1,000 packages under 30 ms (terminal report): %s\n", (t < 30 ? "OK" : "MISS")
    printf "target: audit of 1,000 packages under 30 ms (JSON report): %s\n", (j < 30 ? "OK" : "MISS")
}'

# Watch lists (bench/watch_eval.c): 100,000 watches of generated lockfiles
# (150 crates.io packages each on average, Zipf popularity over 40,000
# crates) in SQLite, one new advisory per run about a crate of popularity
# rank 1, 10, 100, 1,000 and 10,000, evaluated as after a sync.  The state is
# generated once (a few minutes) and kept in BUILD_DIR/bench-watch-state.
BENCH_WATCHES=${BENCH_WATCHES:-100000}
echo "== watch lists ($BENCH_WATCHES watches, one new advisory)"
out=$("$B/bench-watch-eval" "$B/bench-watch-state" "$B/bench-watch-work" "$BENCH_WATCHES" 11)
echo "$out"
echo "$out" | awk -v w="$BENCH_WATCHES" '
    /^watch_eval rank=/ { split($2, r, "="); split($3, h, "="); split($6, m, "=")
        if (r[2] == 1000)
            printf "target: %d watches and a new advisory (crate held by %d of them) under 100 ms: %s\n", w, h[2], (m[2] < 100 ? "OK" : "MISS")
        ms[r[2]] = m[2] }
    /^watch_eval_baseline/ { split($3, b, "="); if (ms[1000] > 0)
        printf "ratio: without the package index (every watch evaluated whole) %.0f ms, %.0fx the indexed evaluation (rank 1000)\n", b[2], b[2] / ms[1000] }'

# JSON API: POST /v1/querybatch with 1,000 queries (issue 5; target under
# 10 ms of server time).  Server time is what the access log records per
# request (headers in to response sent); the client time adds Python's HTTP
# client on the same machine.
echo "== JSON API (/v1/querybatch, 1,000 queries)"
API_TMP=$(mktemp -d)
"$B/cratesec" serve --db "$DB" --listen 127.0.0.1:0 --threads 2 --access-log "$API_TMP/log" \
    > "$API_TMP/out" 2> "$API_TMP/err" &
API_PID=$!
API_PORT=
for _ in $(seq 200); do
    API_PORT=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$API_TMP/out" 2>/dev/null || true)
    [ -n "$API_PORT" ] && break
    sleep 0.05
done
if [ -n "$API_PORT" ]; then
    python3 bench/api_querybatch.py "http://127.0.0.1:$API_PORT" "$DB" 51
    kill -TERM "$API_PID"; wait "$API_PID" || true
    # Skip the 5 warm-up requests; the duration is the field "1234us".
    grep ' POST /v1/querybatch 200 ' "$API_TMP/log" | tail -n +6 |
        awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+us$/) { sub(/us$/, "", $i); print $i } }' |
        sort -n | awk '{ a[NR] = $1 } END {
            m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            printf "querybatch_server_ms median %.2f (%d requests)\n", m / 1000, NR
            printf "target: /v1/querybatch with 1,000 queries under 10 ms server time: %s\n", (NR && m < 10000 ? "OK" : "MISS") }'
else
    kill "$API_PID" 2>/dev/null || true
    echo "querybatch: the server did not start"; cat "$API_TMP/err"
fi
rm -rf "$API_TMP"

# SemVer precedence: csec_version_cmp against glibc's strverscmp on the same
# text (bench/bench_semver.c; formerly a timed unit test).
cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -Ilib -o "$B/bench-semver" bench/bench_semver.c \
    "$B/libcratesec-internal.a" -lm -lpthread
echo "== semver"
out=$("$B/bench-semver" 11)
echo "$out"
echo "$out" | awk '/^version_cmp_ns/ { v = $3 } /^strverscmp_ns/ { s = $3 } END {
    printf "ratio: csec_version_cmp takes %.2fx strverscmp\n", v / s
    printf "target: one version comparison under 250 ns: %s\n", (v < 250 ? "OK" : "MISS") }'
