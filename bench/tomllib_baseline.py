#!/usr/bin/env python3
"""Baseline for `make bench`: parse the front matter of every advisory with
Python's tomllib (the same split as spec 1.3), RUNS times, print the median.

    tomllib_baseline.py DB_DIR [RUNS]
"""
import os
import statistics
import sys
import time
import tomllib


def load(db):
    n = 0
    for coll in ("crates", "rust"):
        base = os.path.join(db, coll)
        if not os.path.isdir(base):
            continue
        for pkg in os.listdir(base):
            pdir = os.path.join(base, pkg)
            if not os.path.isdir(pdir):
                continue
            for name in os.listdir(pdir):
                if name.startswith("."):
                    continue
                with open(os.path.join(pdir, name), encoding="utf-8") as f:
                    text = f.read()
                end = text.index("\n```")
                front = text[7:end].strip()
                if not front.startswith("[advisory]"):
                    front = "[advisory]\n" + front
                tomllib.loads(front)
                n += 1
    return n


def main():
    db = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    load(db)  # warm the page cache
    times = []
    n = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        n = load(db)
        times.append((time.perf_counter() - t0) * 1000)
    print(f"tomllib_ms: median {statistics.median(times):.3f} over {runs} runs ({n} files)")


if __name__ == "__main__":
    main()
