#!/usr/bin/env python3
"""tests/cli/framing.py HOST PORT ACCESS_LOG TIMEOUT - HTTP/1.1 framing as RFC
9112 asks (issue 14, items 8 and 9), against a `cratesec serve` started by
tests/cli/framing.sh with --access-log ACCESS_LOG --log-format json
--timeout TIMEOUT.

One raw connection per shape.  A refused head gets one answer, at once, and
the connection is closed, so that nothing sent after it is read as a request
(request smuggling).  Then: every access log line is one JSON object, and
connections cut for slowness are counted in /metrics and logged as 408.
Prints "framing: N passed, N failed".
"""
import json
import socket
import sys
import time

HOST, PORT, LOG, TIMEOUT = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
passed = failed = 0


def ok(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + what, flush=True)


def parse_responses(data):
    """Splits what a connection received into responses [(status, headers,
    body)]; stops at bytes that are not a response."""
    out = []
    while data.startswith(b"HTTP/1.1 "):
        end = data.find(b"\r\n\r\n")
        if end < 0:
            break
        lines = data[:end].split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
        n = int(headers.get("content-length", "0"))
        out.append((status, headers, data[end + 4:end + 4 + n]))
        data = data[end + 4 + n:]
    return out, data


def exchange(raw, wait=3.0):
    """Sends `raw` on a new connection and reads until the server closes it
    or `wait` seconds pass.  Returns (responses, leftover bytes, seconds to
    the first byte or None, closed by the server)."""
    s = socket.create_connection((HOST, PORT))
    s.settimeout(0.2)
    t0 = time.monotonic()
    s.sendall(raw)
    data, first, closed = b"", None, False
    while time.monotonic() - t0 < wait:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        if first is None:
            first = time.monotonic() - t0
        data += chunk
    s.close()
    responses, rest = parse_responses(data)
    return responses, rest, first, closed


def refused(name, raw, status, single=True):
    """`raw` is answered once with `status`, within a second, and the
    connection is closed."""
    responses, rest, first, closed = exchange(raw)
    got = [r[0] for r in responses]
    ok(first is not None and first < 1.0,
       "%s: no answer within a second (first byte after %s s)" % (name, first))
    ok(got[:1] == [status], "%s: status %s, want %d" % (name, got, status))
    if single:
        ok(len(responses) == 1 and not rest,
           "%s: %d responses and %d more bytes, want one response" % (name, len(responses),
                                                                      len(rest)))
    ok(closed, "%s: connection left open" % name)
    return responses


def answered(name, raw, status):
    responses, _, first, _ = exchange(raw, 2.0)
    got = [r[0] for r in responses]
    ok(got[:1] == [status], "%s: status %s, want %d" % (name, got, status))
    ok(first is not None and first < 1.0, "%s: answered after %s s" % (name, first))
    return responses


H = b"Host: t\r\n"
CLOSE = b"Connection: close\r\n"
SMUGGLED = b"GET /smuggled-request HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"

# ---- message framing (RFC 9112 6.1, 6.3) ----
refused("two differing Content-Length, then a request",
        b"POST /v1/query HTTP/1.1\r\n" + H + b"Content-Length: 2\r\nContent-Length: 60\r\n\r\n{}" +
        SMUGGLED, 400)
refused("two equal Content-Length",
        b"POST /v1/query HTTP/1.1\r\n" + H + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}" +
        SMUGGLED, 400)
refused("Content-Length with Transfer-Encoding: chunked",
        b"POST /v1/query HTTP/1.1\r\n" + H +
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + SMUGGLED,
        400)
refused("Transfer-Encoding: xchunked", b"POST /v1/query HTTP/1.1\r\n" + H +
        b"Transfer-Encoding: xchunked\r\n\r\n" + SMUGGLED, 501)
refused("Transfer-Encoding: gzip, chunked", b"POST /v1/query HTTP/1.1\r\n" + H +
        b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501)
# MHD answers a Content-Length that is not a number itself, before this
# code sees the request (its 400 is written twice by libmicrohttpd 0.9.75):
# what is asserted is the 400 and the closed connection.
refused("Content-Length: abc", b"GET / HTTP/1.1\r\n" + H + b"Content-Length: abc\r\n\r\n" +
        SMUGGLED, 400, single=False)

# ---- the head ----
refused("HTTP/1.1 without Host", b"GET / HTTP/1.1\r\n" + CLOSE + b"\r\n", 400)
refused("two Host headers", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n" + CLOSE + b"\r\n", 400)
refused("a NUL in the target",
        b"GET /advisories\x00/../../etc/passwd HTTP/1.1\r\n" + H + CLOSE + b"\r\n", 400)
refused("a NUL in the query string", b"GET /search?q=a\x00b HTTP/1.1\r\n" + H + CLOSE + b"\r\n",
        400)
refused("a NUL in a header value",
        b"GET / HTTP/1.1\r\n" + H + b"X-A: a\x00b\r\n" + CLOSE + b"\r\n", 400)
refused("a NUL in the last header value",
        b"GET / HTTP/1.1\r\n" + H + CLOSE + b"X-A: a\x00b\r\n\r\n", 400)
refused("a NUL in a header name", b"GET / HTTP/1.1\r\n" + H + b"X\x00Y: a\r\n" + CLOSE + b"\r\n",
        400)
refused("a bare CR in a header line",
        b"GET / HTTP/1.1\r\nHost: t\rX: y\r\n" + CLOSE + b"\r\n", 400)
refused("a control character in a header value",
        b"GET / HTTP/1.1\r\n" + H + b"X-A: a\x01b\r\n" + CLOSE + b"\r\n", 400)
refused("a space before the colon", b"GET / HTTP/1.1\r\nHost : t\r\n" + CLOSE + b"\r\n", 400)
refused("a space in the target", b"GET /a b HTTP/1.1\r\n" + H + CLOSE + b"\r\n", 400)
refused("a control character in the target", b"GET /a\x01b HTTP/1.1\r\n" + H + CLOSE + b"\r\n",
        400)
refused("a folded header line (obs-fold)",
        b"GET / HTTP/1.1\r\n" + H + b"X-A: a\r\n b\r\n" + CLOSE + b"\r\n", 400)
r = answered("3,000 query parameters",
             b"GET /search?" + b"&".join(b"k%d=v" % i for i in range(3000)) + b" HTTP/1.1\r\n" +
             H + CLOSE + b"\r\n", 200)
answered("3,000 parameters, q last",
         b"GET /search?" + b"&".join(b"k%d=v" % i for i in range(3000)) +
         b"&q=RUSTSEC-2020-0001 HTTP/1.1\r\n" + H + CLOSE + b"\r\n", 303)

# ---- still accepted ----
answered("bare LF line ends (RFC 9112 2.2 allows them)",
         b"GET / HTTP/1.1\nHost: t\nConnection: close\n\n", 200)
answered("blanks around values", b"GET / HTTP/1.1\r\nHost:   t \t\r\nX-Y:\r\n" + CLOSE + b"\r\n",
         200)
body = b'{"package": {"name": "foo", "ecosystem": "crates.io"}}'
chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
answered("a chunked POST", b"POST /v1/query HTTP/1.1\r\n" + H +
         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n" + CLOSE + b"\r\n" +
         chunked, 200)
answered("HTTP/1.0 without Host", b"GET / HTTP/1.0\r\n\r\n", 200)

# ---- the JSON API's errors are JSON ----
for path in [b"/api/v1/crates/%zz/1.0.0/security", b"/v1/vulns/%00", b"/packages/%ff.json",
             b"/api/v1/crates/a/..", b"/v1/query/" + b"a" * 5000]:
    rs = answered("API error for %r" % path[:40],
                  b"GET " + path + b" HTTP/1.1\r\n" + H + CLOSE + b"\r\n",
                  414 if len(path) > 4096 else 400)
    if rs:
        st, hd, bd = rs[0]
        try:
            j = json.loads(bd)
        except ValueError:
            j = None
        ok(hd.get("content-type", "").startswith("application/json") and isinstance(j, dict)
           and j.get("code") == 3,
           "API error for %r: not {\"code\": 3, ...} JSON: %s %r" % (path[:40], hd.get(
               "content-type"), bd[:80]))

# ---- slow clients: counted and logged (item 9) ----


def metric(name):
    rs, _, _, _ = exchange(b"GET /metrics HTTP/1.1\r\n" + H + CLOSE + b"\r\n", 2.0)
    for line in rs[0][2].decode().splitlines() if rs else []:
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    return None


cut0 = metric("cratesec_connections_cut_total")
silent = socket.create_connection((HOST, PORT))
partial = socket.create_connection((HOST, PORT))
partial.sendall(b"GET /advisories/partial\"quote HTTP/1.1\r\nHost: t\r\nX-Slow: ")
# A client that sends thousands of requests and reads none of the answers:
# once the socket buffers are full, the server's writes stall.
nonreader = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
nonreader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
nonreader.connect((HOST, PORT))
nonreader.setblocking(False)
pile = b"GET /advisories HTTP/1.1\r\nHost: t\r\n\r\n" * 4000
sent, t0 = 0, time.monotonic()
while sent < len(pile) and time.monotonic() - t0 < 3:
    try:
        sent += nonreader.send(pile[sent:])
    except BlockingIOError:
        time.sleep(0.01)
time.sleep(TIMEOUT + 2 + 3)  # --timeout, MHD's grace for a stalled response, slack
cut1 = metric("cratesec_connections_cut_total")
ok(cut0 is not None and cut1 is not None and cut1 - cut0 >= 3,
   "connections_cut_total went from %s to %s, want +3 (silent, partial, not reading)" % (
       cut0, cut1))
for sock in (silent, partial, nonreader):
    sock.close()

# The access log: one JSON object per line, whatever the target held.
exchange(b"GET /crates/a\"b\\c%22\xff\xfe HTTP/1.1\r\n" + H + CLOSE + b"\r\n", 2.0)
time.sleep(1.5)  # the log is flushed every second
lines = open(LOG, "rb").read().splitlines()
objs = []
for ln in lines:
    try:
        objs.append(json.loads(ln))
    except ValueError:
        ok(False, "access log line is not JSON: %r" % ln[:200])
ok(len(objs) == len(lines) and len(lines) > 20, "access log: %d lines" % len(lines))
paths = [o.get("path", "") for o in objs]
ok('/crates/a"b\\c%22\u00ff\u00fe' in paths,
   "the target with a quote, a backslash and raw bytes is not logged as itself: %r" %
   [p for p in paths if p.startswith("/crates/a")])
ok(any(o.get("status") == 408 and o.get("event") == "request-timeout" and
       o.get("path") == '/advisories/partial"quote' for o in objs),
   "the partial request is not logged as a 408 with its path")
ok(any(o.get("status") == 408 and "path" not in o for o in objs),
   "the silent connection is not logged as a 408")
ok(any(o.get("event") == "response-timeout" for o in objs),
   "the client that does not read is not logged as a response-timeout")
ok(not any("smuggled" in p for p in paths),
   "a request sent after a refused head was executed: %r" % [p for p in paths if "smuggled" in p])
print("framing: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
