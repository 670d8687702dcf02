#!/usr/bin/env python3
"""deep-tree-commit.py REPO UNDER DEPTH TEXT: makes a commit on top of REPO's
HEAD whose tree has, under the directory UNDER ("" for the top; it must
exist), a directory `zz` nesting DEPTH directories `a`, the innermost
holding a file `deep` with TEXT.  Written as one pack (git index-pack makes
its .idx): git's own commands recurse over trees and may not survive such a
commit, and 100,000 loose objects are slow to write.  Prints the commit's
id; no ref is moved.

A hostile repository can hold such a commit; a walk over its trees that
recurses per level overflows the stack (tests/cli/index_follow.py,
tests/cli/hostile_db.sh)."""
import hashlib
import os
import struct
import subprocess
import sys
import zlib

repo, under, depth, text = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
objects = []


def git(*args):
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


def put(kind, body):
    objects.append(({b"commit": 1, b"tree": 2, b"blob": 3}[kind], body))
    return hashlib.sha1(b"%s %d\0" % (kind, len(body)) + body).hexdigest()


def tree_bytes(entries):
    """Git's order: by name, a directory's as if followed by '/'."""
    def key(e):
        return e[1] + (b"/" if e[0] == b"40000" else b"")
    return b"".join(b"%s %s\0" % (m, n) + bytes.fromhex(s) for m, n, s in sorted(entries, key=key))


def entries_of(treeish):
    out = []
    for ln in git("cat-file", "-p", treeish).splitlines():
        meta, name = ln.split("\t", 1)
        mode, _, sha = meta.split()
        out.append((mode.encode().lstrip(b"0") if mode == "040000" else mode.encode(),
                    name.encode(), sha))
    return out


sha, name, mode = put(b"blob", text.encode()), b"deep", b"100644"
for _ in range(depth):
    sha = put(b"tree", tree_bytes([(mode, name, sha)]))
    name, mode = b"a", b"40000"
sha, name = put(b"tree", tree_bytes([(mode, name, sha)])), b"zz"
# Back up from UNDER to the top, each tree with its new entry.
parts = [p for p in under.split("/") if p]
for i in range(len(parts), -1, -1):
    path = "/".join(parts[:i])
    entries = [e for e in entries_of("HEAD:" + path) if e[1] != name]
    sha = put(b"tree", tree_bytes(entries + [(b"40000", name, sha)]))
    name = parts[i - 1].encode() if i else None
head = git("rev-parse", "HEAD").strip()
who = b"t <t@localhost> 1700000000 +0000"
commit = put(b"commit", b"tree %s\nparent %s\nauthor %s\ncommitter %s\n\ndeep\n"
             % (sha.encode(), head.encode(), who, who))

pack = bytearray(b"PACK" + struct.pack(">II", 2, len(objects)))
for kind, body in objects:
    n = len(body)
    hdr = bytearray([(kind << 4) | (n & 15)])
    n >>= 4
    while n:
        hdr[-1] |= 0x80
        hdr.append(n & 0x7F)
        n >>= 7
    pack += hdr + zlib.compress(body, 1)
pack += hashlib.sha1(pack).digest()
git_dir = git("rev-parse", "--git-dir").strip()
path = os.path.join(repo, git_dir, "objects", "pack", "pack-deep-%s.pack" % commit)
with open(path, "wb") as f:
    f.write(pack)
git("index-pack", path)
print(commit)
