#!/usr/bin/env python3
"""tests/soak/freshness_check.py URL PID INDEX_UP DB_UP SECONDS INTERVAL SKIP_LIST

The freshness part of `make soak` (issue 13, section 5), while wrk loads the
server at URL (process PID), which follows the git registry index whose
upstream working repository is INDEX_UP and the advisory database whose
upstream is DB_UP, both with --sync-every INTERVAL seconds:

  index writer     100 commits a minute to INDEX_UP for SECONDS: new
                   releases of existing crates, new crates, yanks and removals
                   (crates named in SKIP_LIST, one per line, are never touched: the
                   database's crates, which wrk's request mix uses and whose
                   pages exist without the index)
  database writer  a new advisory (RUSTSEC-2099-9NNN, every release of an
                   existing crate affected) committed to DB_UP every
                   SECONDS / 3 seconds, at least once a minute
  probes           each change's answer from GET /api/v1/crates/NAME/VERSION/
                   security, polled every 0.1 s from the commit on: a release
                   answers 200, a yank "yanked": true, a removal 404, an
                   advisory its id; the time from commit to visible
  order            /healthz, then a crate page, over and over: the page's
                   footer names the database and index commits it was made
                   from, and neither may be older than what /healthz said
                   just before (no answer older than the last applied commit);
                   /healthz's commits never go back

Every change must be visible within one interval plus the longest apply time
(/healthz's load_ms) plus 2 s (fetch and polling).  Prints KEY=VALUE figures
on stdout and problems on stderr; exit status 1 on any problem.
"""
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli", "lib"))
from cratesec_server import index_path  # noqa: E402  (the git-index layout)

URL, PID, INDEX_UP, DB_UP = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
SECONDS, INTERVAL = float(sys.argv[5]), float(sys.argv[6])
SKIP = set(line.strip().lower() for line in open(sys.argv[7]) if line.strip())
ADV_PERIOD = min(60.0, SECONDS / 3)
COMMIT_PERIOD = 0.6  # 100 a minute
SLACK = 2.0

rng = random.Random(13)
lock = threading.RLock()  # problem() is called with it held, too
problems = []
probes = []        # dicts: kind, name, version, expect, t_commit, t_visible
index_seq = {}     # commit id -> order, for both repositories
db_seq = {}
apply_ms = {}      # (kind, generation fingerprint or commit) -> load_ms
stop = threading.Event()


def problem(msg):
    with lock:
        problems.append(msg)
    print("problem:", msg, file=sys.stderr, flush=True)


def get(path, timeout=10):
    try:
        with urllib.request.urlopen(URL + path, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except OSError as e:
        return 0, str(e)


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def commit(repo, paths, message, seqs):
    git(repo, "add", "-A", "--", *paths)
    git(repo, "-c", "user.name=soak", "-c", "user.email=soak@example.org",
        "commit", "-q", "-m", message)
    head = git(repo, "rev-parse", "HEAD")
    with lock:
        seqs[head] = len(seqs)
    return time.monotonic()


def write_atomic(path, text):
    # A new file, renamed: the upstream's files may be hard links to the
    # unpacked snapshot, which must not change.
    tmp = path + ".tmp"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def crate_lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def dump(lines):
    return "".join(json.dumps(l, separators=(",", ":")) + "\n" for l in lines)


def add_probe(kind, name, version, expect, t):
    with lock:
        probes.append({"kind": kind, "name": name, "version": version, "expect": expect,
                       "t_commit": t, "t_visible": None})


# ---- the candidates: crate files of the index outside the request mix ----

candidates = []
for top in sorted(os.listdir(INDEX_UP)):
    if top.startswith(".") or top == "config.json":
        continue
    for root, dirs, files in os.walk(os.path.join(INDEX_UP, top)):
        for f in files:
            if f.lower() not in SKIP and not f.endswith(".tmp"):
                candidates.append(f)
rng.shuffle(candidates)
if len(candidates) < 400:
    print("problem: only %d crate files to change" % len(candidates), file=sys.stderr)
    sys.exit(1)


def index_writer():
    published = []   # (name, version) already seen, for yanks
    k = 0
    end = time.monotonic() + SECONDS
    next_at = time.monotonic()
    while time.monotonic() < end:
        k += 1
        op = ("publish", "yank", "publish", "new", "remove", "yank", "publish")[k % 7]
        if op == "yank" and not published:
            op = "publish"
        try:
            if op == "publish":
                name = candidates.pop()
                path = os.path.join(INDEX_UP, index_path(name))
                lines = crate_lines(path)
                line = dict(lines[-1])
                line["vers"] = "999.%d.0" % k
                line["yanked"] = False
                write_atomic(path, dump(lines + [line]))
                t = commit(INDEX_UP, [path], "publish %s %s" % (name, line["vers"]), index_seq)
                add_probe(op, line["name"], line["vers"], 200, t)
                published.append((path, line["name"], line["vers"]))
            elif op == "new":
                name = "soak-fresh-%d" % k
                path = os.path.join(INDEX_UP, index_path(name))
                line = {"name": name, "vers": "1.0.0", "deps": [], "cksum": "0" * 64,
                        "features": {}, "yanked": False}
                write_atomic(path, dump([line]))
                t = commit(INDEX_UP, [path], "new crate %s" % name, index_seq)
                add_probe(op, name, "1.0.0", 200, t)
            elif op == "yank":
                path, name, vers = published.pop(0)
                lines = crate_lines(path)
                for l in lines:
                    if l["vers"] == vers:
                        l["yanked"] = True
                write_atomic(path, dump(lines))
                t = commit(INDEX_UP, [path], "yank %s %s" % (name, vers), index_seq)
                add_probe(op, name, vers, "yanked", t)
            else:
                name = candidates.pop()
                path = os.path.join(INDEX_UP, index_path(name))
                line = crate_lines(path)[-1]
                os.unlink(path)
                t = commit(INDEX_UP, [path], "remove %s" % name, index_seq)
                add_probe(op, line["name"], line["vers"], 404, t)
        except (subprocess.CalledProcessError, OSError, ValueError, IndexError) as e:
            problem("index writer, %s: %s" % (op, e))
        next_at += COMMIT_PERIOD
        time.sleep(max(0.0, next_at - time.monotonic()))


def db_writer():
    n = 0
    end = time.monotonic() + SECONDS
    next_at = time.monotonic() + ADV_PERIOD / 2
    while True:
        time.sleep(max(0.0, next_at - time.monotonic()))
        if time.monotonic() >= end:
            break
        n += 1
        name = candidates.pop()
        path = os.path.join(INDEX_UP, index_path(name))
        try:
            line = crate_lines(path)[-1]
            adv = "RUSTSEC-2099-%04d" % (9000 + n)
            rel = "crates/%s/%s.md" % (line["name"], adv)
            write_atomic(os.path.join(DB_UP, rel),
                         '```toml\n[advisory]\nid = "%s"\npackage = "%s"\ndate = "%s"\n\n'
                         '[versions]\npatched = [">= 99999.0.0"]\n```\n\n'
                         "# Soak advisory %d\n\nWritten by the freshness soak.\n"
                         % (adv, line["name"], time.strftime("%Y-%m-%d", time.gmtime()), n))
            t = commit(DB_UP, [rel], "advisory %s" % adv, db_seq)
            add_probe("advisory", line["name"], line["vers"], adv, t)
        except (subprocess.CalledProcessError, OSError, ValueError, IndexError) as e:
            problem("database writer: %s" % e)
        next_at += ADV_PERIOD


def visible(p):
    st, body = get("/api/v1/crates/%s/%s/security" % (p["name"], p["version"]))
    if p["expect"] == 200:
        return st == 200
    if p["expect"] == 404:
        return st == 404
    if p["expect"] == "yanked":
        return st == 200 and '"yanked": true' in body
    return st == 200 and '"%s"' % p["expect"] in body


def prober():
    while not stop.is_set():
        with lock:
            pending = [p for p in probes if p["t_visible"] is None]
        for p in pending:
            if visible(p):
                p["t_visible"] = time.monotonic()
        time.sleep(0.1)


FOOT = re.compile(r"commit/([0-9a-f]{40})\"><code>[0-9a-f]{12}</code></a>.*?registry index: "
                  r"commit ([0-9a-f]{12})", re.S)
checked_order = 0


def seq_of(seqs, short):
    with lock:
        for c, s in seqs.items():
            if c.startswith(short):
                return s
    return -1  # a commit before the soak's


def order_checker():
    global checked_order
    last = (-1, -1)
    crate = sorted(SKIP)[0] if SKIP else "serde"
    while not stop.is_set():
        st, body = get("/healthz")
        if st != 200:
            problem("/healthz answered %d" % st)
            time.sleep(0.5)
            continue
        h = json.loads(body)
        ix = h.get("index") or {}
        now = (seq_of(db_seq, h["commit"]), seq_of(index_seq, ix.get("commit") or "-"))
        with lock:
            # The first generation's figures are the start's whole loads.
            if now[0] > 0:
                apply_ms[("db", h["commit"])] = h.get("load_ms") or 0
            if now[1] > 0:
                apply_ms[("index", ix.get("commit"))] = ix.get("load_ms") or 0
            served[0] = max(served[0], now[1])
        if now[0] < last[0] or now[1] < last[1]:
            problem("/healthz went back: %s after %s" % (now, last))
        last = (max(now[0], last[0]), max(now[1], last[1]))
        st, page = get("/crates/%s" % crate)
        m = FOOT.search(page)
        if st != 200 or not m:
            problem("/crates/%s answered %d without both commits in its footer" % (crate, st))
        else:
            seen = (seq_of(db_seq, m.group(1)), seq_of(index_seq, m.group(2)))
            if seen[0] < now[0] or seen[1] < now[1]:
                problem("a page older than the commits applied before it was asked: page %s, "
                        "/healthz %s" % (seen, now))
            checked_order += 1
        time.sleep(0.05)


served = [0]       # the newest index commit served (its order)
rss_warm = [0]
rss_max = [0]


def rss_sampler():
    """Resident memory once the server has applied two generations of the
    soak's commits (its page cache full again, the heap at its working
    size), and the largest seen."""
    while not stop.is_set():
        kb = rss_kb()
        rss_max[0] = max(rss_max[0], kb)
        with lock:
            applied = len([1 for (k, c) in apply_ms if k == "index"])
        if applied >= 2 and not rss_warm[0]:
            rss_warm[0] = kb
        time.sleep(0.5)


def rss_kb():
    try:
        for l in open("/proc/%d/status" % PID):
            if l.startswith("VmRSS:"):
                return int(l.split()[1])
    except OSError:
        pass
    return 0


# The commits the server starts from come first.
index_seq[git(INDEX_UP, "rev-parse", "HEAD")] = 0
db_seq[git(DB_UP, "rev-parse", "HEAD")] = 0
threads = [threading.Thread(target=f, daemon=True) for f in (prober, order_checker, rss_sampler)]
for t in threads:
    t.start()
time.sleep(2)
writers = [threading.Thread(target=f) for f in (index_writer, db_writer)]
for t in writers:
    t.start()
for t in writers:
    t.join()
# Every change gets its bound to show, then the last ones are judged.
with lock:
    longest_apply = max(apply_ms.values() or [0]) / 1000.0
deadline = time.monotonic() + INTERVAL + longest_apply + SLACK + 5
while time.monotonic() < deadline:
    with lock:
        if all(p["t_visible"] is not None for p in probes):
            break
    time.sleep(0.2)
stop.set()
for t in threads:
    t.join(timeout=15)
rss_after = rss_kb()

with lock:
    longest_apply = max(apply_ms.values() or [0]) / 1000.0
    bound = INTERVAL + longest_apply + SLACK
    lat = []
    for p in probes:
        if p["t_visible"] is None:
            problem("%s %s %s: never visible" % (p["kind"], p["name"], p["version"]))
            continue
        d = p["t_visible"] - p["t_commit"]
        lat.append(d)
        if d > bound:
            problem("%s %s %s: visible after %.1f s (bound %.1f s)"
                    % (p["kind"], p["name"], p["version"], d, bound))
    kinds = {}
    for p in probes:
        kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
    index_applies = sorted(v for (k, c), v in apply_ms.items() if k == "index" and c)
    db_loads = sorted(v for (k, c), v in apply_ms.items() if k == "db")

lat.sort()


def pct(xs, q):
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else 0


print("CHANGES=%d" % len(probes))
print("KINDS=%s" % ",".join("%s:%d" % kv for kv in sorted(kinds.items())))
print("INDEX_COMMITS=%d" % len(index_seq))
print("DB_COMMITS=%d" % len(db_seq))
print("VISIBLE_P50_S=%.2f" % pct(lat, 0.5))
print("VISIBLE_P99_S=%.2f" % pct(lat, 0.99))
print("VISIBLE_MAX_S=%.2f" % (lat[-1] if lat else 0))
print("BOUND_S=%.1f" % bound)
print("INDEX_APPLY_MS_MEDIAN=%.1f" % (statistics.median(index_applies) if index_applies else 0))
print("INDEX_APPLY_MS_MAX=%.1f" % (index_applies[-1] if index_applies else 0))
print("INDEX_GENERATIONS=%d" % len(index_applies))
print("DB_LOAD_MS_MAX=%.1f" % (db_loads[-1] if db_loads else 0))
print("DB_GENERATIONS=%d" % len(db_loads))
print("ORDER_CHECKED=%d" % checked_order)
print("RSS_WARM_KB=%d" % rss_warm[0])
print("RSS_AFTER_KB=%d" % rss_after)
print("RSS_MAX_KB=%d" % rss_max[0])
print("PROBLEMS=%d" % len(problems))
sys.exit(1 if problems else 0)
