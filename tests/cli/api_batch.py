#!/usr/bin/env python3
"""tests/cli/api_batch.py URL PACKAGES_DIR - checks the answers of /v1/query
and /v1/querybatch against an independent evaluation of the OSV documents.

PACKAGES_DIR holds `cratesec export-osv --packages` output (one NAME.json per
crate).  The expected answer of a query is computed here from the OSV ranges
alone, with a SemVer comparator written here: a version is affected when some
introduced <= v < fixed pair of the SEMVER events holds (OSV's evaluation),
withdrawn records excluded, as osv.dev does.

Checks: a querybatch of exactly 1,000 queries (versions picked at and around
every range bound, plus unknown crates) gives, in order, the expected ids and
the records' own `modified`; the same queries by name + version and by purl
agree; /v1/query without a version pages through every advisory of the
crate with the most advisories, 20 per page, without duplicates; a page token
does not work for another query; 1,001 queries are refused.
"""
import http.client
import json
import os
import random
import sys
import urllib.parse

URL, PKG_DIR = sys.argv[1], sys.argv[2]
u = urllib.parse.urlsplit(URL)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)
    return ok


def post(path, body):
    conn.request("POST", path, body=json.dumps(body).encode(),
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, json.loads(r.read() or b"null")


def parse(v):
    core, _, build = v.partition("+")
    core, _, pre = core.partition("-")
    major, minor, patch = (int(x) for x in core.split("."))
    ids = []
    for p in pre.split(".") if pre else []:
        ids.append((0, int(p), "") if p.isdigit() else (1, 0, p))
    return (major, minor, patch), ids


def cmp(a, b):
    (ca, pa), (cb, pb) = parse(a), parse(b)
    if ca != cb:
        return -1 if ca < cb else 1
    if not pa or not pb:  # a release sorts after its prereleases
        return (len(pa) == 0) - (len(pb) == 0) if pa or pb else 0
    for x, y in zip(pa, pb):
        if x != y:
            return -1 if x < y else 1
    return (len(pa) > len(pb)) - (len(pa) < len(pb))


def affected(rec, v):
    for rng in rec["affected"][0]["ranges"]:
        intro = None
        for ev in rng["events"]:
            if "introduced" in ev:
                intro = ev["introduced"]
            elif "fixed" in ev:
                if intro is not None and cmp(intro, v) <= 0 and cmp(v, ev["fixed"]) < 0:
                    return True
                intro = None
        if intro is not None and cmp(intro, v) <= 0:
            return True
    return False


docs = {}
for f in sorted(os.listdir(PKG_DIR)):
    if f.endswith(".json"):
        with open(os.path.join(PKG_DIR, f), encoding="utf-8") as fh:
            docs[f[:-5]] = json.load(fh)


def expected(name, version):
    recs = [r for r in docs.get(name, []) if "withdrawn" not in r]
    if version is not None:
        recs = [r for r in recs if affected(r, version)]
    return sorted((r["id"], r["modified"]) for r in recs)


# Versions at and around every bound of every range, and some unrelated ones.
rng = random.Random(5)
cands = []
for name, recs in docs.items():
    vs = {"0.1.0", "1.0.0", "99.0.0"}
    for r in recs:
        for ra in r["affected"][0]["ranges"]:
            for ev in ra["events"]:
                for b in ev.values():
                    if b == "0.0.0-0":
                        continue
                    vs.add(b)
                    (ma, mi, pa), pre = parse(b)
                    if not pre:
                        vs.add(f"{ma}.{mi}.{pa + 1}")
                        if pa:
                            vs.add(f"{ma}.{mi}.{pa - 1}")
    cands += [(name, v) for v in sorted(vs)]
rng.shuffle(cands)
cands = cands[:990] + [(f"no-such-crate-{i}", "1.0.0") for i in range(10)]
rng.shuffle(cands)
check(len(cands) == 1000, f"{len(cands)} queries built, want 1000")

by_name = [{"package": {"name": n, "ecosystem": "crates.io"}, "version": v} for n, v in cands]
by_purl = [{"package": {"purl": f"pkg:cargo/{urllib.parse.quote(n)}@{urllib.parse.quote(v)}"}}
           for n, v in cands]
status, a = post("/v1/querybatch", {"queries": by_name})
check(status == 200 and len(a["results"]) == 1000, f"querybatch by name: {status}")
status, b = post("/v1/querybatch", {"queries": by_purl})
check(status == 200 and a == b, "querybatch by purl differs from by name")
bad = nonempty = 0
for (n, v), res in zip(cands, a["results"]):
    got = sorted((x["id"], x["modified"]) for x in res.get("vulns", []))
    nonempty += bool(got)
    if got != expected(n, v):
        bad += 1
        if bad <= 5:
            print(f"  {n} {v}: got {got}, want {expected(n, v)}")
check(bad == 0, f"querybatch: {bad} of 1000 answers differ from the OSV ranges")
check(nonempty > 100, f"only {nonempty} queries matched anything: a weak test")
print(f"api_batch.py: 1000 queries, {nonempty} with advisories")

# /v1/query agrees with the batch and carries full records.
for (n, v) in cands[:40]:
    s1, q1 = post("/v1/query", {"package": {"name": n, "ecosystem": "crates.io"}, "version": v})
    s2, q2 = post("/v1/query", {"package": {"purl": f"pkg:cargo/{n}"}, "version": v})
    s3, q3 = post("/v1/query", {"package": {"name": n}, "version": v})
    ids = sorted(r["id"] for r in q1.get("vulns", []))
    check(s1 == s2 == s3 == 200 and q1 == q2 == q3 and ids == [i for i, _ in expected(n, v)],
          f"/v1/query {n} {v}: name, purl and name-only answers differ or are wrong")

# Pagination over the crate with the most advisories.
big = max(docs, key=lambda n: len(expected(n, None)))
want = [i for i, _ in expected(big, None)]
pages, seen, token = [], [], None
while True:
    q = {"package": {"name": big, "ecosystem": "crates.io"}}
    if token:
        q["page_token"] = token
    status, r = post("/v1/query", q)
    if not check(status == 200, f"page {len(pages)} of {big}: {status} {r}"):
        break
    pages.append(len(r.get("vulns", [])))
    seen += [x["id"] for x in r.get("vulns", [])]
    token = r.get("next_page_token")
    if not token or len(pages) > 100:
        break
check(len(want) > 20, f"{big} has only {len(want)} advisories: pagination untested")
check(sorted(seen) == want and len(seen) == len(set(seen)),
      f"pages of {big}: {len(seen)} ids, want {len(want)}")
check(all(p == 20 for p in pages[:-1]) and 0 < pages[-1] <= 20, f"page sizes {pages}")
print(f"api_batch.py: {big}: {len(want)} advisories in pages of {pages}")
status, r = post("/v1/query", {"package": {"name": big, "ecosystem": "crates.io"}})
tok = r.get("next_page_token")
status, r = post("/v1/query", {"package": {"name": "time", "ecosystem": "crates.io"},
                               "page_token": tok})
check(status == 400 and r.get("code") == 3, f"token of another query: {status}")
status, r = post("/v1/querybatch", {"queries": [
    {"package": {"name": big, "ecosystem": "crates.io"}, "page_token": tok}]})
check(status == 200 and [x["id"] for x in r["results"][0]["vulns"]] == want[20:],
      "a /v1/query page token in a batch query")

status, r = post("/v1/querybatch", {"queries": by_name + by_name[:1]})
check(status == 400 and r.get("code") == 3, f"1,001 queries: {status}")

print(f"api_batch.py: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
