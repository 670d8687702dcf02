#!/usr/bin/env python3
"""tests/cli/lib/webhook_receiver.py - a local webhook receiver for the tests.

    webhook_receiver.py PORT_FILE LOG_FILE [CONFIG_FILE]

Listens on 127.0.0.1 (a free port, written to PORT_FILE once listening) and
appends JSON lines to LOG_FILE: for each POST one with "phase": "arrived"
as soon as it is read, then one with "phase": "answered" (the path, the
headers that matter, the body, the answer and when).  CONFIG_FILE (JSON,
read at every request, optional) sets how it answers:
    {"status": 200,        answer with this status
     "fail_first": N,      answer 500 to the first N attempts of each delivery key
     "delay": S,           sleep S seconds before answering (timeouts)
     "paths": {"/p": {...}}}  the same settings for one path, over the others
Stops on SIGTERM.  Uses only the standard library (no network but loopback).
"""
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, log_file = sys.argv[1], sys.argv[2]
config_file = sys.argv[3] if len(sys.argv) > 3 else None
lock = threading.Lock()
attempts = {}


def config():
    if config_file and os.path.exists(config_file):
        try:
            with open(config_file) as f:
                return json.load(f)
        except (OSError, ValueError):
            pass
    return {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        cfg = config()
        cfg.update(cfg.get("paths", {}).get(self.path, {}))
        key = self.headers.get("X-Cratesec-Delivery", "")
        with lock:
            attempts[key] = attempts.get(key, 0) + 1
            seen = attempts[key]
        status = int(cfg.get("status", 200))
        if seen <= int(cfg.get("fail_first", 0)):
            status = 500
        delay = float(cfg.get("delay", 0))
        record = {
            "time": time.time(),
            "path": self.path,
            "key": key,
            "idempotency_key": self.headers.get("Idempotency-Key", ""),
            "event": self.headers.get("X-Cratesec-Event", ""),
            "attempt": self.headers.get("X-Cratesec-Attempt", ""),
            "signature": self.headers.get("X-Hub-Signature-256", ""),
            "content_type": self.headers.get("Content-Type", ""),
            "body": body.decode("utf-8", "replace"),
            "status": status,
            "delay": delay,
        }
        with lock:
            with open(log_file, "a") as f:
                f.write(json.dumps(dict(record, phase="arrived")) + "\n")
        if delay:
            time.sleep(delay)
        with lock:
            with open(log_file, "a") as f:
                f.write(json.dumps(dict(record, phase="answered", time=time.time())) + "\n")
        try:
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        except OSError:
            pass  # the sender gave up (timeout)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A sender that gives up (its timeout) or dies (the kill -9 tests)
        # resets the connection: expected, not worth a traceback.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


server = Server(("127.0.0.1", 0), Handler)
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(port_file + ".tmp", port_file)
server.serve_forever()
