#!/usr/bin/env bash
# tests/soak/watch.sh BUILD_DIR - part (e): watch lists on three replicas
# sharing one PostgreSQL, behind nginx (deploy/nginx/cratesec.conf).
#
# PostgreSQL is Debian's, started here (tests/cli/lib/postgres.sh).  Each
# replica has its own checkout of an upstream repository (a clone of the real
# advisory database) and syncs from it every 2 s (--sync-every), as
# production replicas do from GitHub.  Watches are made through nginx
# (POST /api/v1/watches), each with a webhook to a local receiver
# (tests/cli/lib/webhook_receiver.py) that answers slowly (so deliveries
# are in flight) and fails each delivery's first attempt (so retries
# happen).  Then invented advisories are committed upstream, in two
# commits; while the notifications are being delivered, one replica is
# killed with SIGKILL.
#
# Checked: every expected notification (each (watch, advisory) pair whose
# watch holds an affected version) is delivered, none is missing and none
# is unexpected; a pair delivered twice always came with the same
# idempotency key and the same body; each advisory was evaluated once
# (one event per pair in the database, whichever replicas synced it); the
# signatures verify.  The watches made through nginx are all there.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/cli/lib/postgres.sh"
soak_db

W=$WORK/watch
rm -rf "$W" && mkdir -p "$W"
if ! pg_start > "$W/pg.log" 2>&1; then
    cat "$W/pg.log" >&2
    [ "${CI:-}" = true ] && die "PostgreSQL could not be started"
    say "SKIP: PostgreSQL could not be started ($(tail -1 "$W/pg.log"))"
    record "SKIP (no PostgreSQL)"
    exit 0
fi
trap 'soak_cleanup; pg_stop' EXIT
say "PostgreSQL at $PG_DIR"

# The upstream the replicas sync from, and their checkouts.
UP=$W/upstream
git clone -q "$SOAK_DB" "$UP" || die "cannot clone the database"
for i in 1 2 3; do git clone -q "$UP" "$W/db$i" || die "cannot clone upstream"; done

# The receiver: 0.4 s per answer, the first attempt of each delivery fails.
printf '{"delay": 0.4, "fail_first": 1}' > "$W/hooks.cfg"
spawn python3 "$ROOT/tests/cli/lib/webhook_receiver.py" "$W/hook.port" "$W/hooks.jsonl" "$W/hooks.cfg"
for _ in $(seq 100); do [ -s "$W/hook.port" ] && break; sleep 0.1; done
HOOK_PORT=$(cat "$W/hook.port")

replica_port=() replica_pid=()
start_replica() { # INDEX
    local i=$1
    start_server "watch-replica$i" --db "$W/db$i" --listen "127.0.0.1:${replica_port[$i]}" \
        --max-per-ip 0 --access-log none --state "$PG_URL" --sync-url "$UP" --sync-every 2s \
        --allow-private-webhooks --webhook-retry 1s,4s --webhook-timeout 3s \
        --webhook-lease 6s || die "replica $i did not start"
    replica_pid[i]=$SERVER_PID
}
for i in 1 2 3; do
    replica_port[i]=$(free_port)
    start_replica "$i"
done
nginx_start "$W/nginx" "${replica_port[@]}"
URL=$NGINX_URL
say "3 replicas on PostgreSQL behind nginx at $URL"

# Watches through nginx: 60 lockfiles of 12 invented crates out of 40, at
# versions 1.0.0 to 1.0.9, each with its own webhook path.
WATCHES=${SOAK_WATCHES:-60}
python3 - "$URL" "$HOOK_PORT" "$WATCHES" "$W/watches.json" <<'PY' || die "making the watches failed"
import json, random, sys, urllib.request
url, port, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rnd = random.Random(15)
src = "registry+https://github.com/rust-lang/crates.io-index"
made = []
for w in range(n):
    pkgs = sorted(rnd.sample(range(40), 12))
    vers = {"soak-crate-%02d" % p: "1.0.%d" % rnd.randrange(10) for p in pkgs}
    lines = ["version = 3", "", "[[package]]", 'name = "soak-app-%d"' % w, 'version = "0.1.0"',
             "dependencies = ["] + [' "%s",' % c for c in vers] + ["]", ""]
    for c, v in sorted(vers.items()):
        lines += ["[[package]]", 'name = "%s"' % c, 'version = "%s"' % v, 'source = "%s"' % src, ""]
    body = json.dumps({"lockfile": "\n".join(lines), "label": "soak %d" % w,
                       "webhook_url": "http://127.0.0.1:%s/hook/%d" % (port, w)}).encode()
    req = urllib.request.Request(url + "/api/v1/watches", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        res = json.load(r)
    made.append({"token": res["token"], "id": res["watch"]["id"],
                 "secret": res["watch"]["webhook_secret"], "path": "/hook/%d" % w,
                 "versions": vers})
json.dump(made, open(out, "w"))
PY
say "$WATCHES watches made through nginx"

# Invented advisories, committed upstream in two batches: crates 0..9
# (versions below 1.0.5 affected), then 10..19 (below 1.0.3).
advise() { # FROM TO FIXED
    local j
    for j in $(seq "$1" "$2"); do
        local c; c=$(printf 'soak-crate-%02d' "$j")
        mkdir -p "$UP/crates/$c"
        cat > "$UP/crates/$c/RUSTSEC-2099-$((7000 + j)).md" <<EOF
\`\`\`toml
[advisory]
id = "RUSTSEC-2099-$((7000 + j))"
package = "$c"
date = "2099-03-01"

[versions]
patched = [">= $3"]
\`\`\`

# Invented for the soak test: $c

Nothing real.
EOF
    done
    git -C "$UP" add -A && git -C "$UP" -c user.name=soak -c user.email=soak@example.invalid \
        commit -qm "soak advisories $1-$2" || die "cannot commit upstream"
}
advise 0 9 1.0.5
say "first batch of advisories committed upstream"
sleep 3
advise 10 19 1.0.3
say "second batch committed"

# Kill a replica while notifications are being delivered.
for _ in $(seq 300); do
    n=$(grep -c '"phase": "arrived"' "$W/hooks.jsonl" 2>/dev/null || echo 0)
    [ "$n" -ge 20 ] && break
    sleep 0.1
done
say "$n delivery attempts arrived; kill -9 replica 2 (pid ${replica_pid[2]})"
kill -9 "${replica_pid[2]}"; wait "${replica_pid[2]}" 2>/dev/null

# Wait until every expected notification is answered 200 (or 120 s).
python3 - "$W" "$PG_URL" <<'PY' > "$W/verdict.txt"
import hashlib, hmac, json, subprocess, sys, time
w, pg = sys.argv[1], sys.argv[2]
made = json.load(open(w + "/watches.json"))
expected = set()
for m in made:
    for c, v in m["versions"].items():
        j = int(c.split("-")[-1])
        patch = int(v.split(".")[-1])
        if (j < 10 and patch < 5) or (10 <= j < 20 and patch < 3):
            expected.add((m["id"], "RUSTSEC-2099-%d" % (7000 + j)))
by_path = {m["path"]: m for m in made}

def records(phase):
    out = []
    for line in open(w + "/hooks.jsonl"):
        r = json.loads(line)
        if r["phase"] == phase:
            out.append(r)
    return out

deadline = time.time() + 120
while time.time() < deadline:
    got = {}
    for r in records("answered"):
        if r["status"] == 200:
            b = json.loads(r["body"])
            got[(b["watch"]["id"], b["advisory"]["id"])] = r
    if expected <= set(got):
        break
    time.sleep(0.5)
answered = records("answered")
delivered = {}
keys = {}
bad_sig = 0
for r in answered:
    b = json.loads(r["body"])
    pair = (b["watch"]["id"], b["advisory"]["id"])
    keys.setdefault(pair, set()).add(r["key"])
    m = by_path[r["path"]]
    sig = hmac.new(m["secret"].encode(), r["body"].encode(), hashlib.sha256).hexdigest()
    bad_sig += r["signature"] != "sha256=" + sig
    if r["status"] == 200:
        delivered.setdefault(pair, []).append(r)
bodies = {}
for r in answered:
    bodies.setdefault(r["key"], set()).add(r["body"])
missing = expected - set(delivered)
unexpected = set(delivered) - expected
two_keys = [p for p, k in keys.items() if len(k) > 1]
diff_bodies = [k for k, b in bodies.items() if len(b) > 1]
dups = sum(len(v) - 1 for v in delivered.values())
q = "SELECT count(*) FROM (SELECT watch_id, advisory_id FROM events WHERE baseline = 0 GROUP BY watch_id, advisory_id HAVING count(*) > 1) x"
twice = subprocess.run(["psql", "-q", "-X", "-A", "-t", pg, "-c", q], capture_output=True, text=True).stdout.strip()
print("EXPECTED=%d DELIVERED=%d MISSING=%d UNEXPECTED=%d DUP_DELIVERIES=%d TWO_KEYS=%d DIFF_BODIES=%d BAD_SIG=%d EVENTS_TWICE=%s ATTEMPTS=%d" % (
    len(expected), len(set(delivered) & expected), len(missing), len(unexpected), dups, len(two_keys),
    len(diff_bodies), bad_sig, twice or "?", len(answered)))
PY
cat "$W/verdict.txt"
eval "$(cat "$W/verdict.txt")"
watch_count=$(pg_psql "SELECT count(*) FROM watches")
why=""
[ "$EXPECTED" -gt 0 ] || why="no notification expected (test broken)"
[ "$MISSING" -eq 0 ] || why="${why:+$why; }$MISSING notifications never delivered"
[ "$UNEXPECTED" -eq 0 ] || why="${why:+$why; }$UNEXPECTED unexpected notifications"
[ "$TWO_KEYS" -eq 0 ] || why="${why:+$why; }$TWO_KEYS pairs delivered under two keys"
[ "$DIFF_BODIES" -eq 0 ] || why="${why:+$why; }$DIFF_BODIES keys with differing bodies"
[ "$BAD_SIG" -eq 0 ] || why="${why:+$why; }$BAD_SIG bad signatures"
[ "$EVENTS_TWICE" = 0 ] || why="${why:+$why; }$EVENTS_TWICE pairs evaluated twice"
[ "$watch_count" = "$WATCHES" ] || why="${why:+$why; }$watch_count watches stored, $WATCHES made"
for i in 1 3; do kill -0 "${replica_pid[$i]}" 2>/dev/null || why="${why:+$why; }replica $i died"; done
verdict=OK
[ -z "$why" ] || verdict="FAIL ($why)"
say "$DELIVERED of $EXPECTED notifications delivered, $DUP_DELIVERIES duplicate deliveries (same key), $ATTEMPTS attempts; $verdict"
record "$(printf '%s watches via nginx on 3 replicas + PostgreSQL, 20 advisories synced, 1 replica killed -9 mid-delivery: %s/%s notifications delivered, %s lost, %s duplicates (all same key), %s attempts; %s' \
    "$WATCHES" "$DELIVERED" "$EXPECTED" "$MISSING" "$DUP_DELIVERIES" "$ATTEMPTS" "$verdict")"
[ "$verdict" = OK ]
