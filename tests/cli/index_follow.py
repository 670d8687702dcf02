"""A registry index followed with git (issue 13, part 2): `cratesec sync
--index` clones and updates a checkout, and `cratesec serve --index DIR
--sync-every` fetches it and applies each new commit's changed crate files
while serving: new versions, yanks, new crates and removed crates appear
within one sync interval plus the update, the reverse dependencies follow,
a failing remote keeps the last good data (and says so in /healthz), and a
restart after fetches serves the fetched commit.

Usage: index_follow.py BIN DB_FIXTURE TMPDIR

Everything is local: a bare "upstream" repository that the test commits to,
and the fixture advisory database (tests/data/db) as a git checkout.
"""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

BIN, DB_FIXTURE, TMP = sys.argv[1:4]
passed = failed = 0
CK = "0" * 64


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s %s" % (name, detail))


def git(*args, cwd=None):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@localhost",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@localhost")
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


def path_of(name):
    n = name.lower()
    if len(n) <= 2:
        return "%d/%s" % (len(n), n)
    if len(n) == 3:
        return "3/%s/%s" % (n[0], n)
    return "%s/%s/%s" % (n[:2], n[2:4], n)


def line(name, vers, deps=(), yanked=False):
    return json.dumps({"name": name, "vers": vers, "deps": [
        {"name": d, "req": r, "features": [], "optional": False, "default_features": True,
         "target": None, "kind": "normal"} for d, r in deps],
        "cksum": CK, "features": {}, "yanked": yanked}, separators=(",", ":"))


class Upstream:
    """A working repository whose commits are pushed to a bare one."""

    def __init__(self):
        self.bare = os.path.join(TMP, "upstream.git")
        self.work = os.path.join(TMP, "upstream-work")
        git("init", "-q", "--bare", "-b", "master", self.bare)
        git("init", "-q", "-b", "master", self.work)
        self.files = {}

    def put(self, name, lines):
        self.files[name] = lines
        p = os.path.join(self.work, path_of(name))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write("".join(l + "\n" for l in lines))

    def remove(self, name):
        del self.files[name]
        os.unlink(os.path.join(self.work, path_of(name)))

    def commit(self, msg):
        git("add", "-A", ".", cwd=self.work)
        git("commit", "-q", "-m", msg, cwd=self.work)
        git("push", "-q", self.bare, "master", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)


class Server:
    def __init__(self, *args):
        self.err = open(os.path.join(TMP, "err-%d.log" % time.monotonic_ns()), "w+")
        self.p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--threads", "2",
                                   "--access-log", "none", *args],
                                  stdout=subprocess.PIPE, stderr=self.err, text=True)
        first = self.p.stdout.readline()
        m = re.match(r"listening on http://127\.0\.0\.1:(\d+)", first)
        if not m:
            self.err.seek(0)
            raise SystemExit("server did not start: %r %s" % (first, self.err.read()))
        self.port = int(m.group(1))

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read().decode("utf-8", "replace")
        c.close()
        return r.status, body

    def health(self):
        return json.loads(self.get("/healthz")[1])

    def wait_for(self, pred, what, timeout=30):
        end = time.monotonic() + timeout
        start = time.monotonic()
        while time.monotonic() < end:
            if pred():
                return time.monotonic() - start
            time.sleep(0.05)
        check("in time: " + what, False, "health: %s" % self.health())
        return None

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        rc = self.p.wait(timeout=30)
        self.err.seek(0)
        text = self.err.read()
        check("server exits cleanly", rc == 0, "status %d: %s" % (rc, text[-1500:]))
        return text


def default_version(s, name):
    """The version the crate page selects by default (its heading)."""
    st, body = s.get("/crates/%s" % name)
    m = re.search(r'<h1>%s <span class="muted">([^<]+)</span>' % re.escape(name), body)
    return m.group(1) if st == 200 and m else None


# ---- the upstream: foo (an advisory affects >= 0.5, < 1.2.3), its users ----
up = Upstream()
up.put("foo", [line("foo", "1.0.0")])
up.put("app", [line("app", "0.1.0", [("foo", "^1")])])
up.put("tool", [line("tool", "2.0.0", [("foo", "^1.0")])])
with open(os.path.join(up.work, "config.json"), "w") as f:
    f.write('{"dl": "https://dl.example/api/v1/crates"}\n')
first = up.commit("first")

# ---- cratesec sync --index: clone, then update ------------------------------
index = os.path.join(TMP, "index")
r = subprocess.run([BIN, "sync", "--index", index, "--url", up.bare, "-q"], capture_output=True,
                   text=True)
check("sync --index clones", r.returncode == 0 and ("cloned %s at %s" % (up.bare, first))
      in r.stdout, r.stdout + r.stderr)
check("the clone has the files", os.path.isfile(os.path.join(index, "3/f/foo")))
r = subprocess.run([BIN, "sync", "--index", index, "--db", "x"], capture_output=True, text=True)
check("sync: --index and --db together is a usage error", r.returncode == 2, r.stderr)

# The database: the fixture as a git checkout with an origin (the server
# syncs it too).
db_up = os.path.join(TMP, "db-upstream")
shutil.copytree(DB_FIXTURE, db_up)
git("init", "-q", "-b", "main", db_up)
git("add", "-A", ".", cwd=db_up)
git("commit", "-q", "-m", "db", cwd=db_up)
db = os.path.join(TMP, "db")
git("clone", "-q", db_up, db)

s = Server("--db", db, "--index", index, "--sync-every", "1s")
h = s.health()
check("healthz: the index is at the cloned commit", h["index"]["commit"] == first, h)
check("foo 1.0.0 is the default", default_version(s, "foo") == "1.0.0", default_version(s, "foo"))
st, body = s.get("/crates/foo/1.0.0/security")
check("... and RUSTSEC-2020-0001 affects it", "RUSTSEC-2020-0001" in body, body[:300])
st, body = s.get("/advisories/RUSTSEC-2020-0001")
check("impact: two dependents of foo", "app" in body and "tool" in body, body[-2000:])

# A publish: foo 1.2.3 (patched) becomes the default version.
up.put("foo", [line("foo", "1.0.0"), line("foo", "1.2.3")])
c2 = up.commit("publish foo 1.2.3")
t_pub = s.wait_for(lambda: default_version(s, "foo") == "1.2.3",
                   "a new (patched) version becomes the default")
check("healthz: index at the new commit", s.health()["index"]["commit"] == c2, s.health())
check("a new version is visible within the interval plus the update",
      t_pub is not None and t_pub < 6, t_pub)

# A yank: the default goes back to 1.0.0.
up.put("foo", [line("foo", "1.0.0"), line("foo", "1.2.3", yanked=True)])
up.commit("yank foo 1.2.3")
s.wait_for(lambda: default_version(s, "foo") == "1.0.0", "a yank moves the default back")
st, body = s.get("/crates/foo")
check("the yanked version is marked", "yanked" in body.lower(), body[:500])

# A new crate depending on foo, and a removed one (tool).
up.put("newbie", [line("newbie", "0.1.0", [("foo", "1")])])
up.remove("tool")
up.commit("newbie, tool removed")
s.wait_for(lambda: s.get("/crates/newbie")[0] == 200, "a new crate is served")
st, body = s.get("/crates/tool")
check("a removed crate is no longer in the index", "tool" not in body or st == 404
      or "not in the registry index" in body, (st, body[:300]))
st, body = s.get("/advisories/RUSTSEC-2020-0001")
check("impact follows: newbie in, tool out", "newbie" in body and ">tool<" not in body,
      body[-2000:])

# A remote that fails: the last good data stays, /healthz says why.
os.rename(up.bare, up.bare + ".away")
s.wait_for(lambda: s.health()["status"] == "degraded", "a failed index fetch is reported")
h = s.health()
check("healthz: the failure names the index fetch", "index fetch failed" in
      (h.get("last_error") or ""), h)
check("pages still served from the last data", s.get("/crates/newbie")[0] == 200)
os.rename(up.bare + ".away", up.bare)
s.wait_for(lambda: s.health()["status"] == "ok", "recovers when the remote is back")
s.stop()

# Fetched while serving, not checked out: a restart serves the fetched data.
up.put("late", [line("late", "3.0.0")])
c_late = up.commit("late")
s = Server("--db", db, "--index", index, "--sync-every", "1s")
s.wait_for(lambda: s.get("/crates/late")[0] == 200, "the first sync brings 'late'")
s.stop()
check("the server did not move the checkout",
      not os.path.exists(os.path.join(index, "la/te/late")))
s = Server("--db", db, "--index", index)
check("restart: the fetched commit is served (checkout + applied)",
      s.health()["index"]["commit"] == c_late and s.get("/crates/late")[0] == 200,
      s.health())
s.stop()

# cratesec sync --index moves the checkout to the fetched commit.
r = subprocess.run([BIN, "sync", "--index", index, "-q"], capture_output=True, text=True)
check("sync --index updates the checkout", r.returncode == 0 and
      os.path.isfile(os.path.join(index, "la/te/late")) and
      not os.path.exists(os.path.join(index, path_of("tool"))), r.stdout + r.stderr)

print("index_follow: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
