#!/usr/bin/env bash
# tests/cli/toml.sh BUILD_DIR - runs BUILD_DIR/toml-decode (the toml-test
# decoder interface) over tests/toml/valid/*.toml, comparing its tagged JSON
# with the expected *.json semantically (floats numerically, date-times by
# their fields), and over tests/toml/invalid/*.toml, expecting exit 1 with a
# "line:col: message" on stderr.
#
# Optional: TOML_TEST_DIR=/path/to/toml-test/tests (with valid/ and invalid/
# subtrees, valid cases as .toml + .json) runs the official suite as well and
# reports its pass rate; it counts as a failure only with TOML_TEST_STRICT=1.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
DECODER="$B/toml-decode"
if [ ! -x "$DECODER" ]; then
    echo "toml.sh: $DECODER not built" >&2
    exit 1
fi
exec python3 - "$DECODER" tests/toml "${TOML_TEST_DIR:-}" "${TOML_TEST_STRICT:-0}" <<'EOF'
import json, math, os, re, subprocess, sys

decoder, ours, official, strict = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"

DT = re.compile(r"^(?:(\d{4})-(\d{2})-(\d{2}))?[Tt ]?(?:(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?"
                r"(?:([Zz])|([+-])(\d{2}):(\d{2}))?$")

def dt_key(s):
    m = DT.match(s)
    if not m:
        return ("unparsed", s)
    y, mo, d, h, mi, se, frac, z, sign, oh, om = m.groups()
    frac = (frac or "").ljust(9, "0")[:9]
    off = None
    if z:
        off = 0
    elif sign:
        off = (int(oh) * 60 + int(om)) * (1 if sign == "+" else -1)
    return (y, mo, d, h, mi, se, frac if h else None, off)

def scalar_eq(a, b):
    if a.get("type") != b.get("type"):
        return False
    t, x, y = a["type"], a.get("value"), b.get("value")
    if not isinstance(x, str) or not isinstance(y, str):
        return False
    if t == "float":
        fx, fy = float(x), float(y)
        return (math.isnan(fx) and math.isnan(fy)) or fx == fy
    if t == "integer":
        return int(x) == int(y)
    if t in ("datetime", "datetime-local", "date-local", "time-local"):
        return dt_key(x) == dt_key(y)
    return x == y

def is_scalar(v):
    return isinstance(v, dict) and set(v) == {"type", "value"} and isinstance(v["type"], str)

def equal(a, b, path="$"):
    """Returns None when equal, else where they differ."""
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: array lengths {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            r = equal(x, y, f"{path}[{i}]")
            if r:
                return r
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        if is_scalar(a) and is_scalar(b):
            return None if scalar_eq(a, b) else f"{path}: {a} != {b}"
        if set(a) != set(b):
            return f"{path}: keys {sorted(set(a) ^ set(b))[:5]} differ"
        for k in a:
            r = equal(a[k], b[k], f"{path}.{k}")
            if r:
                return r
        return None
    return f"{path}: {json.dumps(a)[:80]} != {json.dumps(b)[:80]}"

def run(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        p = subprocess.run([decoder], input=data, capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return None, b"", b"timeout"
    return p.returncode, p.stdout, p.stderr

def cases(root, sub, ext):
    out = []
    for d, _, files in os.walk(os.path.join(root, sub)):
        out += [os.path.join(d, f) for f in files if f.endswith(ext)]
    return sorted(out)

ERR = re.compile(rb"^\d+:\d+: \S")

def suite(root, label, verbose):
    passed = failed = 0
    fails = []
    for t in cases(root, "valid", ".toml"):
        exp = t[:-5] + ".json"
        if not os.path.exists(exp):
            continue
        rc, out, err = run(t)
        why = None
        if rc != 0:
            why = f"exit {rc}: {err.decode(errors='replace').strip()[:200]}"
        else:
            try:
                got = json.loads(out)
                with open(exp, encoding="utf-8") as f:
                    why = equal(got, json.load(f))
            except ValueError as e:
                why = f"bad JSON output: {e}"
        if why:
            failed += 1
            fails.append(f"valid {os.path.relpath(t, root)}: {why}")
        else:
            passed += 1
    for t in cases(root, "invalid", ".toml"):
        rc, out, err = run(t)
        if rc == 1 and ERR.match(err):
            passed += 1
        else:
            failed += 1
            what = "accepted" if rc == 0 else f"exit {rc}: {err.decode(errors='replace')[:200]}"
            fails.append(f"invalid {os.path.relpath(t, root)}: {what}")
    shown = fails if verbose else fails[:40]
    for f in shown:
        print(f"  FAIL {f}")
    if len(fails) > len(shown):
        print(f"  ... and {len(fails) - len(shown)} more")
    total = passed + failed
    rate = 100.0 * passed / total if total else 0.0
    print(f"toml {label}: {passed} passed, {failed} failed ({rate:.1f}%)")
    return failed, total

failed, total = suite(ours, "fixtures", True)
bad = failed > 0 or total == 0
if official:
    ofailed, ototal = suite(official, f"toml-test ({official})", False)
    if strict and (ofailed or ototal == 0):
        bad = True
sys.exit(1 if bad else 0)
EOF
