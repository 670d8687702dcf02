#!/usr/bin/env bash
# bench/server.sh BUILD_DIR DB_DIR INDEX_DIR - the Security tab of the crate
# with the most advisories (that the index knows: wasmtime in the 2020 index),
# served by `cratesec serve` and, as the baseline, the same bytes served as
# static files by nginx, both on loopback and loaded by wrk (64 connections,
# keep-alive):
#
#   identity  the page as it is (nginx: the file)
#   gzip      Accept-Encoding: gzip (cratesec: its cached gzip form; nginx:
#             gzip_static serving exactly those bytes from page.html.gz)
#
# The baseline is nginx at its best on this machine: sendfile, tcp_nopush,
# open_file_cache, access log off, with 1 worker and with one per CPU; both
# are measured and the better median is the baseline.  Rounds alternate
# between all the servers; medians are printed with the ratios, p99 latency
# and cratesec's resident memory.  One more line measures cratesec with its
# page cache off (CRATESEC_NO_PAGE_CACHE=1), to show what the cache buys.
set -euo pipefail
B=$1 DB=$2 IDX=$3
ROUNDS=${BENCH_SERVER_ROUNDS:-3} SECS=${BENCH_SERVER_SECONDS:-8}
command -v wrk >/dev/null && command -v nginx >/dev/null || {
    echo "== server: skipped (wrk or nginx missing: scripts/deps.sh installs them)"; exit 0; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
index_path() { # the git-index layout path of a crate name
    local n=${1,,}
    case ${#n} in
        1) echo "1/$n" ;; 2) echo "2/$n" ;; 3) echo "3/${n:0:1}/$n" ;;
        *) echo "${n:0:2}/${n:2:2}/$n" ;;
    esac
}
crate=""
for c in $(for d in "$DB"/crates/*/; do echo "$(ls "$d" | wc -l) $(basename "$d")"; done | sort -rn | awk '{print $2}'); do
    if [ -f "$IDX/$(index_path "$c")" ]; then crate=$c; break; fi
done
[ -n "$crate" ] || { echo "== server: skipped (no advisory crate in the index)"; exit 0; }
nadv=$(ls "$DB/crates/$crate" | wc -l)
path=/crates/$crate/security

# start_cratesec NAME [ENV...]: a server on a free port; sets URL_<NAME>, PID_<NAME>
start_cratesec() {
    local name=$1; shift
    local port; port=$(free_port)
    env "$@" "$B/cratesec" serve --db "$DB" --index "$IDX" --listen "127.0.0.1:$port" \
        --access-log none > "$work/$name.log" 2>&1 &
    pids+=("$!")
    printf -v "PID_$name" '%s' "$!"
    printf -v "URL_$name" '%s' "http://127.0.0.1:$port$path"
    local url="http://127.0.0.1:$port$path"
    for _ in $(seq 1 300); do curl -sf -o /dev/null "$url" && break; sleep 0.1; done
    curl -sf -o /dev/null "$url" || { echo "cratesec ($name) did not answer"; cat "$work/$name.log"; exit 1; }
}
start_cratesec cached
start_cratesec nocache CRATESEC_NO_PAGE_CACHE=1
curl -sf -o "$work/page.html" "$URL_cached"
curl -sf -H 'Accept-Encoding: gzip' -o "$work/page.html.gz" "$URL_cached"
bytes=$(wc -c < "$work/page.html")
gzbytes=$(wc -c < "$work/page.html.gz")
gzip -dc < "$work/page.html.gz" | cmp -s - "$work/page.html" ||
    { echo "cratesec's gzip form does not inflate to its page"; exit 1; }

# nginx NAME WORKERS: the best static configuration, serving page.html and
# (gzip_static) page.html.gz; sets URL_<NAME>.
mkdir -p "$work/www"
cp "$work/page.html" "$work/page.html.gz" "$work/www/"
touch -r "$work/www/page.html" "$work/www/page.html.gz"
# nginx started as root serves files as its worker user (www-data): mktemp's
# 0700 directory would answer 403.
chmod 755 "$work" "$work/www"
chmod 644 "$work/www/"*
start_nginx() {
    local name=$1 workers=$2 port; port=$(free_port)
    local dir=$work/nginx-$name
    mkdir -p "$dir"
    cat > "$dir/nginx.conf" <<CONF
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log;
daemon off;
events { worker_connections 4096; }
http {
    access_log off;
    default_type text/html;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    gzip_static on;
    gzip_vary on;
    client_body_temp_path $dir; proxy_temp_path $dir;
    fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
    server { listen 127.0.0.1:$port; root $work/www; }
}
CONF
    nginx -c "$dir/nginx.conf" -p "$dir" 2>>"$dir/error.log" &
    pids+=("$!")
    local url="http://127.0.0.1:$port/page.html"
    printf -v "URL_$name" '%s' "$url"
    for _ in $(seq 1 100); do curl -sf -o /dev/null "$url" && break; sleep 0.1; done
    curl -sf -o "$dir/got.html" "$url" || { echo "nginx ($name) did not answer:"; cat "$dir/error.log"; exit 1; }
    cmp -s "$dir/got.html" "$work/page.html" || { echo "nginx ($name) does not serve the same bytes"; exit 1; }
    curl -sf -H 'Accept-Encoding: gzip' -o "$dir/got.html.gz" "$url"
    cmp -s "$dir/got.html.gz" "$work/page.html.gz" ||
        { echo "nginx ($name) does not serve cratesec's gzip bytes"; exit 1; }
}
ncpu=$(nproc)
start_nginx n1 1
start_nginx nN "$ncpu"

# wrk output -> "RPS P99_MS"
run_wrk() {
    wrk -t2 -c64 -d"${SECS}s" --latency "$@" | awk '
        /Requests\/sec:/ { rps = $2 }
        $1 == "99%" { v = $2; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v)
                      ms = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v; p99 = ms }
        END { printf "%.0f %.3f\n", rps, p99 }'
}
echo "== server: Security tab of \`$crate\` ($nadv advisories, $bytes bytes, gzip $gzbytes), wrk 64 connections, ${SECS}s x $ROUNDS rounds"
echo "   nginx: sendfile, tcp_nopush, open_file_cache, gzip_static; 1 worker and $ncpu workers (the better is the baseline)"
for r in $(seq 1 "$ROUNDS"); do
    for coding in identity gzip; do
        hdr=()
        [ "$coding" = gzip ] && hdr=(-H 'Accept-Encoding: gzip')
        echo "cratesec $coding $(run_wrk "${hdr[@]}" "$URL_cached")" >> "$work/results"
        echo "nginx1 $coding $(run_wrk "${hdr[@]}" "$URL_n1")" >> "$work/results"
        echo "nginxN $coding $(run_wrk "${hdr[@]}" "$URL_nN")" >> "$work/results"
    done
    echo "nocache identity $(run_wrk "$URL_nocache")" >> "$work/results"
done
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$PID_cached/status")
awk -v rss="$rss" -v ncpu="$ncpu" '
    function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
        if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { k = $1 " " $2; n[k]++; rps[k, n[k]] = $3; p99[k, n[k]] = $4 }
    function med(k, what,   i, a) { for (i = 1; i <= n[k]; i++) a[i] = (what == "rps" ? rps[k, i] : p99[k, i]); return median(a, n[k]) }
    END {
        split("identity gzip", codings, " ")
        for (ci = 1; ci <= 2; ci++) {
            c = codings[ci]
            cr = med("cratesec " c, "rps"); c99 = med("cratesec " c, "p99")
            n1 = med("nginx1 " c, "rps"); nN = med("nginxN " c, "rps")
            best = n1 >= nN ? n1 : nN; bestname = n1 >= nN ? "1 worker" : ncpu " workers"
            b99 = n1 >= nN ? med("nginx1 " c, "p99") : med("nginxN " c, "p99")
            printf "%s: cratesec median %.0f req/s, p99 %.2f ms; nginx 1 worker %.0f, %d workers %.0f req/s; best nginx (%s) p99 %.2f ms\n", c, cr, c99, n1, ncpu, nN, bestname, b99
            target = (c == "gzip") ? 0.9 : 0.7
            printf "ratio: %s cratesec / best nginx = %.2f (vs 1 worker %.2f, vs %d workers %.2f; target >= %.2f) %s\n", c, cr / best, cr / n1, ncpu, cr / nN, target, (cr / best >= target ? "OK" : "MISS")
        }
        nc = med("nocache identity", "rps"); ci = med("cratesec identity", "rps")
        printf "context: cratesec without its page cache %.0f req/s, p99 %.2f ms: the cache gives %.1fx\n", nc, med("nocache identity", "p99"), ci / nc
        printf "cratesec RSS %.1f MB\n", rss / 1024
        printf "target: cratesec p99 under 5 ms (gzip): %s\n", (med("cratesec gzip", "p99") < 5 ? "OK" : "MISS")
    }' "$work/results"
