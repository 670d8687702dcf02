"""tests/cli/lib/cratesec_server.py - a `cratesec-server` started for a Python
test suite, and HTTP requests to it (redirects are not followed: a test looks
at the 303 itself).

    server = Server(build_dir, tmp_dir, "name", ["--db", db, ...])
    status, headers, body = server.request("POST", "/audit", data, {...})
    status, obj = server.api("POST", "/api/v1/watches", {...})
    status, text = server.get("/crates/foo")
    rc = server.stop()   # the exit status; server.errors() is its stderr
"""
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Server:
    """`cratesec-server ARGS --listen 127.0.0.1:0 --access-log TMP/NAME.access`
    (ARGS may give its own --listen and --access-log); `prefix` runs it through another
    command (unshare ...); `program` replaces BUILD/cratesec-server (e.g. [cratesec,
    "serve"]); `env` adds to the environment.  Waits up to 60 s for "listening on"."""

    def __init__(self, build, tmp, name, args, prefix=None, procs=None, env=None,
                 program=None):
        self.out = os.path.join(tmp, name + ".out")
        self.err = os.path.join(tmp, name + ".err")
        self.access = os.path.join(tmp, name + ".access")
        if "--listen" not in args:
            args = args + ["--listen", "127.0.0.1:0"]
        if "--access-log" not in args:
            args = args + ["--access-log", self.access]
        self.proc = subprocess.Popen((prefix or []) +
                                     (program or [os.path.join(build, "cratesec-server")]) +
                                     args,
                                     stdout=open(self.out, "w"), stderr=open(self.err, "w"),
                                     stdin=subprocess.DEVNULL,
                                     env=dict(os.environ, **env) if env else None)
        if procs is not None:
            procs.append(self.proc)
        end, m = time.time() + 60, None
        while time.time() < end and not m:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", open(self.out).read())
            if not m and self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not m:
            print(open(self.err).read()[-2000:])
            raise SystemExit("the server %s did not start" % name)
        self.port = int(m.group(1))
        self.base = "http://127.0.0.1:%d" % self.port

    def request(self, method, path, body=None, headers=None, text=False, timeout=60):
        """(status, headers, body); the body as str with `text`."""
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers=headers or {})
        try:
            with OPENER.open(req, timeout=timeout) as r:
                st, h, raw = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            st, h, raw = e.code, dict(e.headers), e.read()
        return st, h, raw.decode("utf-8", "replace") if text else raw

    def get(self, path, timeout=60):
        """(status, body as str) of a GET."""
        st, _, body = self.request("GET", path, text=True, timeout=timeout)
        return st, body

    def health(self):
        """/healthz, parsed."""
        return json.loads(self.get("/healthz")[1])

    def metric(self, name):
        """A /metrics sample's value (`name`: the whole series, labels
        included), or None."""
        for line in self.get("/metrics")[1].splitlines():
            if not line.startswith("#") and line.rsplit(" ", 1)[0] == name:
                return float(line.rsplit(" ", 1)[1])
        return None

    def rss_mb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0

    def errors(self):
        """What the server wrote to stderr so far."""
        with open(self.err) as f:
            return f.read()

    def api(self, method, path, obj=None):
        """(status, the body parsed as JSON, or as text when it is not)."""
        st, h, body = self.request(method, path, json.dumps(obj) if obj is not None else None,
                                   {"Content-Type": "application/json"}, text=True)
        try:
            return st, json.loads(body) if body else None
        except ValueError:
            return st, body

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Signals the server, waits for it (killing it after `timeout`
        seconds) and returns its exit status (negative: a signal's)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def index_path(name):
    """A crate file's path in the git-index layout (lib/index.h): 1/a, 2/ab,
    3/a/abc, ab/cd/abcd..., in lower case."""
    n = name.lower()
    if len(n) <= 2:
        return "%d/%s" % (len(n), n)
    if len(n) == 3:
        return "3/%s/%s" % (n[0], n)
    return "%s/%s/%s" % (n[:2], n[2:4], n)


class Checks:
    """check(cond, name, detail) counts a passed or failed check and prints
    FAIL with the detail (cut to 700 characters); returns cond."""

    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, cond, name, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: %s%s" % (name, (": " + str(detail)[:700]) if detail else ""))
        return cond
