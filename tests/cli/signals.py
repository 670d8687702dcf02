#!/usr/bin/env python3
"""tests/cli/signals.py BIN DB SECONDS [SEED] - SIGHUP, SIGTERM and SIGINT at
random moments of `cratesec serve`'s life, many times (issue 14, item 3).

Each round starts a server and plays one scenario, picked at random:

  hup-start    1-3 SIGHUPs while it starts (loading the database): it must
               come up, serve, and carry out a reload afterwards
  term-start   SIGTERM or SIGINT while it starts: exit status 0
  hup-storm    20-80 SIGHUPs a few milliseconds apart while a client requests
               pages: every answer 200, the server alive
  term-reload  SIGTERM at a random moment of a reload (or just after):
               exit status 0
  term-load    SIGTERM or SIGINT while four clients keep requesting pages
               (the server stops accepting and drains): exit status 0

"While it starts" is measured from the moment the process has blocked the
signals (/proc/PID/status SigBlk; before that, in the dynamic loader, the
default action applies to any program), up to 1.3 times the start-up time
measured first.  A process that ends by a signal, exits non-zero, or does
not stop within 20 s of SIGTERM fails the round.  Rounds run until SECONDS
have passed (at least 8).  The seed is printed: SEED replays a run.
Prints "signals: N rounds (by scenario), N failed".
"""
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request

BIN, DB, SECONDS = sys.argv[1], sys.argv[2], float(sys.argv[3])
SEED = int(sys.argv[4]) if len(sys.argv) > 4 else random.randrange(1 << 30)
rng = random.Random(SEED)
print("signals: seed %d (replay: signals.py BIN DB SECONDS %d)" % (SEED, SEED), flush=True)

failures = []
HUP_BIT = 1 << (signal.SIGHUP - 1)


def fail(round_no, scenario, what, srv=None):
    detail = ""
    if srv is not None:
        detail = " | stderr: " + srv.stderr_tail()
    failures.append("round %d (%s): %s%s" % (round_no, scenario, what, detail))
    print("FAIL: " + failures[-1], flush=True)


class Server:
    def __init__(self):
        self.t0 = time.monotonic()
        self.errpath = "/tmp/csec-signals-%d-%d.err" % (os.getpid(), time.monotonic_ns())
        self.err = open(self.errpath, "w+")
        self.p = subprocess.Popen(
            [BIN, "serve", "--db", DB, "--listen", "127.0.0.1:0", "--threads", "2",
             "--access-log", "none", "--timeout", "5"],
            stdout=subprocess.PIPE, stderr=self.err, text=True)
        self.port = None
        self.listening = threading.Event()
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def _read_stdout(self):
        for line in self.p.stdout:
            m = re.match(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                self.listening.set()

    def wait_blocked(self, timeout=10.0):
        """Waits until the process has blocked SIGHUP (it is past the
        dynamic loader); returns False when it did not in time."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                with open("/proc/%d/status" % self.p.pid) as f:
                    for line in f:
                        if line.startswith("SigBlk:") and int(line.split()[1], 16) & HUP_BIT:
                            return True
            except OSError:
                return False
            if self.p.poll() is not None:
                return False
            time.sleep(0.0005)
        return False

    def get(self, path, timeout=20):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path),
                                    timeout=timeout) as r:
            return r.status, r.read()

    def health(self):
        return json.loads(self.get("/healthz")[1])

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            return self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return "still running 20 s after the signal"

    def stderr_tail(self):
        self.err.flush()
        with open(self.errpath) as f:
            return " / ".join(f.read().strip().splitlines()[-3:])

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        self.err.close()
        os.unlink(self.errpath)


def expect_exit(rno, scenario, srv, rc):
    if rc != 0:
        why = ("killed by %s" % signal.Signals(-rc).name) if isinstance(rc, int) and rc < 0 \
            else "exit status %s" % rc
        fail(rno, scenario, why, srv)
        return False
    return True


def wait_listening(rno, scenario, srv, timeout=60):
    if not srv.listening.wait(timeout):
        rc = srv.p.poll()
        if rc is not None and rc < 0:
            fail(rno, scenario, "killed by %s during start-up" % signal.Signals(-rc).name, srv)
        else:
            fail(rno, scenario, "not listening after %d s (status %s)" % (timeout, rc), srv)
        return False
    return True


# Start-up time, measured once: the window of the start-up scenarios.
srv = Server()
srv.wait_blocked()
blocked_at = time.monotonic()
if not wait_listening(0, "calibration", srv):
    srv.close()
    sys.exit(1)
startup = time.monotonic() - blocked_at
h = srv.health()
expect_exit(0, "calibration", srv, srv.stop())
srv.close()
print("signals: start-up takes %.0f ms after the signals are blocked" % (startup * 1000),
      flush=True)


def sleep_until(t):
    d = t - time.monotonic()
    if d > 0:
        time.sleep(d)


def hup_start(rno, srv):
    if not srv.wait_blocked():
        return fail(rno, "hup-start", "the signals were never blocked", srv)
    t0 = time.monotonic()
    for _ in range(rng.randint(1, 3)):
        sleep_until(t0 + rng.uniform(0, 1.3 * startup))
        if srv.p.poll() is not None:
            break
        srv.p.send_signal(signal.SIGHUP)
    if not wait_listening(rno, "hup-start", srv):
        return
    # The SIGHUP that came while loading is carried out once serving.
    end = time.monotonic() + 60
    reloads = 0
    while time.monotonic() < end:
        try:
            reloads = srv.health()["reloads"]
        except OSError as e:
            return fail(rno, "hup-start", "GET /healthz failed: %s" % e, srv)
        if reloads >= 1:
            break
        time.sleep(0.02)
    if reloads < 1:
        fail(rno, "hup-start", "the SIGHUP sent during start-up was never carried out", srv)
    st, _ = srv.get("/advisories")
    if st != 200:
        fail(rno, "hup-start", "GET /advisories: %d" % st, srv)
    expect_exit(rno, "hup-start", srv, srv.stop())


def term_start(rno, srv):
    if not srv.wait_blocked():
        return fail(rno, "term-start", "the signals were never blocked", srv)
    sig = rng.choice([signal.SIGTERM, signal.SIGTERM, signal.SIGINT])
    time.sleep(rng.uniform(0, 1.3 * startup))
    expect_exit(rno, "term-start", srv, srv.stop(sig))


def client(srv, stop, bad):
    paths = ["/", "/advisories", "/healthz", "/static/style.css", "/search?q=a"]
    while not stop.is_set():
        p = rng.choice(paths)
        try:
            st, _ = srv.get(p)
            if st != 200:
                bad.append("%s: %d" % (p, st))
        except Exception as e:  # noqa: BLE001 - any failure is a finding
            bad.append("%s: %s" % (p, e))


def start_clients(srv, n):
    """n threads requesting pages (client) until the event is set; failures
    go to the list."""
    stop, bad = threading.Event(), []
    clients = [threading.Thread(target=client, args=(srv, stop, bad)) for _ in range(n)]
    for c in clients:
        c.start()
    return stop, bad, clients


def stop_clients(stop, clients):
    stop.set()
    for c in clients:
        c.join()


def hup_storm(rno, srv):
    if not wait_listening(rno, "hup-storm", srv):
        return
    stop, bad, clients = start_clients(srv, 2)
    for _ in range(rng.randint(20, 80)):
        if srv.p.poll() is not None:
            break
        srv.p.send_signal(signal.SIGHUP)
        time.sleep(rng.choice([0, 0.0002, 0.001, 0.003, 0.01]))
    time.sleep(rng.uniform(0, 0.3))
    alive = srv.p.poll() is None
    stop_clients(stop, clients)
    if not alive:
        rc = srv.p.returncode
        why = "killed by %s" % signal.Signals(-rc).name if rc < 0 else "exit status %d" % rc
        return fail(rno, "hup-storm", "the server died (%s)" % why, srv)
    if bad:
        fail(rno, "hup-storm", "%d failed requests, e.g. %s" % (len(bad), bad[0]), srv)
    expect_exit(rno, "hup-storm", srv, srv.stop())


def term_reload(rno, srv):
    if not wait_listening(rno, "term-reload", srv):
        return
    srv.p.send_signal(signal.SIGHUP)
    time.sleep(rng.uniform(0, 1.5 * startup))
    expect_exit(rno, "term-reload", srv, srv.stop(rng.choice([signal.SIGTERM, signal.SIGINT])))


def term_load(rno, srv):
    if not wait_listening(rno, "term-load", srv):
        return
    stop, bad, clients = start_clients(srv, 4)
    time.sleep(rng.uniform(0.05, 0.5))
    rc = srv.stop(rng.choice([signal.SIGTERM, signal.SIGINT]))
    stop_clients(stop, clients)
    expect_exit(rno, "term-load", srv, rc)


scenarios = {"hup-start": hup_start, "term-start": term_start, "hup-storm": hup_storm,
             "term-reload": term_reload, "term-load": term_load}
counts = dict.fromkeys(scenarios, 0)
end = time.monotonic() + max(8.0, SECONDS)
rno = 0
while time.monotonic() < end or rno < 8:
    rno += 1
    name = rng.choice(list(scenarios))
    counts[name] += 1
    srv = Server()
    try:
        scenarios[name](rno, srv)
    finally:
        srv.close()
print("signals: %d rounds (%s), %d failed" % (
    rno, ", ".join("%s %d" % kv for kv in counts.items()), len(failures)), flush=True)
sys.exit(1 if failures else 0)
