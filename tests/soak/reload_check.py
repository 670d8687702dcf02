#!/usr/bin/env python3
"""tests/soak/reload_check.py - part (b)'s reloader and consistency checker.

    reload_check.py URL PID DB_DIR COMMIT_A COMMIT_B SECONDS CRATE VERSION

The server at URL (process PID) serves the checkout DB_DIR.  This script
moves that checkout between two commits and sends SIGHUP, about once a
second for SECONDS, always waiting for the swap to finish (a new
"generation" in /healthz) before touching the checkout again, so the server
never reads a half-moved tree.  Meanwhile checker threads request a set of
probe URLs whose answers differ between the two commits, on keep-alive
connections, and check every response against what each commit is known to
answer: status, ETag and body must all be those of one commit.  A response
mixing the two, a failed request or a failed reload is an error.

What each commit answers is learned first: commit A, reload, commit B,
reload, commit A, reload, fetching every probe each time; the two visits
to A must give identical bytes (a page that changes with no data change
would make any ETag meaningless), the two commits must differ in ETag, and
CRATE VERSION must be affected by more advisories under A than under B
(A is the newer commit).

Prints figures as KEY=VALUE lines for tests/soak/reload.sh; exits 1 on any
inconsistency.
"""
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

CHECKERS = 4
WARMUP_RELOADS = 4
SWAP_TIMEOUT = 15.0


class Fail(Exception):
    pass


def connect(base):
    u = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10)


# The site footer says when and how fast the data was loaded ("1225
# advisories loaded 2026-12-05 07:31 UTC in 2128 ms"): that changes with
# every reload of the same commit, so it is left out of the comparison.
# The ETag does not change with it: ETAG_BODY_VARIES counts the probes whose
# bytes differ under one ETag (harmless to a cache, which keeps the older
# footer, but a strong ETag promises identical bytes).
LOAD_NOTE = re.compile(rb"advisories loaded [^<]*? in [0-9]+ ms")


def fetch_raw(conn, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body else {}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, resp.getheader("ETag"), data


def fetch(conn, method, path, body=None):
    status, etag, data = fetch_raw(conn, method, path, body)
    return status, etag, LOAD_NOTE.sub(b"advisories loaded", data)


def healthz(base):
    conn = connect(base)
    try:
        status, _, data = fetch(conn, "GET", "/healthz")
    finally:
        conn.close()
    if status != 200:
        raise Fail(f"GET /healthz answered {status}")
    return json.loads(data)


def rss_kb(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def move_checkout(db, commit):
    subprocess.run(["git", "-C", db, "checkout", "-q", "--detach", commit], check=True)


def reload_and_wait(base, pid, db, commit):
    """Moves the checkout, sends SIGHUP and waits for the new generation.
    Returns (healthz after the swap, seconds from SIGHUP to the swap being
    visible)."""
    before = healthz(base)
    move_checkout(db, commit)
    sent = time.monotonic()
    os.kill(pid, signal.SIGHUP)
    while True:
        h = healthz(base)
        if h.get("reload_failures", 0) != before.get("reload_failures", 0):
            raise Fail(f"reload to {commit[:12]} failed: {h.get('last_error')}")
        if h.get("generation", 0) > before.get("generation", 0):
            visible = time.monotonic() - sent
            break
        if time.monotonic() - sent > SWAP_TIMEOUT:
            raise Fail(f"no new generation {SWAP_TIMEOUT:.0f} s after SIGHUP (commit {commit[:12]})")
        time.sleep(0.01)
    if h.get("generation") != before.get("generation") + 1:
        raise Fail(f"generation went from {before.get('generation')} to {h.get('generation')} on one SIGHUP")
    if h.get("commit") != commit:
        raise Fail(f"/healthz commit {h.get('commit')!r} after moving the checkout to {commit}")
    if h.get("status") != "ok":
        raise Fail(f"/healthz status {h.get('status')!r} after a good reload")
    return h, visible


def main():
    if len(sys.argv) != 9:
        sys.exit(__doc__.split("\n\n")[1])
    base, pid, db, commit_a, commit_b, seconds, crate, version = sys.argv[1:]
    pid, seconds = int(pid), float(seconds)
    commits = {"A": commit_a, "B": commit_b}

    api = f"/api/v1/crates/{crate}/{version}/security"
    query = json.dumps({"package": {"name": crate, "ecosystem": "crates.io"}, "version": version})
    probes = [("GET", api, None), ("GET", f"/crates/{crate}/security", None),
              ("GET", f"/crates/{crate}", None), ("POST", "/v1/query", query)]

    # Learn what each commit answers.
    learned = {"A": {}, "B": {}}
    first_raw = {}
    etag_body_varies = 0
    conn = connect(base)
    for visit, gen in enumerate(["A", "B", "A"]):
        reload_and_wait(base, pid, db, commits[gen])
        for probe in probes:
            raw = fetch_raw(conn, *probe)
            if visit == 0:
                first_raw[probe] = raw
            elif visit == 2 and raw[1] is not None and raw[1] == first_raw[probe][1] \
                    and raw[2] != first_raw[probe][2]:
                etag_body_varies += 1
            answer = raw[:2] + (LOAD_NOTE.sub(b"advisories loaded", raw[2]),)
            if answer[0] != 200:
                raise Fail(f"{probe[0]} {probe[1]} under {gen} answered {answer[0]}")
            if visit == 2 and learned[gen][probe] != answer:
                raise Fail(f"{probe[0]} {probe[1]}: different answers for the same commit "
                           f"on two loads (ETag {learned[gen][probe][1]} then {answer[1]})")
            learned[gen][probe] = answer
    conn.close()
    for probe in probes:
        a, b = learned["A"][probe], learned["B"][probe]
        if probe[0] == "GET" and (a[1] is None or a[1] == b[1]):
            raise Fail(f"GET {probe[1]}: ETag {a[1]!r} under A, {b[1]!r} under B "
                       "(it must name the database commit)")
    counts = {g: json.loads(learned[g][probes[0]][2])["affected_count"] for g in "AB"}
    if counts["A"] <= counts["B"]:
        raise Fail(f"{crate} {version}: affected_count {counts['A']} under A, {counts['B']} under B "
                   "(expected more under the newer commit A)")

    # Run: reloads once a second, checkers all the time.
    stop = threading.Event()
    lock = threading.Lock()
    stats = {"checked": 0, "A": 0, "B": 0, "errors": 0}
    problems = []

    def problem(text):
        with lock:
            stats["errors"] += 1
            if len(problems) < 20:
                problems.append(text)

    def checker(offset):
        conn = connect(base)
        i = offset
        while not stop.is_set():
            probe = probes[i % len(probes)]
            i += 1
            try:
                answer = fetch(conn, *probe)
            except (OSError, http.client.HTTPException) as e:
                problem(f"{probe[0]} {probe[1]}: {e!r}")
                conn.close()
                conn = connect(base)
                continue
            gen = next((g for g in "AB" if learned[g][probe] == answer), None)
            with lock:
                stats["checked"] += 1
                if gen:
                    stats[gen] += 1
            if gen is None:
                like = [g for g in "AB" if learned[g][probe][1] == answer[1]]
                problem(f"{probe[0]} {probe[1]}: status {answer[0]}, ETag {answer[1]} "
                        f"(ETag of {like or 'neither commit'}), body of neither commit "
                        f"({len(answer[2])} bytes)")
        conn.close()

    threads = [threading.Thread(target=checker, args=(n,)) for n in range(CHECKERS)]
    for t in threads:
        t.start()
    swaps_server, visible, loads = [], [], []
    reloads = 0
    rss = []
    gen = "A"
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            started = time.monotonic()
            gen = "B" if gen == "A" else "A"
            h, seen = reload_and_wait(base, pid, db, commits[gen])
            reloads += 1
            rss.append(rss_kb(pid))
            visible.append(seen * 1000)
            if isinstance(h.get("last_swap_ms"), (int, float)):
                swaps_server.append(h["last_swap_ms"])
            if isinstance(h.get("load_ms"), (int, float)):
                loads.append(h["load_ms"])
            time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    except Fail as e:
        problem(str(e))
    finally:
        stop.set()
        for t in threads:
            t.join()

    final = healthz(base)
    def fig(values, how, digits=1):
        return f"{how(values):.{digits}f}" if values else "n/a"
    print(f"RELOADS={reloads}")
    print(f"RELOADS_SERVER={final.get('reloads')}")
    print(f"RELOAD_FAILURES={final.get('reload_failures')}")
    print(f"CHECKED={stats['checked']}")
    print(f"SEEN_A={stats['A']}")
    print(f"SEEN_B={stats['B']}")
    print(f"INCONSISTENT={stats['errors']}")
    print(f"AFFECTED_A={counts['A']}")
    print(f"AFFECTED_B={counts['B']}")
    # The swap is a pointer exchange under a lock: microseconds.
    print(f"SWAP_MS_MEDIAN={fig(swaps_server, statistics.median, 3)}")
    print(f"SWAP_MS_MAX={fig(swaps_server, max, 3)}")
    print(f"LOAD_MS_MEDIAN={fig(loads, statistics.median)}")
    print(f"VISIBLE_MS_MEDIAN={fig(visible, statistics.median)}")
    print(f"VISIBLE_MS_MAX={fig(visible, max)}")
    print(f"ETAG_BODY_VARIES={etag_body_varies}")
    # Warm-up: the learning reloads and the first WARMUP_RELOADS of the run
    # (both generations have coexisted in memory by then).
    if rss:
        warm = rss[min(WARMUP_RELOADS, len(rss)) - 1]
        print(f"RSS_WARM_KB={warm}")
        print(f"RSS_END_KB={rss[-1]}")
        print(f"RSS_MAX_KB={max(rss)}")
    for text in problems:
        print(f"reload_check: {text}", file=sys.stderr)
    sys.exit(1 if stats["errors"] or not stats["A"] or not stats["B"] else 0)


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        sys.exit(f"reload_check: {e}")
