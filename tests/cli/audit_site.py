#!/usr/bin/env python3
"""tests/cli/audit_site.py BUILD_DIR DB - the audit on the site (/audit,
/api/v1/audit) against `cratesec audit`, on the real advisory database DB
with the index fixture of tests/data/lockfiles (libc 0.2.100 is yanked):

  same       POST /api/v1/audit answers exactly `cratesec audit --json`
             for every fixture lockfile, SARIF exactly `--format sarif`
             (Accept: application/sarif+json), as a raw body or a multipart
             form; the stored report (GET /api/v1/audit/ID) the same again
  errors     every malformed fixture: 400 with the line and column the
             command line reports; the form page shows them with the line
  limits     5 MiB + 1 byte, 20,001 packages: 413 with the reason; a body
             past the transport limit: 413; 20,000 packages under 5 MiB:
             audited; deep nesting, NUL bytes, bad UTF-8, an empty body, a
             5 MiB line: 400 with a position; never a 5xx
  pages      the form, paste (CRLF from a textarea) and upload of one file
             give one report address (the SHA-256 of the file); the report
             names the database commit, marks direct dependencies from a
             Cargo.toml and lists the yanked version
  no state   a state that cannot be opened: reports are still shown (not
             kept), watches answer 503, /healthz says why
Ends with "audit_site: N passed, N failed".
"""
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import cratesec_server  # noqa: E402

B = os.path.abspath(sys.argv[1])
DB = os.path.abspath(sys.argv[2])
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
L = os.path.join(ROOT, "tests/data/lockfiles")
INDEX = os.path.join(L, "index")
TMP = tempfile.mkdtemp(prefix="cratesec-audit-site.")
procs = []


check = cratesec_server.Checks()


def Server(name, args):
    return cratesec_server.Server(B, TMP, name, args + ["--threads", "2"], procs=procs)


def cli(*args, cwd=None):
    return subprocess.run([os.path.join(B, "cratesec")] + list(args), capture_output=True,
                          cwd=cwd)


def multipart(fields):
    boundary = "----cratesec-audit-site"
    out = b""
    for name, value, filename in fields:
        disp = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else "")
        out += b"--" + boundary.encode() + b"\r\nContent-Disposition: " + disp.encode() + b"\r\n\r\n"
        out += value + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return out, {"Content-Type": "multipart/form-data; boundary=" + boundary}


server = Server("server", ["--db", DB, "--index", INDEX, "--state", os.path.join(TMP, "state")])

# ---- the same answers as the command line ----

lockfiles = sorted(f for f in os.listdir(L) if f.endswith(".lock"))
check(len(lockfiles) >= 5, "fixture lockfiles", lockfiles)
for name in lockfiles:
    text = open(os.path.join(L, name), "rb").read()
    want = cli("audit", "-q", "--json", "--db", DB, "--index", INDEX, os.path.join(L, name))
    st, h, body = server.request("POST", "/api/v1/audit", text, {"Content-Type": "text/plain"})
    check(st == 200 and json.loads(body) == json.loads(want.stdout),
          "%s: the API's JSON is cratesec audit --json" % name, (st, body[:300]))
    rid = hashlib.sha256(text).hexdigest()
    check(h.get("Link", "").startswith("</audit/%s>" % rid), "%s: Link to the report page" % name, h)
    # SARIF, with the lockfile as the command line names it (Cargo.lock).
    work = os.path.join(TMP, "sarif-" + name)
    os.makedirs(work)
    shutil.copy(os.path.join(L, name), os.path.join(work, "Cargo.lock"))
    want = cli("audit", "-q", "--format", "sarif", "--db", DB, "--index", INDEX, "Cargo.lock", cwd=work)
    st, h, body = server.request("POST", "/api/v1/audit", text,
                                 {"Accept": "application/sarif+json"})
    check(st == 200 and h.get("Content-Type") == "application/sarif+json" and
          json.loads(body) == json.loads(want.stdout), "%s: SARIF is --format sarif" % name,
          (st, body[:200]))
    # Stored: the same again.
    st, h, body = server.request("GET", "/api/v1/audit/" + rid)
    want = cli("audit", "-q", "--json", "--db", DB, "--index", INDEX, os.path.join(L, name))
    check(st == 200 and json.loads(body) == json.loads(want.stdout), "%s: GET the stored report" % name, st)

app = open(os.path.join(L, "v3-app.lock"), "rb").read()
form, hdr = multipart([("lockfile", app, "Cargo.lock")])
st, h, body = server.request("POST", "/api/v1/audit", form, hdr)
check(st == 200 and json.loads(body)["vulnerabilities"]["count"] > 0, "multipart to the API", (st, body[:200]))
check(any(w["kind"] == "yanked" for w in json.loads(body)["warnings"].get("yanked", [])) or
      "yanked" in json.loads(body)["warnings"], "the yanked version is a warning (index fixture)",
      json.loads(body)["warnings"].keys())

# ---- errors: the command line's positions ----

for name in sorted(os.listdir(os.path.join(L, "malformed"))):
    path = os.path.join(L, "malformed", name)
    r = cli("audit", "--db", "/nonexistent", path)
    m = re.search(r":(\d+):(\d+): (.*)", r.stderr.decode())
    st, h, body = server.request("POST", "/api/v1/audit", open(path, "rb").read())
    try:
        j = json.loads(body)
    except ValueError:
        j = {}
    check(st == 400 and m and j.get("line") == int(m.group(1)) and j.get("column") == int(m.group(2))
          and m.group(3) in j.get("message", ""),
          "%s: 400 at the command line's line and column" % name, (st, j, r.stderr[:200]))

# ---- limits and hostile input ----

def api(body, headers=None):
    st, h, b = server.request("POST", "/api/v1/audit", body, headers or {})
    try:
        return st, json.loads(b)
    except ValueError:
        return st, {"raw": b[:200]}


st, j = api(b"#" * (5 * 1024 * 1024 + 1))
check(st == 413 and "5 MiB" in j.get("message", ""), "5 MiB + 1 byte: 413", (st, j))
# Past the transport limit: refused from the headers, before the body.
s = socket.create_connection(("127.0.0.1", server.port))
s.sendall(b"POST /api/v1/audit HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (9 << 20))
head = s.recv(4096)
s.close()
check(head.startswith(b"HTTP/1.1 413"), "past the request body limit: 413", head[:100])


def lock_of(n):
    src = "registry+https://github.com/rust-lang/crates.io-index"
    parts = ["version = 3\n"]
    for i in range(n):
        parts.append('[[package]]\nname = "c%d"\nversion = "1.0.0"\nsource = "%s"\n' % (i, src))
    return "\n".join(parts).encode()


big = lock_of(20001)
st, j = api(big)
check(st == 413 and "20001 packages" in j.get("message", ""), "20,001 packages: 413", (st, j))
big = lock_of(20000)
check(len(big) < 5 * 1024 * 1024, "20,000 packages fit in 5 MiB", len(big))
t0 = time.time()
st, j = api(big)
dt = time.time() - t0
check(st == 200 and j["lockfile"]["dependency-count"] == 20000, "20,000 packages: audited", (st, str(j)[:200]))
print("audit_site.py: 20,000 packages (%.1f MB) audited in %.2f s" % (len(big) / 1e6, dt))
hostile = {
    "deep nesting": b"x = " + b"[" * 100000,
    "deep inline tables": b"x = " + b"{a = " * 50000,
    "NUL byte": b'version = 3\n[[package]]\nname = "a\x00b"\n',
    "invalid UTF-8": b'version = 3\n# \xff\xfe\n[[package]]\nname = "a"\n',
    "empty": b"",
    "one long line": b"a" * (5 * 1024 * 1024 - 10),
    "no packages, wrong types": b"version = \"three\"\n",
    "duplicate keys": b'version = 3\nversion = 3\n',
}
for what, body in hostile.items():
    st, j = api(body)
    check(st == 400 and "message" in j and (what == "empty" or j.get("line", 0) >= 1),
          "%s: 400 with a position" % what, (st, j))
# A chunked body past the limit: the connection is dropped, the server lives.
s = socket.create_connection(("127.0.0.1", server.port))
s.sendall(b"POST /api/v1/audit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
try:
    chunk = b"%x\r\n%s\r\n" % (1 << 20, b"#" * (1 << 20))
    for _ in range(12):
        s.sendall(chunk)
except OSError:
    pass
s.close()
st, h, body = server.request("GET", "/healthz")
check(st == 200, "alive after a chunked body past the limit", st)

# ---- the pages ----

st, h, page = server.request("GET", "/audit")
page = page.decode()
check(st == 200 and 'enctype="multipart/form-data"' in page and 'name="lockfile_file"' in page,
      "the form", st)
# A textarea sends CRLF line ends; an upload sends the file as it is.
text = app.decode()
form, hdr = multipart([("lockfile", text.replace("\n", "\r\n").encode(), None),
                       ("lockfile_file", b"", "")])
st, h, _ = server.request("POST", "/audit", form, hdr)
paste = h.get("Location")
form, hdr = multipart([("lockfile", b"", None), ("lockfile_file", app, "Cargo.lock")])
st2, h, _ = server.request("POST", "/audit", form, hdr)
upload = h.get("Location")
check(st == 303 and st2 == 303 and paste == upload == "/audit/" + hashlib.sha256(app).hexdigest(),
      "paste and upload: one report, named by the file's SHA-256", (st, st2, paste, upload))
st, h, page = server.request("GET", upload or "/audit/x")
page = page.decode()
# A report depends on the state (kept or dropped, the watch form), not only
# on the data and the path: it is rendered each time, never a cached page
# (whose validator is the data's).
st_again, h_again, _ = server.request("GET", upload or "/audit/x")
has_etag = lambda hd: any(k.lower() == "etag" for k in hd)
check(st == 200 and not has_etag(h) and not has_etag(h_again),
      "a report is not kept in the page cache", (h, h_again))
commit = subprocess.run(["git", "-C", DB, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
j = json.loads(cli("audit", "-q", "--json", "--db", DB, "--index", INDEX, os.path.join(L, "v3-app.lock")).stdout)
check(st == 200 and commit[:12] in page and "Checked against" in page, "the report names the commit", st)
nv = j["vulnerabilities"]["count"]
check(page.count('class="adv finding affects"') == nv and "Vulnerabilities (%d)" % nv in page,
      "the report lists the command line's %d vulnerabilities" % nv)
check("Yanked" in page and "libc 0.2.100" in page, "the yanked version is listed")
check("Path from the root" in page and '<ol class="path">' in page, "each finding has its path")
# With the Cargo.toml: direct dependencies marked.
manifest = b'[package]\nname = "myapp"\nversion = "0.1.0"\n\n[dependencies]\narrayfire = "3"\n\n[dev-dependencies]\nchrono = "0.4"\n'
form, hdr = multipart([("lockfile_file", app, "Cargo.lock"), ("manifest", manifest, None)])
st, h, _ = server.request("POST", "/audit", form, hdr)
loc = h.get("Location", "")
check(st == 303 and re.fullmatch(r"/audit/[0-9a-f]{64}-[0-9a-f]{16}", loc), "with a Cargo.toml: its own address", loc)
st, h, page = server.request("GET", loc)
page = page.decode()
check("direct dependency" in page and "direct dev-dependency" in page,
      "direct dependencies are marked, with their kind", re.findall(r'tag-direct">[^<]*', page))
# Errors on the page: where, and the line itself.
bad = open(os.path.join(L, "malformed", "bad-version.lock"), "rb").read()
form, hdr = multipart([("lockfile", bad, None)])
st, h, page = server.request("POST", "/audit", form, hdr)
page = page.decode()
check(st == 400 and 'role="alert"' in page and "line 5, column 16" in page and "<mark>" in page,
      "a bad lockfile: 400, the position and the line", (st, page[page.find("alert"):][:300]))
check("0.1.045" in page, "the pasted text is given back", None)
# Bytes that are not UTF-8 come back as text (U+FFFD), never raw (found by fuzz_form).
form, hdr = multipart([("lockfile", b'version = 3\n\xff\xfe [[package]]\n', None)])
st, h, page = server.request("POST", "/audit", form, hdr)
try:
    page.decode("utf-8")
    utf8 = True
except UnicodeDecodeError:
    utf8 = False
check(st == 400 and utf8 and "\ufffd".encode() in page, "a page echoing bad bytes stays UTF-8", st)
form, hdr = multipart([("lockfile_file", b"#" * (5 * 1024 * 1024 + 1), "Cargo.lock")])
st, h, page = server.request("POST", "/audit", form, hdr)
check(st == 413 and b"5 MiB" in page, "a 5 MiB + 1 upload: 413 page", st)
st, h, page = server.request("POST", "/audit", b"garbage", {"Content-Type": "text/plain"})
check(st == 400, "not a form: 400", st)
for path in ("/audit/" + "0" * 64, "/audit/xyz", "/audit/" + "A" * 64):
    st, h, page = server.request("GET", path)
    check(st == 404, "%s: 404" % path, st)

server.stop()

# ---- a state that cannot be opened: the site keeps serving ----

blocker = os.path.join(TMP, "not-a-directory")
open(blocker, "w").write("x")
ns = Server("nostate", ["--db", DB, "--state", blocker])
st, h, body = ns.request("GET", "/healthz")
health = json.loads(body)
check(health["state"]["status"] == "unavailable" and health["state"]["error"],
      "/healthz says the state is unavailable, and why", health.get("state"))
form, hdr = multipart([("lockfile_file", app, "Cargo.lock")])
st, h, page = ns.request("POST", "/audit", form, hdr)
check(st == 200 and b"could not be kept" in page and b"Vulnerabilities" in page,
      "the report is shown, not kept", st)
st, h, body = ns.request("POST", "/api/v1/audit", app)
check(st == 200, "the API audits without the state", st)
st, h, body = ns.request("POST", "/api/v1/watches", json.dumps({"lockfile": app.decode()}),
                         {"Content-Type": "application/json"})
check(st == 503 and b"unavailable" in body, "watches: 503 with the reason", (st, body[:200]))
st, h, page = ns.request("GET", "/crates/foo")
check(st in (200, 404), "the rest of the site serves", st)
ns.stop()
err = open(ns.err).read()
check("state is unavailable" in err, "the log says why", err[-500:])

for name in ("server",):
    bad5 = [l for l in open(os.path.join(TMP, name + ".access")) if re.search(r" 5\d\d ", l)]
    check(not bad5, "no 5xx from %s" % name, bad5[:3])

for p in procs:
    if p.poll() is None:
        p.kill()
        p.wait()
shutil.rmtree(TMP, ignore_errors=True)
print("audit_site: %d passed, %d failed" % (check.passed, check.failed))
sys.exit(1 if check.failed else 0)
