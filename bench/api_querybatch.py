#!/usr/bin/env python3
"""bench/api_querybatch.py URL DB RUNS - times POST /v1/querybatch with 1,000
queries on one keep-alive connection and prints the client-side median.

The queries are crates of the advisory database at DB (directory names under
crates/), cycled with versions 0.1.0, 1.0.0 and 2.3.4, as a Cargo.lock of
1,000 packages would ask; the first 5 requests are warm-up."""
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse

url, db, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = sorted(os.listdir(os.path.join(db, "crates")))
versions = ["0.1.0", "1.0.0", "2.3.4"]
queries = [{"package": {"name": names[i % len(names)], "ecosystem": "crates.io"},
            "version": versions[i % 3]} for i in range(1000)]
body = json.dumps({"queries": queries}).encode()
u = urllib.parse.urlsplit(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
times, found = [], 0
for i in range(runs + 5):
    t0 = time.perf_counter()
    conn.request("POST", "/v1/querybatch", body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    t1 = time.perf_counter()
    if r.status != 200:
        sys.exit(f"querybatch: status {r.status}")
    if i >= 5:
        times.append((t1 - t0) * 1e3)
res = json.loads(data)["results"]
found = sum(1 for x in res if x.get("vulns"))
print(f"querybatch_client_ms median {statistics.median(times):.2f} (1000 queries, "
      f"{len(body)} bytes, {found} with advisories, {len(data)} bytes back, {runs} runs)")
