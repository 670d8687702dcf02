"""Hot reload, sync, /healthz, /metrics, validators and JSON logs of
`cratesec serve` (issue 6), against clones of the real advisory database.

Usage: reload.py BIN BUNDLE TMPDIR

Two commits of the database are used: NEW (the bundle's head) and OLD (40
commits earlier), and one advisory added between them, so every answer tells
which data served it.
"""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time

BIN, BUNDLE, TMP = sys.argv[1:4]
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s %s" % (name, detail))


def git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


class Server:
    def __init__(self, db, *extra, log=None):
        self.err = open(os.path.join(TMP, "err-%d.log" % time.monotonic_ns()), "w+")
        args = [BIN, "serve", "--db", db, "--listen", "127.0.0.1:0", "--threads", "2",
                "--timeout", "5", "--access-log", log or "none", *extra]
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.p.stdout.readline()
        m = re.match(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if not m:
            self.err.seek(0)
            raise SystemExit("server did not start: %r %s" % (line, self.err.read()))
        self.port = int(m.group(1))

    def get(self, path, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), body

    def health(self):
        st, _, body = self.get("/healthz")
        return json.loads(body)

    def hup_and_wait(self, reloads_before):
        """Sends SIGHUP and waits for the reload to be recorded."""
        self.p.send_signal(signal.SIGHUP)
        return self.wait_for(lambda h: h["reloads"] > reloads_before, "a reload")

    def wait_for(self, pred, what, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            h = self.health()
            if pred(h):
                return h
            time.sleep(0.1)
        raise SystemExit("timed out waiting for %s: %s" % (what, self.health()))

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        rc = self.p.wait(timeout=30)
        check("server exits cleanly (status 0)", rc == 0, "status %d" % rc)
        self.err.seek(0)
        return self.err.read()


# ---- the two commits -------------------------------------------------------
full = os.path.join(TMP, "full")
git("clone", "-q", BUNDLE, full)
NEW = git("rev-parse", "HEAD", cwd=full)
OLD = git("rev-parse", "HEAD~40", cwd=full)
added = [f for f in git("diff", "--name-only", "--diff-filter=A", OLD, NEW, "--", "crates/",
                        cwd=full).splitlines() if f.endswith(".md")]
if not added:
    raise SystemExit("no advisory added between HEAD~40 and HEAD")
ADDED_ID = os.path.basename(added[0])[:-3]
# An advisory file present in both commits, to break.
victim = sorted(f for f in git("ls-files", "crates/", cwd=full).splitlines()
                if f.endswith(".md"))[0]

db = os.path.join(TMP, "db")
git("clone", "-q", full, db)
git("checkout", "-q", OLD, cwd=db)

# ---- reload on SIGHUP --------------------------------------------------------
s = Server(db)
h = s.health()
check("healthz: ok at start", h["status"] == "ok", h)
check("healthz: generation 1", h["generation"] == 1, h)
check("healthz: commit is OLD", h["commit"] == OLD, h)
check("healthz: no reloads yet", h["reloads"] == 0 and h["last_error"] is None, h)


def environ_of(pid):
    with open("/proc/%d/environ" % pid, "rb") as f:
        return [e.decode() for e in f.read().split(b"\0") if e]


# `cratesec serve` gives the server malloc's huge pages (cli/main.c) unless
# GLIBC_TUNABLES is set already.
theirs = os.environ.get("GLIBC_TUNABLES")
check("serve: the server runs with glibc.malloc.hugetlb=1",
      "GLIBC_TUNABLES=" + (theirs or "glibc.malloc.hugetlb=1") in environ_of(s.p.pid),
      [e for e in environ_of(s.p.pid) if e.startswith("GLIBC")])
os.environ["GLIBC_TUNABLES"] = "glibc.malloc.arena_max=2"
s_own = Server(db)
if theirs is None:
    os.environ.pop("GLIBC_TUNABLES")
else:
    os.environ["GLIBC_TUNABLES"] = theirs
check("serve: a GLIBC_TUNABLES of the user's is kept",
      [e for e in environ_of(s_own.p.pid) if e.startswith("GLIBC")] ==
      ["GLIBC_TUNABLES=glibc.malloc.arena_max=2"], environ_of(s_own.p.pid))
s_own.stop()
st, hd, _ = s.get("/healthz")
check("healthz: JSON, not cached", hd.get("content-type", "").startswith("application/json")
      and hd.get("cache-control") == "no-store", hd)
st, _, _ = s.get("/advisories/" + ADDED_ID)
check("OLD data: the later advisory is unknown", st == 404, st)
st, hd, body = s.get("/advisories")
etag_old = hd.get("etag")
check("pages carry an ETag and Cache-Control", bool(etag_old) and "max-age" in
      hd.get("cache-control", ""), hd)
st, hd, body = s.get("/advisories", {"If-None-Match": etag_old})
check("If-None-Match with the current ETag: 304", st == 304 and body == b"", st)
check("page ETags are weak (the footer differs between loads)", etag_old.startswith('W/"'),
      etag_old)
st, hd, body = s.get("/advisories", {"If-None-Match": etag_old[2:]})
check("If-None-Match compares weakly", st == 304, st)
st, hd, body = s.get("/crates/no-such-crate-here-xyz", {"If-None-Match": "*"})
check("If-None-Match: * does not turn a 404 into a 304", st == 404, st)
check("the footer names the commit", OLD[:12].encode() in s.get("/")[2] or
      OLD.encode() in s.get("/")[2])

git("checkout", "-q", NEW, cwd=db)
h = s.hup_and_wait(0)
check("SIGHUP: reloaded to NEW", h["commit"] == NEW and h["generation"] == 2, h)
check("SIGHUP: status ok", h["status"] == "ok" and h["last_error"] is None, h)
check("SIGHUP: swap time recorded", h["last_swap_ms"] >= 0 and h["last_reload_ms"] > 0, h)
st, _, body = s.get("/advisories/" + ADDED_ID)
check("NEW data: the later advisory is served", st == 200, st)
st, hd, _ = s.get("/advisories", {"If-None-Match": etag_old})
check("the old ETag no longer matches after a reload", st == 200 and hd.get("etag") != etag_old,
      (st, hd.get("etag")))
st, _, body = s.get("/")
check("the footer names the new commit", NEW[:12].encode() in body or NEW.encode() in body)

# ---- a half-written checkout keeps the last good data ----------------------
path = os.path.join(db, victim)
with open(path, "r+b") as f:
    f.truncate(30)
h = s.hup_and_wait(1)
check("half-written checkout: degraded", h["status"] == "degraded", h)
check("half-written checkout: the reason names the file",
      h["last_error"] and victim in h["last_error"], h["last_error"])
check("half-written checkout: the reason is the checkout, not the advisory",
      h["last_error"] and "checkout not whole" in h["last_error"]
      and "modified" in h["last_error"], h["last_error"])
check("half-written checkout: still generation 2 on NEW",
      h["generation"] == 2 and h["commit"] == NEW, h)
st, _, _ = s.get("/advisories/" + ADDED_ID)
check("half-written checkout: last good data still served", st == 200, st)
st, _, _ = s.get("/healthz")
check("degraded healthz still answers 200", st == 200, st)

# ---- a committed advisory that does not parse --------------------------------
git("-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qam", "break", cwd=db)
h = s.hup_and_wait(2)
check("broken advisory: degraded", h["status"] == "degraded", h)
check("broken advisory: the reason names file and position",
      h["last_error"] and "no longer load" in h["last_error"] and victim in h["last_error"]
      and ":1:1:" in h["last_error"], h["last_error"])
check("broken advisory: generation unchanged", h["generation"] == 2, h)
st, _, _ = s.get("/advisories/" + ADDED_ID)
check("broken advisory: last good data still served", st == 200, st)

# ---- recovery -------------------------------------------------------------------
git("reset", "-q", "--hard", NEW, cwd=db)
h = s.hup_and_wait(3)
check("recovery: ok again, generation 3", h["status"] == "ok" and h["generation"] == 3
      and h["last_error"] is None, h)

# ---- /metrics ---------------------------------------------------------------------
st, hd, body = s.get("/metrics")
check("metrics: 200 text/plain 0.0.4", st == 200 and
      hd.get("content-type", "").startswith("text/plain; version=0.0.4"), hd)
metrics = {}
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"'
                    r'(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})? (-?[0-9.e+-]+|\+Inf|NaN)$')
bad = []
for line in body.decode().splitlines():
    if line.startswith("# HELP ") or line.startswith("# TYPE "):
        continue
    m = sample.match(line)
    if not m:
        bad.append(line)
        continue
    metrics[m.group(1) + (m.group(2) or "")] = float(m.group(4))
check("metrics: every line is exposition format", not bad, bad[:3])
check("metrics: reloads_total 4", metrics.get("cratesec_reloads_total") == 4, metrics)
check("metrics: reload_failures_total 2",
      metrics.get("cratesec_reload_failures_total") == 2, metrics)
check("metrics: generation 3", metrics.get("cratesec_db_generation") == 3)
check("metrics: requests by code", metrics.get('cratesec_http_requests_total{code="200"}', 0) > 5
      and metrics.get('cratesec_http_requests_total{code="304"}', 0) >= 1, metrics)
buckets = [(k, v) for k, v in metrics.items() if k.startswith(
    "cratesec_http_request_duration_seconds_bucket")]
counts = [v for _, v in buckets]
check("metrics: histogram cumulative", counts == sorted(counts) and len(counts) == 13, buckets)
check("metrics: +Inf bucket equals count",
      metrics.get('cratesec_http_request_duration_seconds_bucket{le="+Inf"}') ==
      metrics.get("cratesec_http_request_duration_seconds_count"))
check("metrics: database age", metrics.get("cratesec_db_age_seconds", -1) > 0)
log = s.stop()
check("the log reports the failed reloads", log.count("reload failed") == 2, log[-500:])

# ---- periodic sync from a remote, and a failing remote ------------------------------
remote = os.path.join(TMP, "remote.git")
git("clone", "-q", "--bare", full, remote)
branch = git("symbolic-ref", "--short", "HEAD", cwd=remote)
git("update-ref", "refs/heads/" + branch, OLD, cwd=remote)
db2 = os.path.join(TMP, "db2")
git("clone", "-q", remote, db2)
access = os.path.join(TMP, "access.jsonl")
s = Server(db2, "--sync-every", "1s", "--log-format", "json", log=access)
check("sync: starts at OLD", s.health()["commit"] == OLD)
git("update-ref", "refs/heads/" + branch, NEW, cwd=remote)
h = s.wait_for(lambda h: h["commit"] == NEW, "the sync to reach NEW")
check("sync: reached NEW", h["status"] == "ok" and h["generation"] >= 2, h)
st, _, _ = s.get("/advisories/" + ADDED_ID)
check("sync: the later advisory is served", st == 200, st)
os.rename(remote, remote + ".gone")
h = s.wait_for(lambda h: h["status"] == "degraded", "the failing remote to be reported")
check("failing remote: reported as a failed sync", "sync failed" in (h["last_error"] or ""), h)
check("failing remote: still serving NEW", h["commit"] == NEW, h)
st, _, _ = s.get("/advisories/" + ADDED_ID)
check("failing remote: last good data still served", st == 200, st)
os.rename(remote + ".gone", remote)
h = s.wait_for(lambda h: h["status"] == "ok", "the remote to be back")
check("remote back: ok again", h["last_error"] is None and h["commit"] == NEW, h)
log = s.stop()

# ---- structured logs ------------------------------------------------------------------
events = [l for l in log.splitlines() if l.strip()]
parsed = []
for l in events:
    try:
        parsed.append(json.loads(l))
    except ValueError:
        check("--log-format json: every event line is JSON", False, l)
check("--log-format json: events have time, level, event, msg",
      parsed and all({"time", "level", "event", "msg"} <= set(p) for p in parsed), parsed[:2])
check("--log-format json: the failed sync is an error event",
      any(p["level"] == "error" and p["event"] == "reload_failed" for p in parsed))
lines = open(access).read().splitlines()
records = [json.loads(l) for l in lines]
check("access log: one JSON object per request", len(records) >= 5, len(records))
check("access log: fields", all({"time", "client", "method", "path", "status", "bytes", "us",
                                 "generation"} <= set(r) for r in records), records[:1])
check("access log: generations change with reloads",
      len(set(r["generation"] for r in records)) >= 2)

print("reload.py: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
