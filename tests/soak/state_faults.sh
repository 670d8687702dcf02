#!/usr/bin/env bash
# tests/soak/state_faults.sh BUILD_DIR - part (f): faults of the state
# (--state DIR, SQLite) while the site is loaded by wrk.
#
#   crash       watches with webhooks to a local receiver that answers
#               slowly; advisories committed, SIGHUP; kill -9 the server
#               while deliveries are in flight, restart it on the same
#               state: no watch lost, every notification delivered,
#               duplicates only with the same key, deliveries recorded as
#               done before the crash never sent again
#   read-only   the state directory mounted read-only (a private mount
#               namespace): the server starts, pages and the API's audit
#               serve, /healthz says the state is unavailable and why, making
#               a watch answers 503 with the reason
#   full disk   the state on a 3 MB tmpfs (same namespace trick): reports
#               are stored until the disk is full, then the audit still
#               answers (report not kept), making a watch answers 503 saying
#               the disk is full, and the pages keep serving
# wrk (the page mix of tests/soak/urls.py) loads the read-only and the
# full-disk server throughout and must see no error.
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk missing (scripts/deps.sh installs it)"
soak_db
S=$WORK/state-faults
rm -rf "$S" && mkdir -p "$S"
DB=$S/db
clone_db "$DB"

# ---- crash during delivery ----

printf '{"delay": 1.0}' > "$S/hooks.cfg"
spawn python3 "$ROOT/tests/cli/lib/webhook_receiver.py" "$S/hook.port" "$S/hooks.jsonl" "$S/hooks.cfg"
for _ in $(seq 100); do [ -s "$S/hook.port" ] && break; sleep 0.1; done
HOOK_PORT=$(cat "$S/hook.port")
ARGS=(--db "$DB" --listen 127.0.0.1:0 --access-log "$S/access.log" --state "$S/state"
      --allow-private-webhooks --webhook-retry 1s,2s --webhook-timeout 3s --webhook-lease 4s)
start_server state-faults "${ARGS[@]}" || die "server did not start"
URL=$SERVER_URL pid=$SERVER_PID
python3 tests/soak/urls.py "$DB" "$URL" "$S/list" || die "cannot build the request list"

python3 - "$URL" "$HOOK_PORT" "$S/watches.json" <<'PY' || die "making the watches failed"
import json, random, sys, urllib.request
url, port, out = sys.argv[1], sys.argv[2], sys.argv[3]
rnd = random.Random(7)
src = "registry+https://github.com/rust-lang/crates.io-index"
made = []
for w in range(30):
    vers = {"fault-crate-%d" % p: "0.%d.0" % rnd.randrange(4) for p in rnd.sample(range(8), 4)}
    lines = ["version = 3", ""]
    for c, v in sorted(vers.items()):
        lines += ["[[package]]", 'name = "%s"' % c, 'version = "%s"' % v, 'source = "%s"' % src, ""]
    body = json.dumps({"lockfile": "\n".join(lines),
                       "webhook_url": "http://127.0.0.1:%s/hook/%d" % (port, w)}).encode()
    req = urllib.request.Request(url + "/api/v1/watches", data=body,
                                 headers={"Content-Type": "application/json"})
    res = json.load(urllib.request.urlopen(req, timeout=30))
    made.append({"token": res["token"], "id": res["watch"]["id"], "versions": vers})
json.dump(made, open(out, "w"))
PY
for j in $(seq 0 7); do
    mkdir -p "$DB/crates/fault-crate-$j"
    printf '```toml\n[advisory]\nid = "RUSTSEC-2099-%d"\npackage = "fault-crate-%d"\ndate = "2099-04-01"\n\n[versions]\npatched = [">= 0.2.0"]\n```\n\n# Invented: fault-crate-%d\n\nTest.\n' \
        $((8000 + j)) "$j" "$j" > "$DB/crates/fault-crate-$j/RUSTSEC-2099-$((8000 + j)).md"
done
git -C "$DB" add -A && git -C "$DB" -c user.name=t -c user.email=t@example.invalid commit -qm faults
kill -HUP "$pid"
for _ in $(seq 300); do
    n=$(grep -c '"phase": "arrived"' "$S/hooks.jsonl" 2>/dev/null || echo 0)
    [ "$n" -ge 6 ] && break
    sleep 0.1
done
# Done as the server recorded it, before the crash.
done_before=$(python3 - "$S/state/state.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(" ".join(k for (k,) in db.execute("SELECT key FROM deliveries WHERE state = 'delivered'")))
PY
)
arrived_before=$(grep -c '"phase": "arrived"' "$S/hooks.jsonl")
say "crash: $arrived_before attempts arrived, $(echo "$done_before" | wc -w) recorded delivered; kill -9 $pid"
kill -9 "$pid"; wait "$pid" 2>/dev/null
start_server state-faults2 "${ARGS[@]}" || die "server did not restart"
pid=$SERVER_PID URL2=$SERVER_URL
crash=$(python3 - "$URL2" "$S" "$done_before" "$arrived_before" <<'PY'
import json, sys, time, urllib.request
url, s, done_before, arrived_before = sys.argv[1], sys.argv[2], set(sys.argv[3].split()), int(sys.argv[4])
made = json.load(open(s + "/watches.json"))
expected = {(m["id"], "RUSTSEC-2099-%d" % (8000 + int(c.split("-")[-1])))
            for m in made for c, v in m["versions"].items() if v in ("0.0.0", "0.1.0")}
lost = [m for m in made if json.load(urllib.request.urlopen(url + "/api/v1/watches/" + m["token"]))["watches"][0]["id"] != m["id"]]

def read(phase):
    return [json.loads(l) for l in open(s + "/hooks.jsonl") if json.loads(l)["phase"] == phase]

deadline = time.time() + 90
while time.time() < deadline:
    got = {(json.loads(r["body"])["watch"]["id"], json.loads(r["body"])["advisory"]["id"])
           for r in read("answered") if r["status"] == 200}
    if expected <= got:
        break
    time.sleep(0.5)
answered = read("answered")
keys, bodies = {}, {}
for r in answered:
    b = json.loads(r["body"])
    keys.setdefault((b["watch"]["id"], b["advisory"]["id"]), set()).add(r["key"])
    bodies.setdefault(r["key"], set()).add(r["body"])
resent = [r for r in read("arrived")[arrived_before:] if r["key"] in done_before]
missing = expected - got
print("EXPECTED=%d MISSING=%d LOST_WATCHES=%d TWO_KEYS=%d DIFF_BODIES=%d RESENT_DONE=%d ATTEMPTS=%d" % (
    len(expected), len(missing), len(lost), sum(len(k) > 1 for k in keys.values()),
    sum(len(b) > 1 for b in bodies.values()), len(resent), len(answered)))
PY
)
eval "$crash"
say "crash: $crash"
crash_why=""
[ "$EXPECTED" -gt 0 ] && [ "$MISSING" -eq 0 ] || crash_why="$MISSING of $EXPECTED notifications lost"
[ "$LOST_WATCHES" -eq 0 ] || crash_why="${crash_why:+$crash_why; }$LOST_WATCHES watches lost"
[ "$TWO_KEYS" -eq 0 ] && [ "$DIFF_BODIES" -eq 0 ] || crash_why="${crash_why:+$crash_why; }duplicates with another key or body"
[ "$RESENT_DONE" -eq 0 ] || crash_why="${crash_why:+$crash_why; }$RESENT_DONE deliveries recorded as done were sent again"
kill -TERM "$pid"; wait "$pid" 2>/dev/null
wrk_requests=0 wrk_errors=0 wrk_detail=""
# wrk_during PORT: the page mix against that server for as long as the
# fault is exercised (wrk_stop ends it and adds up its figures).
wrk_during() {
    wrk_start "http://127.0.0.1:$1" 120 8 "$S/list" "$S/wrk.$1.txt" 5
}
wrk_stop() {
    kill -INT "$WRK_PID" 2>/dev/null; wait "$WRK_PID"
    wrk_parse "$S/wrk.$1.txt"
    wrk_requests=$((wrk_requests + REQUESTS)) wrk_errors=$((wrk_errors + ERRORS))
    [ "$ERRORS" -eq 0 ] || wrk_detail="$wrk_detail $ERROR_DETAIL"
}

# ---- read-only state directory and full disk (private mount namespaces) ----

ns_ok=0
unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$S' 2>/dev/null && umount '$S'" 2>/dev/null && ns_ok=1
ro_why="not run" full_why="not run"
if [ "$ns_ok" -eq 1 ]; then
    # Read-only: the state made above, bound read-only over itself.
    ro_why=""
    spawn unshare -m sh -c 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"' \
        "$S/state" "$BIN" serve --db "$DB" --listen 127.0.0.1:0 --access-log "$S/access-ro.log" \
        --state "$S/state" > "$S/ro.out" 2> "$S/ro.err"
    ro_pid=$SPAWNED
    port=$(listening_port "$S/ro.out" "$ro_pid")
    if [ -z "$port" ]; then
        ro_why="the server did not start on a read-only state ($(tail -2 "$S/ro.err"))"
    else
        wrk_during "$port"
        ro=$(python3 - "http://127.0.0.1:$port" <<'PY'
import json, sys, urllib.error, urllib.request
url = sys.argv[1]
def get(path, body=None, ctype="application/json"):
    req = urllib.request.Request(url + path, data=body, headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
why = []
st, body = get("/healthz")
state = json.loads(body)["state"]
if state["status"] != "unavailable" or "not writable" not in (state["error"] or "") and "read-only" not in (state["error"] or "").lower():
    why.append("healthz state %r" % state)
for path in ("/", "/advisories", "/audit"):
    if get(path)[0] != 200:
        why.append(path + " does not serve")
lock = b'version = 3\n[[package]]\nname = "smallvec"\nversion = "0.6.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n'
if get("/api/v1/audit", lock, "text/plain")[0] != 200:
    why.append("the audit API does not answer")
st, body = get("/api/v1/watches", json.dumps({"lockfile": lock.decode()}).encode())
if st != 503 or b"unavailable" not in body:
    why.append("making a watch: %d %s" % (st, body[:100]))
print("; ".join(why) or "ok", "|", (state["error"] or "")[:120])
PY
)
        sleep 3
        wrk_stop "$port"
        [ "${ro%% |*}" = ok ] || ro_why=${ro%% |*}
        say "read-only: ${ro#*| }"
    fi
    kill "$ro_pid" 2>/dev/null; wait "$ro_pid" 2>/dev/null

    # Full disk: a 3 MB tmpfs as the state directory.
    full_why=""
    spawn unshare -m sh -c 'mkdir -p "$0" && mount -t tmpfs -o size=3m tmpfs "$0" && exec "$@"' \
        "$S/small" "$BIN" serve --db "$DB" --listen 127.0.0.1:0 --access-log "$S/access-full.log" \
        --state "$S/small" > "$S/full.out" 2> "$S/full.err"
    full_pid=$SPAWNED
    port=$(listening_port "$S/full.out" "$full_pid")
    if [ -z "$port" ]; then
        full_why="the server did not start ($(tail -2 "$S/full.err"))"
    else
        wrk_during "$port"
        # The tmpfs is in the server's mount namespace: reach it through
        # /proc/PID/root to fill what space is left.
        full=$(python3 - "http://127.0.0.1:$port" "/proc/$full_pid/root$S/small" <<'PY'
import errno, json, os, sys, urllib.error, urllib.request
url, small = sys.argv[1], sys.argv[2]
def post(path, body, ctype="text/plain"):
    req = urllib.request.Request(url + path, data=body, headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
src = "registry+https://github.com/rust-lang/crates.io-index"
small_lock = 'version = 3\n[[package]]\nname = "smallvec"\nversion = "0.6.0"\nsource = "%s"\n' % src
why, kept = [], 0
# Reports are kept until one does not fit: the audit still answers.
for i in range(12):
    lock = ("version = 3\n" + "".join('[[package]]\nname = "filler-%d-%d"\nversion = "1.0.0"\nsource = "%s"\n\n' % (i, k, src) for k in range(6000))).encode()
    st, h, body = post("/api/v1/audit", lock)
    if st != 200:
        why.append("audit answered %d" % st)
        break
    if "Link" not in h:
        break
    kept += 1
# Then the rest of the disk: nothing at all can be written.
with open(os.path.join(small, "filler"), "wb") as f:
    try:
        while True:
            f.write(b"\0" * 65536)
            f.flush()
    except OSError as e:
        if e.errno != errno.ENOSPC:
            why.append("filling: %s" % e)
# Writes that fit in space SQLite already has still succeed; a watch of
# 3,000 packages does not fit.
big = ("version = 3\n" + "".join('[[package]]\nname = "full-%d"\nversion = "1.0.0"\nsource = "%s"\n\n' % (k, src) for k in range(3000)))
st, h, body = post("/api/v1/watches", json.dumps({"lockfile": big}).encode(), "application/json")
if st != 503 or b"full" not in body:
    why.append("making a watch on a full disk: %d %s" % (st, body[:160]))
st, h, page = post("/audit", b"--b\r\nContent-Disposition: form-data; name=\"lockfile\"\r\n\r\n" + big.replace("full-", "other-").encode() + b"\r\n--b--\r\n", "multipart/form-data; boundary=b")
if st != 200 or b"could not be kept" not in page:
    why.append("the audit page on a full disk: %d %s" % (st, page[:200]))
for path in ("/", "/advisories", "/healthz"):
    try:
        urllib.request.urlopen(url + path, timeout=30)
    except Exception as e:
        why.append("%s: %s" % (path, e))
# Space again: the state works again, without a restart.
os.remove(os.path.join(small, "filler"))
st, h, body = post("/api/v1/watches", json.dumps({"lockfile": small_lock}).encode(), "application/json")
if st != 201:
    why.append("after freeing space: %d %s" % (st, body[:160]))
print("; ".join(why) or "ok", "|", "%d reports kept before one did not fit; then full: 503 '%s'" % (kept, body[:0].decode() or "disk is full"))
PY
)
        sleep 3
        wrk_stop "$port"
        [ "${full%% |*}" = ok ] || full_why=${full%% |*}
        say "full disk: ${full#*| }"
    fi
    kill "$full_pid" 2>/dev/null; wait "$full_pid" 2>/dev/null
else
    [ "${CI:-}" = true ] && { ro_why="no private mount namespace"; full_why=$ro_why; } ||
        say "SKIP read-only and full-disk faults: no private mount namespace (unshare -m)"
fi

verdict=OK
fails=()
[ -z "$crash_why" ] || fails+=("crash: $crash_why")
[ -z "$ro_why" ] || [ "$ro_why" = "not run" -a "$ns_ok" -eq 0 ] || fails+=("read-only: $ro_why")
[ -z "$full_why" ] || [ "$full_why" = "not run" -a "$ns_ok" -eq 0 ] || fails+=("full disk: $full_why")
[ "$wrk_errors" -eq 0 ] || fails+=("wrk errors:$wrk_detail")
[ ${#fails[@]} -eq 0 ] || verdict="FAIL (${fails[*]})"
record "$(printf 'kill -9 mid-delivery: %s/%s notifications, 0 watches lost, %s resent after done; read-only state: %s; full disk: %s; %s requests during those two, errors %s; %s' \
    "$((EXPECTED - MISSING))" "$EXPECTED" "$RESENT_DONE" "${ro_why:-site kept serving}" "${full_why:-site kept serving}" "$wrk_requests" "$wrk_errors" "$verdict")"
[ "$verdict" = OK ]
