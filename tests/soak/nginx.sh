#!/usr/bin/env bash
# tests/soak/nginx.sh BUILD_DIR - part (c): replicas behind nginx, one killed
# and one restarted under load, with no failed client request.
#
# Runs deploy/nginx/cratesec.conf itself: only the replica addresses
# (127.0.0.1:8081..8083), `listen 80` and the /var/cache/nginx and
# /var/log/nginx paths are substituted, and the script fails if any of them
# is no longer in the file.  Three replicas on the real advisory database;
# wrk loads nginx for SOAK_SECONDS with a mix whose API requests miss the
# cache (tests/soak/urls.py --uncached), so the replicas carry the load.
# A quarter in, replica 1 is killed with SIGKILL and started again; at half
# time replica 2 gets SIGTERM (graceful stop) and is started again.  Every
# client request must succeed.  Also checked: a cacheable response is a
# cache HIT the second time, and the API's gzip passes through intact.
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk missing (scripts/deps.sh installs it)"
command -v nginx >/dev/null || die "nginx missing (scripts/deps.sh installs nginx-light)"
soak_db

NG=$WORK/nginx

replica_port=() replica_pid=()
start_replica() { # INDEX
    local i=$1
    start_server "replica$i" --db "$SOAK_DB" --listen "127.0.0.1:${replica_port[$i]}" \
        --max-per-ip 0 --access-log none || die "replica $i did not start"
    replica_pid[i]=$SERVER_PID
}
for i in 1 2 3; do
    replica_port[i]=$(free_port)
    start_replica "$i"
done
say "replicas on ports ${replica_port[*]}"

nginx_start "$NG" "${replica_port[@]}"
nginx_pid=$NGINX_PID
URL=$NGINX_URL

# The cache and gzip, before the load.
some_id=RUSTSEC-2020-0017   # internment's: in every commit since 2020
cache_status() { curl -s -o /dev/null -D - "$URL/v1/vulns/$some_id" | tr -d '\r' |
    sed -n 's/^X-Cache-Status: //Ip'; }
first=$(cache_status) second=$(cache_status)
[ "$second" = HIT ] || die "GET /v1/vulns/$some_id twice: cache $first then $second (expected HIT)"
curl -s -H 'Accept-Encoding: gzip' -D "$NG/gz.headers" -o "$NG/gz.body" "$URL/v1/vulns/$some_id"
grep -qi '^Content-Encoding: gzip' "$NG/gz.headers" || die "the API's gzip did not pass through nginx"
gunzip -c "$NG/gz.body" | cmp -s - <(curl -s "http://127.0.0.1:${replica_port[1]}/v1/vulns/$some_id") ||
    die "gzip through nginx does not decompress to the replica's answer"
say "cache: $first then $second; gzip passes through"

python3 tests/soak/urls.py "$SOAK_DB" "$URL" "$NG/list" --uncached || die "cannot build the request list"
: > "$NG/log/cratesec.access.log"
conns=${SOAK_NGINX_CONNECTIONS:-64}
say "load: ${SOAK_SECONDS}s at $conns connections through nginx"
wrk_start "$URL" "$SOAK_SECONDS" "$conns" "$NG/list" "$NG/wrk.txt"
quarter=$(python3 -c "print($SOAK_SECONDS / 4)")
sleep "$quarter"
say "kill -9 replica 1 (pid ${replica_pid[1]})"
kill -9 "${replica_pid[1]}"; wait "${replica_pid[1]}" 2>/dev/null
sleep 1
start_replica 1
say "replica 1 back (pid ${replica_pid[1]})"
sleep "$quarter"
say "SIGTERM replica 2 (pid ${replica_pid[2]}) and start it again"
kill -TERM "${replica_pid[2]}"; wait "${replica_pid[2]}" 2>/dev/null
start_replica 2
say "replica 2 back (pid ${replica_pid[2]})"
wait "$WRK_PID"
wrk_parse "$NG/wrk.txt"
kill -0 "$nginx_pid" 2>/dev/null || die "nginx died"

# What nginx saw: statuses, retries onto another replica, cache use.
read -r logged failed retried hits per_replica < <(awk -v p1="${replica_port[1]}" \
    -v p2="${replica_port[2]}" -v p3="${replica_port[3]}" '
    # 499: wrk closed a connection with a request in flight when its time
    # was up (wrk itself counts real failures).
    { n++; if (!match($0, /" ([23][0-9][0-9]|499) /)) bad++ }
    /up="[^"]*,/ { retry++ }
    / cache=HIT / { hit++ }
    { if (index($0, ":" p1)) r1++; if (index($0, ":" p2)) r2++; if (index($0, ":" p3)) r3++ }
    END { printf "%d %d %d %d %d/%d/%d\n", n, bad, retry, hit, r1, r2, r3 }' \
    "$NG/log/cratesec.access.log")
say "load: $REQUESTS requests, $RPS req/s, p50 $P50_MS ms, p99 $P99_MS ms, errors $ERRORS ($ERROR_DETAIL)"
say "nginx log: $logged requests, $failed failed (not 2xx/3xx/499), $retried retried on another replica, $hits cache hits; per replica $per_replica"
verdict=OK
[ "$ERRORS" -eq 0 ] && [ "$failed" -eq 0 ] || verdict="FAIL (client errors)"
record "$(printf '%s requests in %ss via nginx to 3 replicas (%s req/s), errors %s, p50 %s ms, p99 %s ms, 1 killed + 1 restarted, %s retried by nginx; %s' \
    "$REQUESTS" "$SOAK_SECONDS" "$RPS" "$ERRORS" "$P50_MS" "$P99_MS" "$retried" "$verdict")"
[ "$verdict" = OK ]
