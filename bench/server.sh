#!/usr/bin/env bash
# bench/server.sh BUILD_DIR DB_DIR INDEX_DIR - the Security tab of the crate
# with the most advisories (that the index knows), served by `cratesec serve`
# and, as the baseline, the same bytes served as a static file by nginx, both
# on loopback and loaded by wrk (64 connections, keep-alive).  Rounds
# alternate between the two servers; medians are printed with the ratio, p99
# latency and the server's resident memory.
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

port=$(free_port)
"$B/cratesec" serve --db "$DB" --index "$IDX" --listen "127.0.0.1:$port" --access-log none \
    > "$work/serve.log" 2>&1 &
spid=$!; pids+=("$spid")
url="http://127.0.0.1:$port/crates/$crate/security"
for _ in $(seq 1 300); do curl -sf -o /dev/null "$url" && break; sleep 0.1; done
curl -sf -o "$work/page.html" "$url" || { echo "server did not answer"; cat "$work/serve.log"; exit 1; }
bytes=$(wc -c < "$work/page.html")

nport=$(free_port)
mkdir -p "$work/www" "$work/nginx"
cp "$work/page.html" "$work/www/page.html"
# nginx started as root serves files as its worker user (www-data): mktemp's
# 0700 directory would answer 403.
chmod 755 "$work" "$work/www"
chmod 644 "$work/www/page.html"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
daemon off;
events { worker_connections 4096; }
http {
    access_log off;
    default_type text/html;
    keepalive_requests 1000000;
    client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
    fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
    server { listen 127.0.0.1:$nport; root $work/www; }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" 2>>"$work/nginx/error.log" &
npid=$!; pids+=("$npid")
nurl="http://127.0.0.1:$nport/page.html"
for _ in $(seq 1 100); do curl -sf -o /dev/null "$nurl" && break; sleep 0.1; done
curl -sf -o "$work/nginx.html" "$nurl" || { echo "nginx did not answer:"; cat "$work/nginx/error.log"; exit 1; }
cmp -s "$work/page.html" "$work/nginx.html" || { echo "nginx does not serve the same bytes"; ls -l "$work/page.html" "$work/nginx.html"; exit 1; }

# wrk output -> "RPS P99_MS"
run_wrk() {
    wrk -t2 -c64 -d"${SECS}s" --latency "$1" | awk '
        /Requests\/sec:/ { rps = $2 }
        $1 == "99%" { v = $2; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v)
                      ms = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v; p99 = ms }
        END { printf "%.0f %.3f\n", rps, p99 }'
}
echo "== server: Security tab of \`$crate\` ($nadv advisories, $bytes bytes), wrk 64 connections, ${SECS}s x $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
    echo "cratesec $(run_wrk "$url")" >> "$work/results"
    echo "nginx $(run_wrk "$nurl")" >> "$work/results"
done
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$spid/status")
awk -v rss="$rss" '
    function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
        if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { if ($1 == "cratesec") { cr[++nc] = $2; cp[nc] = $3 } else { nr[++nn] = $2; np[nn] = $3 } }
    END {
        c = median(cr, nc); n = median(nr, nn); c99 = median(cp, nc); n99 = median(np, nn)
        printf "cratesec: median %.0f req/s, p99 %.2f ms, RSS %.1f MB\n", c, c99, rss / 1024
        printf "nginx:    median %.0f req/s, p99 %.2f ms (same bytes, static file)\n", n, n99
        printf "ratio: cratesec / nginx = %.2f (target >= 0.70) %s\n", c / n, (c / n >= 0.7 ? "OK" : "MISS")
        printf "target: cratesec p99 under 5 ms: %s\n", (c99 < 5 ? "OK" : "MISS")
    }' "$work/results"
