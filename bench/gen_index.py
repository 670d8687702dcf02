#!/usr/bin/env python3
"""gen_index.py - a registry index of today's size, with a git history.

    gen_index.py --tar crates-index-2020-07.tar.zst --scale 8 --out DIR
                 [--commits 1000] [--per-commit 100] [--block 10] [--seed 1]

Writes DIR/index.git, a bare git repository whose branch `master` holds:

  * commit 0, "snapshot": every crate of the 2020 crates.io index SCALE times.
    Copy 0 keeps the real names; copy k (1 <= k < SCALE) of crate `foo` is
    `foo-xK`, and every dependency of copy k on a crate of the index names
    copy k of that crate (the `package` field when the dependency is renamed,
    else `name`), so each copy has the real dependency graph.  crates.io has
    no names ending in -x<digit>, so the copies collide with nothing.
  * COMMITS commits on top, each changing PER_COMMIT crate files: a new
    version published (60%), a version yanked (25%), a new crate (10%, with
    dependencies on existing ones) or a crate removed (5%).  The crates of
    BLOCK consecutive commits are distinct, so the diff between commits
    BLOCK * i and BLOCK * (i + 1) changes exactly BLOCK * PER_COMMIT crate
    files: what one fetch brings when the registry has been busy.

and DIR/manifest.json (sizes, seed, the change counts).  Everything is
derived from the seed: the same arguments give the same repository.

The repository is written with `git fast-import` (one pack, no working tree),
the way a registry's history would arrive by a fetch.
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import time

MARK = "\ue000"  # placed right after every crate name that a copy renames
MARK_B = MARK.encode()
BASE_TIME = 1595289600  # 2020-07-21 00:00 UTC, the day after the snapshot


def index_path(name):
    n = name.lower()
    if len(n) == 1:
        return "1/" + n
    if len(n) == 2:
        return "2/" + n
    if len(n) == 3:
        return "3/%s/%s" % (n[0], n)
    return "%s/%s/%s" % (n[:2], n[2:4], n)


def norm(name):
    return name.lower().replace("_", "-")


def read_snapshot(tar):
    """{normalised name: (canonical name, [line objects])}, config.json text."""
    p = subprocess.Popen(["zstd", "-dc", tar], stdout=subprocess.PIPE)
    crates, config = {}, None
    with tarfile.open(fileobj=p.stdout, mode="r|") as t:
        for m in t:
            if not m.isfile():
                continue
            data = t.extractfile(m).read()
            base = m.name.rsplit("/", 1)[-1]
            if base == "config.json":
                config = data
                continue
            lines = []
            for raw in data.split(b"\n"):
                if not raw.strip():
                    continue
                try:
                    lines.append(json.loads(raw))
                except ValueError:
                    lines.append(raw)  # kept as it is: the loader reports it
            crates[norm(base)] = (base, lines)
    if p.wait() != 0:
        sys.exit("gen_index: zstd failed on %s" % tar)
    return crates, config


def template(obj, known):
    """One line as text with MARK after each name a copy renames."""
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    o = dict(obj)
    o["name"] = o["name"] + MARK
    deps = []
    for d in o.get("deps") or []:
        d = dict(d)
        if not d.get("registry"):
            key = "package" if d.get("package") else "name"
            if isinstance(d.get(key), str) and norm(d[key]) in known:
                d[key] = d[key] + MARK
        deps.append(d)
    if "deps" in o:
        o["deps"] = deps
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False)


def render(tmpl_bytes, k):
    return tmpl_bytes.replace(MARK_B, b"" if k == 0 else b"-x%d" % k)


def copy_name(name, k):
    return name if k == 0 else "%s-x%d" % (name, k)


class Writer:
    """A git fast-import stream."""

    def __init__(self, repo):
        self.p = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet",
                                   "--depth=50"],
                                  stdin=subprocess.PIPE)
        self.out = self.p.stdin
        self.n = 0

    def commit(self, message, when, changes):
        """changes: [(path, bytes or None for a deletion)]"""
        self.n += 1
        msg = message.encode()
        w = self.out.write
        w(b"commit refs/heads/master\n")
        w(b"mark :%d\n" % self.n)
        w(b"committer cratesec bench <bench@localhost> %d +0000\n" % when)
        w(b"data %d\n%s\n" % (len(msg), msg))
        if self.n > 1:
            w(b"from :%d\n" % (self.n - 1))
        for path, data in changes:
            if data is None:
                w(b"D %s\n" % path.encode())
            else:
                w(b"M 100644 inline %s\ndata %d\n" % (path.encode(), len(data)))
                w(data)
                w(b"\n")

    def close(self):
        self.out.close()
        if self.p.wait() != 0:
            sys.exit("gen_index: git fast-import failed")


SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def next_version(lines):
    best = (0, 0, 0)
    for ln in lines:
        m = SEMVER.match(ln.get("vers", "")) if isinstance(ln, dict) else None
        if m:
            best = max(best, tuple(int(x) for x in m.groups()))
    return "%d.%d.%d" % (best[0], best[1], best[2] + 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tar", required=True)
    ap.add_argument("--scale", type=int, default=8)
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--per-commit", type=int, default=100)
    ap.add_argument("--block", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.scale < 1 or a.scale > 9:
        sys.exit("gen_index: --scale is 1 to 9")
    t0 = time.time()
    crates, config = read_snapshot(a.tar)
    known = set(crates)
    names = sorted(crates)
    # Each crate file as one template (bytes), rendered per copy.
    tmpl = {}
    versions = 0
    for key in names:
        canon, lines = crates[key]
        tmpl[key] = ("\n".join(template(o, known) for o in lines) + "\n").encode()
        versions += len(lines)
    print("gen_index: read %d crates, %d lines in %.0f s" % (len(names), versions, time.time() - t0),
          file=sys.stderr)

    tmp = a.out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    repo = os.path.join(tmp, "index.git")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "master", repo], check=True)
    w = Writer(repo)

    def snapshot_changes():
        yield "config.json", config
        for k in range(a.scale):
            for key in names:
                yield index_path(copy_name(crates[key][0], k)), render(tmpl[key], k)

    w.commit("snapshot: the 2020-07 crates.io index x%d" % a.scale, BASE_TIME,
             snapshot_changes())
    print("gen_index: snapshot written in %.0f s" % (time.time() - t0), file=sys.stderr)

    # The history.  State of the files a commit has touched: (base, copy) ->
    # list of line objects; removed ones are None.
    rng = random.Random(a.seed)
    state = {}
    new_crates = {}  # name -> list of line objects
    counts = {"publish": 0, "yank": 0, "new": 0, "remove": 0}
    all_keys = [(key, k) for k in range(a.scale) for key in names]
    removed = set()
    seq = 0

    def lines_of(ck):
        if ck in state:
            return state[ck]
        key, k = ck
        text = render(tmpl[key], k).decode()
        ls = [json.loads(x) if x.startswith("{") else x for x in text.split("\n") if x.strip()]
        state[ck] = ls
        return ls

    def file_bytes(ls):
        return ("\n".join(json.dumps(o, separators=(",", ":"), ensure_ascii=False)
                          if isinstance(o, dict) else o for o in ls) + "\n").encode()

    when = BASE_TIME
    for block in range((a.commits + a.block - 1) // a.block):
        ncommits = min(a.block, a.commits - block * a.block)
        picks = []
        while len(picks) < ncommits * a.per_commit:
            ck = all_keys[rng.randrange(len(all_keys))]
            if ck not in removed and ck not in picks:
                picks.append(ck)
        for c in range(ncommits):
            changes, kinds = [], []
            for ck in picks[c * a.per_commit:(c + 1) * a.per_commit]:
                r = rng.random()
                key, k = ck
                name = copy_name(crates[key][0], k)
                if r < 0.10:
                    # A new crate depending on this one and another.
                    seq += 1
                    other = all_keys[rng.randrange(len(all_keys))]
                    oname = copy_name(crates[other[0]][0], other[1])
                    nname = "bench-new-%d" % seq
                    deps = [{"name": n, "req": "^0", "features": [], "optional": False,
                             "default_features": True, "target": None, "kind": "normal"}
                            for n in sorted({name, oname})]
                    line = {"name": nname, "vers": "0.1.0", "deps": deps,
                            "cksum": hashlib.sha256(nname.encode()).hexdigest(),
                            "features": {}, "yanked": False}
                    new_crates[nname] = [line]
                    changes.append((index_path(nname), file_bytes([line])))
                    kinds.append("new")
                    continue
                ls = lines_of(ck)
                objs = [o for o in ls if isinstance(o, dict)]
                if r < 0.15 and objs:
                    removed.add(ck)
                    state[ck] = None
                    changes.append((index_path(name), None))
                    kinds.append("remove")
                    continue
                live = [o for o in objs if not o.get("yanked")]
                if r < 0.40 and live:
                    o = live[rng.randrange(len(live))]
                    o["yanked"] = True
                    kinds.append("yank")
                else:
                    base = dict(objs[-1]) if objs else {"name": name, "deps": [],
                                                         "features": {}}
                    base["vers"] = next_version(objs)
                    base["cksum"] = hashlib.sha256(("%s@%s" % (name, base["vers"])).encode()).hexdigest()
                    base["yanked"] = False
                    ls.append(base)
                    kinds.append("publish")
                changes.append((index_path(name), file_bytes(ls)))
            for kd in kinds:
                counts[kd] += 1
            when += 60
            n = block * a.block + c + 1
            w.commit("bench commit %d: %s" % (n, ", ".join(
                "%d %s" % (kinds.count(x), x) for x in ("publish", "yank", "new", "remove")
                if kinds.count(x))), when, changes)
    w.close()
    manifest = {
        "scale": a.scale, "crates": len(names) * a.scale, "versions": versions * a.scale,
        "commits": a.commits, "per_commit": a.per_commit, "block": a.block, "seed": a.seed,
        "changes": counts, "new_crates": len(new_crates), "seconds": round(time.time() - t0),
    }
    with open(os.path.join(tmp, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    shutil.rmtree(a.out, ignore_errors=True)
    os.rename(tmp, a.out)
    print("gen_index: %s in %.0f s: %s" % (a.out, time.time() - t0, json.dumps(manifest)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
