#!/usr/bin/env bash
# bench/index.sh BUILD_DIR DB_DIR DATA_DIR - the registry index at the 2020
# snapshot's size (1x) and at today's (8x: bench/index8x.sh makes it once),
# side by side:
#
#   load        the whole index loaded from its files (median of runs; CPU of
#               all threads; peak resident memory of the loading process),
#               and on one thread (BENCH_INDEX_THREADS=1): what the loader's
#               threads (lib/index_dir.c) gain
#   affected    every version of every crate against every advisory
#   impact      the reverse dependencies built, then the ecosystem impact of
#               RUSTSEC-2019-0036 (median) and of every advisory (the worst)
#   page        the Security tab of the crate with the most advisories under
#               wrk, 64 connections (bench/server.sh): p99 and server memory
#   update      a git index followed commit by commit: 100 updates of ten
#               commits (about 1,000 crate files) each, as the reload thread
#               does them (bench/bench_apply.c): median and p90, wall and CPU
#               of the thread; memory after them against a fresh load of the
#               last commit (index memory, and the process's anonymous memory)
#   follow      a server with --sync-every 1s under wrk while updates arrive
#               (bench/index_follow.sh): p99 with and without, memory
#
# BENCH_INDEX_SCALES (default "1 8") chooses the sizes; BENCH_INDEX_UPDATES
# (default 100) the number of updates.  The machine's other work slows the
# wall-clock figures; the CPU figures move less.
set -euo pipefail
B=$1 DB=$2 DATA=$3
cd "$(dirname "$0")/.."
SCALES=${BENCH_INDEX_SCALES:-1 8}
UPDATES=${BENCH_INDEX_UPDATES:-100}
if [ ! -f "$DATA/crates-index-2020-07.tar.zst" ]; then
    echo "== registry index: skipped (no crates-index-2020-07.tar.zst in $DATA)"
    exit 0
fi
LIBS="$B/libcratesec-internal.a $(pkg-config --libs libcurl 2>/dev/null) -lm -lpthread -ldl"
for t in index deps apply; do
    cc -std=c11 -O2 -Iinclude -Ilib -D_GNU_SOURCE -o "$B/bench-$t" "bench/bench_$t.c" $LIBS
done
export CRATESEC_GIT_PLUGIN=$PWD/$B/libcratesec-git.so
# As `cratesec serve` starts the server (cli/main.c): malloc's heap in
# transparent huge pages.  The whole load is measured without it too, the
# two alternating run by run.
export GLIBC_TUNABLES=${GLIBC_TUNABLES-glibc.malloc.hugetlb=1}
IDX1=build/crates-index-2020-07
if [ ! -f "$IDX1/config.json" ]; then
    rm -rf "$IDX1.tmp.$$" && mkdir -p "$IDX1.tmp.$$"
    tar --zstd -xf "$DATA/crates-index-2020-07.tar.zst" -C "$IDX1.tmp.$$"
    mv -T "$IDX1.tmp.$$" "$IDX1" 2>/dev/null || rm -rf "$IDX1.tmp.$$"
fi
res=$B/bench-index-results
rm -rf "$res" && mkdir -p "$res"
field() { # FILE PREFIX KEY: the value of KEY= on the line starting with PREFIX
    awk -v p="$2" -v k="$3" 'index($0, p) == 1 { for (i = 1; i <= NF; i++) {
        split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$1" | tail -1
}

medians() { # FILE: bench-index's lines of one-run calls, as one call of N runs prints them
    python3 - "$1" <<'PY'
import statistics, sys
runs, last = {}, {}
for line in open(sys.argv[1]):
    head = line.split()[0].split("=")[0]
    last[head] = line
    for kv in line.split()[head == "index_memory_mb":]:
        k, _, v = kv.partition("=")
        runs.setdefault(head + "." + k, []).append(float(v) if v[:1].isdigit() else 0)
first = "index_load_ms_median."
ms = runs[first + "index_load_ms_median"]
cpu = runs["index_load_cpu_ms_median.index_load_cpu_ms_median"]
print("index_load_ms_median=%.1f rss_mb=%.1f crates=%d versions=%d" % (
    statistics.median(ms), max(runs[first + "rss_mb"]), runs[first + "crates"][-1],
    runs[first + "versions"][-1]))
print("index_load_ms_min=%.1f index_load_ms_max=%.1f runs=%d" % (min(ms), max(ms), len(ms)))
print("index_load_cpu_ms_median=%.1f" % statistics.median(cpu))
print(last["index_memory_mb"], end="")
PY
}

for scale in $SCALES; do
    eval "$(bash bench/index8x.sh "$B" "$DATA" "$scale")"
    dir=$CLONE
    [ "$scale" = 1 ] && dir=$IDX1
    runs=$([ "$scale" = 1 ] && echo 7 || echo 5)
    echo "== registry index ${scale}x ($dir)"
    # The files into the page cache first, as a sync leaves them: a cold
    # first run measures the disk (21.8 s at 8x), not the loader.
    find "$dir/" -name .git -prune -o -type f -print0 | xargs -0 cat > /dev/null
    # With and without malloc's huge pages, one fresh process at a time,
    # alternating: the machine's drift weighs on both alike.
    : >"$res/runs-thp-$scale" && : >"$res/runs-nothp-$scale"
    for _ in $(seq "$runs"); do
        "$B/bench-index" "$dir" 1 >>"$res/runs-thp-$scale"
        GLIBC_TUNABLES= "$B/bench-index" "$dir" 1 >>"$res/runs-nothp-$scale"
    done
    medians "$res/runs-thp-$scale" | tee "$res/index-$scale"
    medians "$res/runs-nothp-$scale" | sed 's/^index_load/nothp_index_load/' |
        tee "$res/index-nothp-$scale"
    "$B/bench-index" "$dir" "$runs" "$DB" | tee -a "$res/index-$scale"
    BENCH_INDEX_THREADS=1 "$B/bench-index" "$dir" 3 | tee "$res/index1t-$scale"
    "$B/bench-deps" "$dir" "$DB" 21 sunshine-bounty-node RUSTSEC-2019-0036 | tee "$res/deps-$scale"
    head -n $((UPDATES + 1)) "$COMMITS" > "$res/commits-$scale"
    "$B/bench-apply" "$CLONE" "$res/commits-$scale" | grep -v '^apply i=' | tee "$res/apply-$scale"
    sed -n "$((UPDATES + 1))p" "$COMMITS" > "$res/last-$scale"
    last_dir=$FINAL
    [ "$UPDATES" = 100 ] || { echo "(fresh-load comparison needs 100 updates)"; last_dir=; }
    if [ -n "$last_dir" ]; then
        "$B/bench-apply" "$last_dir" "$res/last-$scale" | grep '^after' | tee "$res/fresh-$scale"
    fi
    bash bench/server.sh "$B" "$DB" "$dir" | tee "$res/server-$scale"
    eval "$(bash bench/index8x.sh "$B" "$DATA" "$scale")" # back to the snapshot
    bash bench/index_follow.sh "$B" "$DB" "$CLONE" "$UPSTREAM" "$COMMITS" 20 |
        tee "$res/follow-$scale"
done

# The table.
echo "== registry index: figures (medians; wall-clock unless CPU is said)"
printf "%-58s" "measure"
for s in $SCALES; do printf "%14s" "${s}x"; done
printf "   target (8x)\n"
row() { # LABEL TARGET CMD (CMD prints the value for scale $s)
    local label=$1 target=$2; shift 2
    printf "%-58s" "$label"
    for s in $SCALES; do printf "%14s" "$("$@" "$s" 2>/dev/null || echo -)"; done
    printf "   %s\n" "$target"
}
v_crates() { field "$res/index-$1" index_load_ms_median crates; }
v_versions() { field "$res/index-$1" index_load_ms_median versions; }
v_load() { field "$res/index-$1" index_load_ms_median index_load_ms_median; }
v_loadcpu() { field "$res/index-$1" index_load_cpu_ms_median index_load_cpu_ms_median; }
v_loadnothp() { field "$res/index-nothp-$1" nothp_index_load_ms_median nothp_index_load_ms_median; }
v_load1t() { field "$res/index1t-$1" index_load_ms_median index_load_ms_median; }
v_loadcpu1t() { field "$res/index1t-$1" index_load_cpu_ms_median index_load_cpu_ms_median; }
v_loadrss() { field "$res/index-$1" index_load_ms_median rss_mb; }
v_mem() { awk '/^index_memory_mb/ { for (i = 2; i <= NF; i++) { split($i, a, "="); t += a[2] } print t }' "$res/index-$1"; }
v_affected() { field "$res/index-$1" affected_ms_median affected_ms_median; }
v_rev() { field "$res/deps-$1" rev_build_ms rev_build_ms; }
v_impact() { field "$res/deps-$1" impact_ms_median impact_ms_median; }
v_impactmax() { field "$res/deps-$1" impact_all_ms_max impact_all_ms_max; }
# bench/server.sh's lines "gzip: cratesec median N req/s, p99 N ms; nginx ..."
# (the page as browsers get it: compressed) and "cratesec RSS N MB".
v_p99() { awk '/^gzip: cratesec/ { for (i = 1; i <= NF; i++) if ($i == "p99") { print $(i + 1); exit } }' "$res/server-$1"; }
v_srss() { awk '/^cratesec RSS/ { print $3 }' "$res/server-$1"; }
v_upd() { field "$res/apply-$1" apply_total_ms_median apply_total_ms_median; }
v_updp90() { field "$res/apply-$1" apply_total_ms_median apply_total_ms_p90; }
v_updcpu() { field "$res/apply-$1" apply_cpu_ms_median apply_cpu_ms_median; }
v_updcpu90() { field "$res/apply-$1" apply_cpu_ms_median apply_cpu_ms_p90; }
v_files() { field "$res/apply-$1" apply_total_ms_median files_median; }
mem_ratio() { # after / fresh for KEY
    local a f
    a=$(field "$res/apply-$1" after_rss_mb "$2"); f=$(field "$res/fresh-$1" after_rss_mb "$2")
    awk -v a="$a" -v f="$f" 'BEGIN { if (f > 0) printf "%.1f/%.1f", a, f; else print "-" }'
}
v_memidx() { mem_ratio "$1" after_index_mb; }
v_memanon() { mem_ratio "$1" anon_mb; }
v_f() { field "$res/follow-$1" follow_p99_ms "$2"; }
v_fsteady() { v_f "$1" steady; }
v_funder() { v_f "$1" under_updates; }
v_frss() { echo "$(field "$res/follow-$1" follow_rss_mb before)->$(field "$res/follow-$1" follow_rss_mb after)"; }
v_fupd() { field "$res/follow-$1" follow_update_ms median; }
row "crates" "~350,000" v_crates
row "versions" "~2,100,000" v_versions
row "whole load, ms" "< 6,000" v_load
row "whole load, CPU ms (all threads)" "" v_loadcpu
row "whole load without malloc's huge pages, ms" "" v_loadnothp
row "whole load on one thread, ms" "" v_load1t
row "whole load on one thread, CPU ms" "" v_loadcpu1t
row "whole load, peak RSS of the process, MB" "" v_loadrss
row "index memory (crates + interned + tables), MB" "" v_mem
row "all versions x all advisories, ms" "< 1,000" v_affected
row "reverse dependencies built, ms" "" v_rev
row "impact of RUSTSEC-2019-0036, ms" "< 50" v_impact
row "impact, worst advisory, ms" "" v_impactmax
row "Security tab p99 at 64 connections (gzip), ms" "< 5" v_p99
row "server RSS serving it, MB" "< 600" v_srss
row "update: files changed (median)" "1,000" v_files
row "update: read + apply + rev, ms (median)" "< 300" v_upd
row "update: same, p90" "" v_updp90
row "update: reload-thread CPU, ms (median)" "< 300" v_updcpu
row "update: reload-thread CPU, ms (p90)" "" v_updcpu90
row "index memory after 100 updates / fresh load, MB" "within 5%" v_memidx
row "process anon memory after 100 updates / fresh, MB" "within 5%" v_memanon
row "follow: Security tab p99 without updates, ms (median of windows)" "" v_fsteady
row "follow: p99 while updates arrive, ms (median of windows)" "within 20%" v_funder
row "follow: server RSS before -> after, MB" "" v_frss
row "follow: update as the server logged it, ms" "" v_fupd
# Targets at 8x (the largest scale run).
s=$(echo "$SCALES" | awk '{print $NF}')
awk -v load="$(v_load "$s")" -v aff="$(v_affected "$s")" -v imp="$(v_impact "$s")" \
    -v p99="$(v_p99 "$s")" -v rss="$(v_srss "$s")" -v upd="$(v_updcpu "$s")" -v updw="$(v_upd "$s")" \
    -v ia="$(field "$res/apply-$s" after_rss_mb after_index_mb)" \
    -v if_="$(field "$res/fresh-$s" after_rss_mb after_index_mb)" \
    -v aa="$(field "$res/apply-$s" after_rss_mb anon_mb)" -v af="$(field "$res/fresh-$s" after_rss_mb anon_mb)" \
    -v st="$(v_fsteady "$s")" -v un="$(v_funder "$s")" -v sc="$s" '
    function t(name, ok) { printf "target (%sx): %s: %s\n", sc, name, ok ? "OK" : "MISS" }
    BEGIN {
        t("whole load under 6 s", load != "" && load < 6000)
        t("all versions x all advisories under 1 s", aff != "" && aff < 1000)
        t("impact of one advisory under 50 ms", imp != "" && imp < 50)
        t("Security tab p99 under 5 ms at 64 connections", p99 != "" && p99 < 5)
        t("server RSS under 600 MB", rss != "" && rss < 600)
        t("an update of 1,000 crates under 300 ms of reload-thread CPU", upd != "" && upd < 300)
        t("an update of 1,000 crates under 300 ms wall-clock", updw != "" && updw < 300)
        if (if_ > 0) t("index memory after 100 updates within 5% of a fresh load", ia <= if_ * 1.05 && ia >= if_ * 0.95)
        if (af > 0) t("process memory after 100 updates within 5% of a fresh load", aa <= af * 1.05)
        if (st > 0) t("p99 while updates arrive within 20% of steady", un <= st * 1.2)
    }'
