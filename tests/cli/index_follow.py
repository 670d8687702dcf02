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
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import cratesec_server  # noqa: E402
from cratesec_server import index_path  # noqa: E402

BIN, DB_FIXTURE, TMP = sys.argv[1:4]
BUILD = os.path.dirname(os.path.abspath(BIN))
CK = "0" * 64
check = cratesec_server.Checks()
procs = []


def git(*args, cwd=None):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@localhost",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@localhost")
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


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
        p = os.path.join(self.work, index_path(name))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write("".join(l + "\n" for l in lines))

    def remove(self, name):
        del self.files[name]
        os.unlink(os.path.join(self.work, index_path(name)))

    def commit(self, msg):
        git("add", "-A", ".", cwd=self.work)
        git("commit", "-q", "-m", msg, cwd=self.work)
        git("push", "-q", self.bare, "master", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)


def Server(*args):
    return cratesec_server.Server(BUILD, TMP, "server-%d" % len(procs),
                                  ["--threads", "2", "--access-log", "none", *args], procs=procs)


def wait_for(s, pred, what, timeout=30):
    """Seconds until pred() held, or None (a failed check) after `timeout`."""
    start = time.monotonic()
    while time.monotonic() < start + timeout:
        if pred():
            return time.monotonic() - start
        time.sleep(0.05)
    check(False, "in time: " + what, "health: %s" % s.health())
    return None


def stop(s):
    rc = s.stop(timeout=30)
    check(rc == 0, "server exits cleanly", "status %s: %s" % (rc, s.errors()[-1500:]))


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
check(r.returncode == 0 and ("cloned %s at %s" % (up.bare, first)) in r.stdout,
      "sync --index clones", r.stdout + r.stderr)
check(os.path.isfile(os.path.join(index, "3/f/foo")), "the clone has the files")
r = subprocess.run([BIN, "sync", "--index", index, "--db", "x"], capture_output=True, text=True)
check(r.returncode == 2, "sync: --index and --db together is a usage error", r.stderr)

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
check(h["index"]["commit"] == first, "healthz: the index is at the cloned commit", h)
check(default_version(s, "foo") == "1.0.0", "foo 1.0.0 is the default", default_version(s, "foo"))
st, body = s.get("/crates/foo/1.0.0/security")
check("RUSTSEC-2020-0001" in body, "... and RUSTSEC-2020-0001 affects it", body[:300])
st, body = s.get("/advisories/RUSTSEC-2020-0001")
check("app" in body and "tool" in body, "impact: two dependents of foo", body[-2000:])

# A publish: foo 1.2.3 (patched) becomes the default version.
up.put("foo", [line("foo", "1.0.0"), line("foo", "1.2.3")])
c2 = up.commit("publish foo 1.2.3")
t_pub = wait_for(s, lambda: default_version(s, "foo") == "1.2.3",
                 "a new (patched) version becomes the default")
check(s.health()["index"]["commit"] == c2, "healthz: index at the new commit", s.health())
check(t_pub is not None and t_pub < 6,
      "a new version is visible within the interval plus the update", t_pub)

# A yank: the default goes back to 1.0.0.
up.put("foo", [line("foo", "1.0.0"), line("foo", "1.2.3", yanked=True)])
up.commit("yank foo 1.2.3")
wait_for(s, lambda: default_version(s, "foo") == "1.0.0", "a yank moves the default back")
st, body = s.get("/crates/foo")
check("yanked" in body.lower(), "the yanked version is marked", body[:500])

# A new crate depending on foo, and a removed one (tool).
up.put("newbie", [line("newbie", "0.1.0", [("foo", "1")])])
up.remove("tool")
up.commit("newbie, tool removed")
wait_for(s, lambda: s.get("/crates/newbie")[0] == 200, "a new crate is served")
st, body = s.get("/crates/tool")
check("tool" not in body or st == 404 or "not in the registry index" in body,
      "a removed crate is no longer in the index", (st, body[:300]))
st, body = s.get("/advisories/RUSTSEC-2020-0001")
check("newbie" in body and ">tool<" not in body, "impact follows: newbie in, tool out",
      body[-2000:])

# A remote that fails: the last good data stays, /healthz says why.
os.rename(up.bare, up.bare + ".away")
wait_for(s, lambda: s.health()["status"] == "degraded", "a failed index fetch is reported")
h = s.health()
check("index fetch failed" in (h.get("last_error") or ""),
      "healthz: the failure names the index fetch", h)
check(s.get("/crates/newbie")[0] == 200, "pages still served from the last data")
os.rename(up.bare + ".away", up.bare)
wait_for(s, lambda: s.health()["status"] == "ok", "recovers when the remote is back")
stop(s)

# Fetched while serving, not checked out: a restart serves the fetched data.
up.put("late", [line("late", "3.0.0")])
c_late = up.commit("late")
s = Server("--db", db, "--index", index, "--sync-every", "1s")
wait_for(s, lambda: s.get("/crates/late")[0] == 200, "the first sync brings 'late'")
stop(s)
check(not os.path.exists(os.path.join(index, "la/te/late")),
      "the server did not move the checkout")
s = Server("--db", db, "--index", index)
check(s.health()["index"]["commit"] == c_late and s.get("/crates/late")[0] == 200,
      "restart: the fetched commit is served (checkout + applied)", s.health())
stop(s)

# cratesec sync --index moves the checkout to the fetched commit.
r = subprocess.run([BIN, "sync", "--index", index, "-q"], capture_output=True, text=True)
check(r.returncode == 0 and os.path.isfile(os.path.join(index, "la/te/late")) and
      not os.path.exists(os.path.join(index, index_path("tool"))),
      "sync --index updates the checkout", r.stdout + r.stderr)

# A fetched commit whose tree nests directories 100,000 deep (as a hostile
# repository may).  No crate file of the layout is deeper than two
# directories, and a load never looks deeper; the update's walk of the two
# commits' trees recursed per level and overflowed the stack (a crash).  Now
# it does not go below the layout: the server starts, serves the fetched
# commit, and the junk is not served.
head = git("rev-parse", "HEAD", cwd=index)
c_deep = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "..", "data", "deep-tree-commit.py"),
                         index, "", "100000", line("deep", "1.0.0") + "\n"],
                        check=True, capture_output=True, text=True).stdout.strip()
git("update-ref", "refs/remotes/origin/master", c_deep, cwd=index)
try:
    s = Server("--db", db, "--index", index)
except SystemExit as e:  # it crashed while starting
    s = None
    check(False, "a fetched tree 100,000 directories deep: the server starts", e)
if s:
    h = s.health()
    check(h.get("index", {}).get("commit") == c_deep and s.get("/crates/late")[0] == 200 and
          s.get("/crates/deep")[0] == 404,
          "a fetched tree 100,000 directories deep: the update serves the commit, without the "
          "junk", "%s %s" % (h, s.errors()[-600:]))
    stop(s)
git("update-ref", "refs/remotes/origin/master", head, cwd=index)

# A fetched object damaged on disk (a flipped byte in its zlib stream): the
# update that reads it fails with the repository named, rather than serving
# a crate file cut short.  libgit2 does not hash objects again as it reads
# them (lib/git/gittime.c); zlib's checksum is what catches this.
up.put("foo", up.files["foo"] + [line("foo", "1.2.4")])
c_bad = up.commit("foo 1.2.4, to be damaged")
git("-c", "fetch.unpackLimit=1000", "fetch", "-q", "origin", cwd=index)
blob = git("rev-parse", "%s:%s" % (c_bad, index_path("foo")), cwd=index)
loose = os.path.join(index, ".git", "objects", blob[:2], blob[2:])
os.chmod(loose, 0o644)
with open(loose, "r+b") as f:
    data = bytearray(f.read())
    data[len(data) // 2] ^= 0x55
    f.seek(0)
    f.write(data)
try:
    r = subprocess.run([BIN, "serve", "--db", db, "--index", index, "--listen", "127.0.0.1:0",
                        "--access-log", "none"], capture_output=True, text=True, timeout=60)
    outcome = (r.returncode, r.stderr)
except subprocess.TimeoutExpired:
    outcome = (None, "still serving after 60 s")
check(outcome[0] not in (0, None) and "cannot read a blob of the index" in outcome[1] and
      index in outcome[1], "a damaged object fails the index load, naming the repository",
      outcome)

print("index_follow: %d passed, %d failed" % (check.passed, check.failed))
sys.exit(1 if check.failed else 0)
