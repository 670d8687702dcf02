#!/usr/bin/env python3
"""tests/soak/urls.py - writes the request list the load tests rotate through.

    urls.py DB_DIR BASE_URL OUT_FILE [--index DIR] [--uncached]

A mix of what a site visitor and an API client ask for, taken from the
advisory database: the home page, crate pages and their Security tab,
advisory pages, OSV records, the crate-version security API and POST
/v1/query.  Crates are every k-th crate directory (sorted), so the list is
the same on every run.  With --index, API versions are each crate's newest
version in the index (the server then insists on published versions).  With
--uncached, API requests carry "{n}" in the version (mix.lua makes it unique
per request), so a cache in front cannot answer them and the replicas keep
working.

Every request is tried once against BASE_URL ({n} as 0.0) and must answer
2xx: a list with a failing request would count errors that are not the
server's.  Output lines: METHOD<TAB>PATH[<TAB>BODY].
"""
import json
import os
import sys
import urllib.error
import urllib.request

CRATES = 40


def index_file(index_dir, name):
    n = name.lower()
    if len(n) <= 2:
        rel = os.path.join(str(len(n)), n)
    elif len(n) == 3:
        rel = os.path.join("3", n[0], n)
    else:
        rel = os.path.join(n[:2], n[2:4], n)
    return os.path.join(index_dir, rel)


def newest_version(index_dir, name):
    try:
        with open(index_file(index_dir, name), encoding="utf-8") as f:
            lines = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError):
        return None
    live = [entry["vers"] for entry in lines if not entry.get("yanked")]
    return live[-1] if live else None


def main():
    argv = sys.argv[1:]
    if "--index" in argv:
        at = argv.index("--index")
        argv = argv[:at] + argv[at + 2:]
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 3:
        sys.exit("usage: urls.py DB_DIR BASE_URL OUT_FILE [--index DIR] [--uncached]")
    db, base, out = args
    index_dir = None
    if "--index" in sys.argv:
        index_dir = sys.argv[sys.argv.index("--index") + 1]
    uncached = "--uncached" in sys.argv
    if uncached and index_dir:
        sys.exit("urls.py: --uncached needs a server without an index (any version is valid then)")

    crates_dir = os.path.join(db, "crates")
    names = sorted(os.listdir(crates_dir))
    step = max(1, len(names) // CRATES)
    chosen = []
    for name in names[::step]:
        # RUSTSEC-0000-0000 is the placeholder of an advisory not yet given
        # an id: it is renamed later, so it is no stable URL.
        files = sorted(f for f in os.listdir(os.path.join(crates_dir, name))
                       if f.endswith(".md") and not f.startswith("RUSTSEC-0000-0000"))
        if not files:
            continue
        version = "0.1.0"
        if index_dir:
            version = newest_version(index_dir, name)
            if version is None:
                continue
        chosen.append((name, files[0][:-3], version))
        if len(chosen) == CRATES:
            break

    requests = [("GET", "/", None)]
    for name, adv, version in chosen:
        api_version = "0.{n}" if uncached else version
        query = {"package": {"name": name, "ecosystem": "crates.io"},
                 "version": "0.{n}" if uncached else version}
        requests += [
            ("GET", f"/crates/{name}", None),
            ("GET", f"/crates/{name}/security", None),
            ("GET", f"/advisories/{adv}", None),
            ("GET", f"/v1/vulns/{adv}", None),
            ("GET", f"/api/v1/crates/{name}/{api_version}/security", None),
            ("POST", "/v1/query", json.dumps(query, separators=(",", ":"))),
        ]

    bad = []
    for method, path, body in requests:
        url = base + path.replace("{n}", "0.0")
        data = body.replace("{n}", "0.0").encode() if body else None
        req = urllib.request.Request(url, data=data, method=method)
        if data:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                resp.read()
        except urllib.error.HTTPError as e:
            bad.append(f"{method} {path}: {e.code}")
        except OSError as e:
            bad.append(f"{method} {path}: {e}")
    if bad:
        sys.exit("urls.py: requests that do not answer 2xx:\n  " + "\n  ".join(bad))

    with open(out, "w", encoding="utf-8") as f:
        for method, path, body in requests:
            f.write(f"{method}\t{path}" + (f"\t{body}" if body else "") + "\n")
    print(f"{len(requests)} requests ({len(chosen)} crates)")


if __name__ == "__main__":
    main()
