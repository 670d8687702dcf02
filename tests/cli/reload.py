"""Hot reload, sync, /healthz, /metrics, validators and JSON logs of
`cratesec serve` (issue 6), against clones of the real advisory database.

Usage: reload.py BIN BUNDLE TMPDIR

Two commits of the database are used: NEW (the bundle's head) and OLD (40
commits earlier), and one advisory added between them, so every answer tells
which data served it.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import cratesec_server  # noqa: E402

BIN, BUNDLE, TMP = sys.argv[1:4]
check = cratesec_server.Checks()


def git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


class Server(cratesec_server.Server):
    """`cratesec serve --db DB` (the command, so that what it adds to the
    server's environment is tested), with reloads waited for."""

    def __init__(self, db, *extra, log=None):
        super().__init__(os.path.dirname(BIN), TMP, "serve-%d" % time.monotonic_ns(),
                         ["--db", db, "--threads", "2", "--timeout", "5", "--access-log",
                          log or "none", *extra], program=[BIN, "serve"])
        self.p = self.proc

    def get(self, path, headers=None):
        """(status, headers with lower-case names, body as bytes)."""
        st, h, body = self.request("GET", path, headers=headers, timeout=30)
        return st, dict((k.lower(), v) for k, v in h.items()), body

    def health(self):
        return json.loads(self.get("/healthz")[2])

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
        """Stops the server, checks it exited cleanly; returns its stderr."""
        rc = super().stop(timeout=30)
        check(rc == 0, "server exits cleanly (status 0)", "status %s" % rc)
        return self.errors()


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
check(h["status"] == "ok", "healthz: ok at start", h)
check(h["generation"] == 1, "healthz: generation 1", h)
check(h["commit"] == OLD, "healthz: commit is OLD", h)
check(h["reloads"] == 0 and h["last_error"] is None, "healthz: no reloads yet", h)


def environ_of(pid):
    with open("/proc/%d/environ" % pid, "rb") as f:
        return [e.decode() for e in f.read().split(b"\0") if e]


# `cratesec serve` gives the server malloc's huge pages (cli/main.c) unless
# GLIBC_TUNABLES is set already.
theirs = os.environ.get("GLIBC_TUNABLES")
check("GLIBC_TUNABLES=" + (theirs or "glibc.malloc.hugetlb=1") in environ_of(s.p.pid),
      "serve: the server runs with glibc.malloc.hugetlb=1",
      [e for e in environ_of(s.p.pid) if e.startswith("GLIBC")])
os.environ["GLIBC_TUNABLES"] = "glibc.malloc.arena_max=2"
s_own = Server(db)
if theirs is None:
    os.environ.pop("GLIBC_TUNABLES")
else:
    os.environ["GLIBC_TUNABLES"] = theirs
check([e for e in environ_of(s_own.p.pid) if e.startswith("GLIBC")] ==
      ["GLIBC_TUNABLES=glibc.malloc.arena_max=2"],
      "serve: a GLIBC_TUNABLES of the user's is kept", environ_of(s_own.p.pid))
s_own.stop()
st, hd, _ = s.get("/healthz")
check(hd.get("content-type", "").startswith("application/json")
      and hd.get("cache-control") == "no-store", "healthz: JSON, not cached", hd)
st, _, _ = s.get("/advisories/" + ADDED_ID)
check(st == 404, "OLD data: the later advisory is unknown", st)
st, hd, body = s.get("/advisories")
etag_old = hd.get("etag")
check(bool(etag_old) and "max-age" in
      hd.get("cache-control", ""), "pages carry an ETag and Cache-Control", hd)
st, hd, body = s.get("/advisories", {"If-None-Match": etag_old})
check(st == 304 and body == b"", "If-None-Match with the current ETag: 304", st)
check(etag_old.startswith('W/"'), "page ETags are weak (the footer differs between loads)",
      etag_old)
st, hd, body = s.get("/advisories", {"If-None-Match": etag_old[2:]})
check(st == 304, "If-None-Match compares weakly", st)
st, hd, body = s.get("/crates/no-such-crate-here-xyz", {"If-None-Match": "*"})
check(st == 404, "If-None-Match: * does not turn a 404 into a 304", st)
check(OLD[:12].encode() in s.get("/")[2] or
      OLD.encode() in s.get("/")[2], "the footer names the commit")

git("checkout", "-q", NEW, cwd=db)
h = s.hup_and_wait(0)
check(h["commit"] == NEW and h["generation"] == 2, "SIGHUP: reloaded to NEW", h)
check(h["status"] == "ok" and h["last_error"] is None, "SIGHUP: status ok", h)
check(h["last_swap_ms"] >= 0 and h["last_reload_ms"] > 0, "SIGHUP: swap time recorded", h)
st, _, body = s.get("/advisories/" + ADDED_ID)
check(st == 200, "NEW data: the later advisory is served", st)
st, hd, _ = s.get("/advisories", {"If-None-Match": etag_old})
check(st == 200 and hd.get("etag") != etag_old, "the old ETag no longer matches after a reload",
      (st, hd.get("etag")))
st, _, body = s.get("/")
check(NEW[:12].encode() in body or NEW.encode() in body, "the footer names the new commit")

# ---- a half-written checkout keeps the last good data ----------------------
path = os.path.join(db, victim)
with open(path, "r+b") as f:
    f.truncate(30)
h = s.hup_and_wait(1)
check(h["status"] == "degraded", "half-written checkout: degraded", h)
check(h["last_error"] and victim in h["last_error"],
      "half-written checkout: the reason names the file", h["last_error"])
check(h["last_error"] and "checkout not whole" in h["last_error"]
      and "modified" in h["last_error"],
      "half-written checkout: the reason is the checkout, not the advisory", h["last_error"])
check(h["generation"] == 2 and h["commit"] == NEW,
      "half-written checkout: still generation 2 on NEW", h)
st, _, _ = s.get("/advisories/" + ADDED_ID)
check(st == 200, "half-written checkout: last good data still served", st)
st, _, _ = s.get("/healthz")
check(st == 200, "degraded healthz still answers 200", st)

# ---- a committed advisory that does not parse --------------------------------
git("-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qam", "break", cwd=db)
h = s.hup_and_wait(2)
check(h["status"] == "degraded", "broken advisory: degraded", h)
check(h["last_error"] and "no longer load" in h["last_error"] and victim in h["last_error"]
      and ":1:1:" in h["last_error"],
      "broken advisory: the reason names file and position", h["last_error"])
check(h["generation"] == 2, "broken advisory: generation unchanged", h)
st, _, _ = s.get("/advisories/" + ADDED_ID)
check(st == 200, "broken advisory: last good data still served", st)

# ---- recovery -------------------------------------------------------------------
git("reset", "-q", "--hard", NEW, cwd=db)
h = s.hup_and_wait(3)
check(h["status"] == "ok" and h["generation"] == 3
      and h["last_error"] is None, "recovery: ok again, generation 3", h)

# ---- /metrics ---------------------------------------------------------------------
st, hd, body = s.get("/metrics")
check(st == 200 and
      hd.get("content-type", "").startswith("text/plain; version=0.0.4"), "metrics: 200 text/plain 0.0.4", hd)
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
check(not bad, "metrics: every line is exposition format", bad[:3])
check(metrics.get("cratesec_reloads_total") == 4, "metrics: reloads_total 4", metrics)
check(metrics.get("cratesec_reload_failures_total") == 2,
      "metrics: reload_failures_total 2", metrics)
check(metrics.get("cratesec_db_generation") == 3, "metrics: generation 3")
check(metrics.get('cratesec_http_requests_total{code="200"}', 0) > 5
      and metrics.get('cratesec_http_requests_total{code="304"}', 0) >= 1, "metrics: requests by code", metrics)
buckets = [(k, v) for k, v in metrics.items() if k.startswith(
    "cratesec_http_request_duration_seconds_bucket")]
counts = [v for _, v in buckets]
check(counts == sorted(counts) and len(counts) == 13, "metrics: histogram cumulative", buckets)
check(metrics.get('cratesec_http_request_duration_seconds_bucket{le="+Inf"}') ==
      metrics.get("cratesec_http_request_duration_seconds_count"),
      "metrics: +Inf bucket equals count")
check(metrics.get("cratesec_db_age_seconds", -1) > 0, "metrics: database age")
log = s.stop()
check(log.count("reload failed") == 2, "the log reports the failed reloads", log[-500:])

# ---- periodic sync from a remote, and a failing remote ------------------------------
remote = os.path.join(TMP, "remote.git")
git("clone", "-q", "--bare", full, remote)
branch = git("symbolic-ref", "--short", "HEAD", cwd=remote)
git("update-ref", "refs/heads/" + branch, OLD, cwd=remote)
db2 = os.path.join(TMP, "db2")
git("clone", "-q", remote, db2)
access = os.path.join(TMP, "access.jsonl")
s = Server(db2, "--sync-every", "1s", "--log-format", "json", log=access)
check(s.health()["commit"] == OLD, "sync: starts at OLD")
git("update-ref", "refs/heads/" + branch, NEW, cwd=remote)
h = s.wait_for(lambda h: h["commit"] == NEW, "the sync to reach NEW")
check(h["status"] == "ok" and h["generation"] >= 2, "sync: reached NEW", h)
st, _, _ = s.get("/advisories/" + ADDED_ID)
check(st == 200, "sync: the later advisory is served", st)
os.rename(remote, remote + ".gone")
h = s.wait_for(lambda h: h["status"] == "degraded", "the failing remote to be reported")
check("sync failed" in (h["last_error"] or ""), "failing remote: reported as a failed sync", h)
check(h["commit"] == NEW, "failing remote: still serving NEW", h)
st, _, _ = s.get("/advisories/" + ADDED_ID)
check(st == 200, "failing remote: last good data still served", st)
os.rename(remote + ".gone", remote)
h = s.wait_for(lambda h: h["status"] == "ok", "the remote to be back")
check(h["last_error"] is None and h["commit"] == NEW, "remote back: ok again", h)
log = s.stop()

# ---- structured logs ------------------------------------------------------------------
events = [l for l in log.splitlines() if l.strip()]
parsed = []
for l in events:
    try:
        parsed.append(json.loads(l))
    except ValueError:
        check(False, "--log-format json: every event line is JSON", l)
check(parsed and all({"time", "level", "event", "msg"} <= set(p) for p in parsed),
      "--log-format json: events have time, level, event, msg", parsed[:2])
check(any(p["level"] == "error" and p["event"] == "reload_failed" for p in parsed),
      "--log-format json: the failed sync is an error event")
lines = open(access).read().splitlines()
records = [json.loads(l) for l in lines]
check(len(records) >= 5, "access log: one JSON object per request", len(records))
check(all({"time", "client", "method", "path", "status", "bytes", "us",
                                 "generation"} <= set(r) for r in records), "access log: fields", records[:1])
check(len(set(r["generation"] for r in records)) >= 2,
      "access log: generations change with reloads")

print("reload.py: %d passed, %d failed" % (check.passed, check.failed))
sys.exit(1 if check.failed else 0)
