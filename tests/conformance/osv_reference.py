#!/usr/bin/env python3
"""osv_reference.py - an independent reference for cratesec's OSV export.

Written from docs/rustsec-spec.md alone (sections cited as "spec §N"), never
from cratesec's C sources, so that agreement between the two means something.
Python 3.11 standard library only (tomllib for TOML).

    osv_reference.py DB OUTDIR [--times FILE | --per-file-git] [--packages]

DB is an advisory-db checkout (or any directory with crates/).  OUTDIR gets
one <ID>.json per exported advisory (spec §3.1), and with --packages also
OUTDIR/packages/<crate>.json, the per-crate arrays of rustsec.org.

`modified` (spec §3.5) comes from git: by default one `git log --no-merges
--name-only` pass over the whole history (the rule of §3.5 applied to every
path at once); --per-file-git runs the spec's literal command once per file
instead (slow; used to cross-check the fast path).  --times FILE reads
"PATH EPOCH" lines instead of git (for fixture databases that are not
repositories); a path missing from FILE gets cratesec's documented --no-git
value (the withdrawal date if withdrawn later than the date, else the date,
both at 12:00:00Z).

Exit status: 0 when every advisory exported, 1 when some advisory could not
be processed (its error is printed), 2 on usage errors.
"""
import json
import os
import subprocess
import sys
import tomllib
from datetime import datetime, timezone

# ---------------------------------------------------------------------------
# spec §1.3: splitting the Markdown file

# Rust's char::is_whitespace is the Unicode White_Space property.  Python's
# str.strip() also strips U+001C..U+001F, which are not White_Space, so the
# set is spelled out.
WHITE_SPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
               "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


class AdvisoryError(Exception):
    pass


def split_advisory(text):
    if not text.startswith("```toml"):
        raise AdvisoryError("unexpected start of advisory")
    end = text.find("\n```")
    if end < 0:
        raise AdvisoryError("couldn't find end of TOML front matter")
    front = text[7:end].strip(WHITE_SPACE)
    markdown = text[end + 4:].lstrip(WHITE_SPACE)
    if not markdown.startswith("# "):
        raise AdvisoryError("Expected # header after TOML front matter")
    nl = markdown.find("\n")
    if nl < 0:
        raise AdvisoryError("no Markdown body")
    title = markdown[2:nl].rstrip(WHITE_SPACE)
    description = markdown[nl + 1:].strip(WHITE_SPACE)
    if not front.startswith("[advisory]"):
        front = "[advisory]\n" + front
    return front, title, description


# ---------------------------------------------------------------------------
# spec §2.1: versions.  A version is (major, minor, patch, pre) where pre is a
# tuple of identifier strings; build metadata never reaches OSV (§3.3).

def pre_key(pre):
    """Sort key of a prerelease: a release (empty) is above every prerelease;
    identifiers compare numeric < alphanumeric, numbers numerically, text by
    bytes, and a longer list wins when all shared identifiers are equal."""
    if not pre:
        return (1,)
    ids = []
    for ident in pre:
        if ident.isdigit():
            ids.append((0, int(ident), ""))
        else:
            ids.append((1, 0, ident.encode()))
    return (0, tuple(ids))


def version_key(v):
    return (v[0], v[1], v[2], pre_key(v[3]))


def version_str(v):
    s = f"{v[0]}.{v[1]}.{v[2]}"
    if v[3]:
        s += "-" + ".".join(v[3])
    return s


def next_version(v):
    """spec §2.4 step 4: the smallest version strictly above v."""
    if not v[3]:
        return (v[0], v[1], v[2] + 1, ("0",))
    return (v[0], v[1], v[2], v[3] + ("0",))


# ---------------------------------------------------------------------------
# spec §2.2: requirement grammar, only as far as ranges need it

IDENT_CHARS = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")


def parse_number(s, i, what):
    j = i
    while j < len(s) and s[j].isascii() and s[j].isdigit():
        j += 1
    if j == i:
        raise AdvisoryError(f"expected {what} number in {s!r}")
    digits = s[i:j]
    if len(digits) > 1 and digits[0] == "0":
        raise AdvisoryError(f"leading zero in {s!r}")
    value = int(digits)
    if value >= 1 << 64:
        raise AdvisoryError(f"number too large in {s!r}")
    return value, j


def parse_identifiers(s, i, numeric_rule):
    j = i
    while j < len(s) and (s[j] in IDENT_CHARS or s[j] == "."):
        j += 1
    idents = s[i:j].split(".")
    for ident in idents:
        if not ident:
            raise AdvisoryError(f"empty identifier in {s!r}")
        if numeric_rule and ident.isdigit() and len(ident) > 1 and ident[0] == "0":
            raise AdvisoryError(f"leading zero in prerelease of {s!r}")
    return tuple(idents), j


def parse_comparator(s):
    """One comparator (already stripped of ASCII spaces) -> (op, major,
    minor or None, patch or None, pre)."""
    op = "^"
    explicit = False
    for cand in (">=", "<=", ">", "<", "=", "~", "^"):
        if s.startswith(cand):
            op, explicit, s = cand, True, s[len(cand):]
            break
    s = s.lstrip(" ")
    major, i = parse_number(s, 0, "major")
    minor = patch = None
    pre = ()
    wildcard = False
    if i < len(s) and s[i] == ".":
        i += 1
        if i < len(s) and s[i] in "*xX":
            wildcard = True
            i += 1
        else:
            minor, i = parse_number(s, i, "minor")
        if i < len(s) and s[i] == ".":
            i += 1
            if i < len(s) and s[i] in "*xX":
                wildcard = True
                i += 1
            elif wildcard:
                raise AdvisoryError(f"number after a wildcard in {s!r}")
            else:
                patch, i = parse_number(s, i, "patch")
    if patch is not None and i < len(s) and s[i] == "-":
        pre, i = parse_identifiers(s, i + 1, True)
    if patch is not None and i < len(s) and s[i] == "+":
        _, i = parse_identifiers(s, i + 1, False)
    if s[i:].strip(" "):
        raise AdvisoryError(f"unexpected characters in comparator {s!r}")
    if wildcard and not explicit:
        op = "wildcard"
    return (op, major, minor, patch, pre)


def parse_requirement(text):
    s = text.strip(" ")
    if not s:
        raise AdvisoryError("empty requirement")
    if s[0] in "*xX":
        if s[1:].strip(" "):
            raise AdvisoryError(f"wildcard not the only comparator in {text!r}")
        return []
    parts = s.split(",")
    if len(parts) > 32:
        raise AdvisoryError("too many comparators")
    comps = []
    for part in parts:
        part = part.strip(" ")
        if not part:
            raise AdvisoryError(f"empty comparator in {text!r}")
        comps.append(parse_comparator(part))
    return comps


# ---------------------------------------------------------------------------
# spec §2.4: requirements -> unaffected intervals -> affected intervals.
# A bound is None (unbounded) or (inclusive: bool, version).

def cmp_versions(a, b):
    ka, kb = version_key(a), version_key(b)
    return (ka > kb) - (ka < kb)


def bound_le(start, end):
    """The "bound order" of step 1: start <= end."""
    if start is None or end is None:
        return True
    c = cmp_versions(start[1], end[1])
    return c < 0 or (c == 0 and start[0] and end[0])


def requirement_interval(comps):
    if len(comps) > 2:
        raise AdvisoryError("Too many comparators")
    start = end = None
    for op, major, minor, patch, pre in comps:
        cv = (major, minor or 0, patch or 0, pre)
        if op in (">", ">="):
            if start is not None:
                raise AdvisoryError("More than one lower bound")
            start = (op == ">=", cv)
        elif op in ("<", "<="):
            if end is not None:
                raise AdvisoryError("More than one upper bound")
            end = (op == "<=", cv)
        elif op in ("=", "^", "~"):
            if len(comps) != 1:
                raise AdvisoryError(f"{op} must be the only comparator")
            if op == "=":
                start = end = (True, cv)
            elif op == "^":
                if major > 0:
                    e = (major + 1, 0, 0)
                elif minor == 0 and patch is not None:
                    e = (0, 0, patch + 1)
                elif minor is not None:
                    e = (0, minor + 1, 0)
                else:
                    e = (1, 0, 0)
                start, end = (True, cv), (False, e + (("0",),))
            else:
                e = (major, minor + 1, 0) if minor is not None else (major + 1, 0, 0)
                start, end = (True, cv), (False, e + (("0",),))
        else:
            raise AdvisoryError("Unsupported operator")
    if not bound_le(start, end):
        raise AdvisoryError("invalid interval: start above end")
    return (start, end)


def affected_intervals(patched, unaffected):
    """Returns a list of (introduced or None, fixed or None)."""
    intervals = [requirement_interval(parse_requirement(r)) for r in unaffected]
    intervals += [requirement_interval(parse_requirement(r)) for r in patched]
    if not intervals:
        return [(None, None)]
    for i, a in enumerate(intervals):
        for b in intervals[i + 1:]:
            if bound_le(a[0], b[1]) and bound_le(b[0], a[1]):
                raise AdvisoryError("Overlapping version ranges")
    starts = [iv[0] for iv in intervals]
    if sum(1 for s in starts if s is None) > 1:
        raise AdvisoryError("two unbounded starts")
    keys = [version_key(s[1]) for s in starts if s is not None]
    if len(set(keys)) != len(keys):
        raise AdvisoryError("equal start versions (rustsec panics here)")
    intervals.sort(key=lambda iv: (0,) if iv[0] is None else (1, version_key(iv[0][1])))

    out = []
    first = intervals[0][0]
    if first is not None:
        out.append((None, first[1] if first[0] else next_version(first[1])))
    for left, right in zip(intervals, intervals[1:]):
        lend, rstart = left[1], right[0]
        introduced = next_version(lend[1]) if lend[0] else lend[1]
        fixed = rstart[1] if rstart[0] else next_version(rstart[1])
        out.append((introduced, fixed))
    last = intervals[-1][1]
    if last is not None:
        out.append((next_version(last[1]) if last[0] else last[1], None))
    return out


def events(intervals):
    """spec §3.3."""
    ev = []
    for introduced, fixed in intervals:
        ev.append({"introduced": version_str(introduced) if introduced else "0.0.0-0"})
        if fixed is not None:
            ev.append({"fixed": version_str(fixed)})
    return ev


# ---------------------------------------------------------------------------
# spec §1.9.4: CVSS canonical display and OSV severity type

V3_ORDER = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"]
V4_ORDER = ("AV AC AT PR UI VC VI VA SC SI SA E CR IR AR MAV MAC MAT MPR MUI MVC MVI MVA "
            "MSC MSI MSA S AU R V RE U").split()
V4_BASE = set("AV AC AT PR UI VC VI VA SC SI SA".split())


def cvss(vector):
    """Returns (osv type, canonical vector)."""
    head = vector.split("/", 1)[0]
    label, _, version = head.partition(":")
    if "." not in version:
        return "CVSS_V2", vector  # v2 vectors have no prefix; none in the data
    if label != "CVSS":
        raise AdvisoryError(f"invalid CVSS prefix in {vector!r}")
    order = {"3.0": V3_ORDER, "3.1": V3_ORDER, "4.0": V4_ORDER}.get(version)
    if order is None:
        raise AdvisoryError(f"unsupported CVSS version in {vector!r}")
    metrics = {}
    for comp in vector.split("/")[1:]:
        name, sep, value = comp.partition(":")
        name, value = name.upper(), value.upper()
        if not sep or name not in order or name in metrics:
            raise AdvisoryError(f"bad CVSS component {comp!r}")
        metrics[name] = value
    if version == "4.0" and not V4_BASE <= set(metrics):
        raise AdvisoryError("CVSS 4.0 base metric missing")
    canonical = "/".join([f"CVSS:{version}"] + [f"{m}:{metrics[m]}" for m in order
                                                  if m in metrics])
    return ("CVSS_V4" if version == "4.0" else "CVSS_V3"), canonical


# ---------------------------------------------------------------------------
# spec §3.4: references

def reference_type(url):
    if ("://github.com/" in url or "://gitlab." in url) and "/issues/" in url:
        return "REPORT"
    # Both CVE hosts: the snapshot's exporter knew cve.mitre.org, rustsec HEAD
    # knows www.cve.org; accepting both reproduces the snapshot (spec §3.4).
    if "/advisories/" in url or "://cve.mitre.org/" in url or "://www.cve.org/" in url:
        return "ADVISORY"
    if "://crates.io/crates/" in url:
        return "PACKAGE"
    return "WEB"


# ---------------------------------------------------------------------------
# spec §1.5: function paths in segment-wise order

def function_key(path):
    return [seg.encode() for seg in path.split("::")]


# ---------------------------------------------------------------------------
# spec §3.5: `modified`

def rfc3339(epoch):
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def git_times_one_pass(db):
    """Max committer time per path over non-merge commits (diff against the
    parent, or the empty tree for a root commit), over the whole history."""
    out = subprocess.run(
        ["git", "-C", db, "-c", "core.quotepath=off", "log", "--no-merges", "--no-renames",
         "--root", "--format=%x01%ct", "--name-only", "HEAD"],
        check=True, capture_output=True).stdout.decode("utf-8", "surrogateescape")
    times, created = {}, {}
    now = None
    for line in out.split("\n"):
        if line.startswith("\x01"):
            now = int(line[1:])
        elif line and now is not None:
            if now > times.get(line, -1):
                times[line] = now
            if line not in created or now < created[line]:
                created[line] = now
    return times, created


def git_time_per_file(db, path):
    # --full-history: the spec's command omits it, but without it git hides
    # side-branch commits made redundant by a merge, which the rule of §3.5
    # counts (RUSTSEC-2020-0109 differs by 115 s).
    out = subprocess.run(["git", "-C", db, "log", "--full-history", "--no-merges",
                          "--format=%ct", "--", path],
                         check=True, capture_output=True, text=True).stdout.split()
    return max(int(t) for t in out) if out else None


def read_times_file(path):
    times = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                p, t = line.rsplit(None, 1)
                times[p] = int(t)
    return times


# ---------------------------------------------------------------------------
# spec §3.2: the record

def date_check(s, what):
    try:
        d = datetime.strptime(s, "%Y-%m-%d")
    except (TypeError, ValueError):
        raise AdvisoryError(f"bad {what} {s!r}")
    if d.strftime("%Y-%m-%d") != s or not 2000 <= d.year <= 2100:
        raise AdvisoryError(f"bad {what} {s!r}")
    return s


def strings(table, key):
    v = table.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise AdvisoryError(f"{key} must be an array of strings")
    return v


def build_record(relpath, text, modified_of):
    front, title, description = split_advisory(text)
    try:
        doc = tomllib.loads(front)
    except tomllib.TOMLDecodeError as e:
        raise AdvisoryError(f"TOML: {e}")
    adv = doc.get("advisory")
    versions = doc.get("versions")
    if not isinstance(adv, dict) or not isinstance(versions, dict):
        raise AdvisoryError("missing [advisory] or [versions]")
    if adv.get("title") or adv.get("description"):
        raise AdvisoryError("title/description must come from the Markdown")
    aid, package = adv.get("id"), adv.get("package")
    if not isinstance(aid, str) or not isinstance(package, str):
        raise AdvisoryError("id and package are required strings")
    parts = relpath.split("/")
    if parts[-2] != package:
        raise AdvisoryError("package does not match its directory")
    if not parts[-1] == aid + ".md" and not parts[-1].startswith("RUSTSEC-0000-0000."):
        raise AdvisoryError("file name does not match the id")
    informational = adv.get("informational")
    if informational is not None and informational not in ("notice", "unmaintained", "unsound"):
        return None  # spec §3.1: an Other kind is not exported
    date = date_check(adv.get("date"), "date")
    withdrawn = adv.get("withdrawn")
    if withdrawn is not None:
        date_check(withdrawn, "withdrawn")
    if "patched" not in versions:
        raise AdvisoryError("[versions] patched is required")
    patched, unaffected = strings(versions, "patched"), strings(versions, "unaffected")
    affected = doc.get("affected", {})
    if not isinstance(affected, dict):
        raise AdvisoryError("[affected] must be a table")
    functions = affected.get("functions", {})
    if not isinstance(functions, dict):
        raise AdvisoryError("affected.functions must be a table")

    modified = modified_of(relpath)
    if modified is None:  # cratesec --no-git: the advisory's own latest date
        last = withdrawn if withdrawn and withdrawn > date else date
        modified_text = last + "T12:00:00Z"
    else:
        modified_text = rfc3339(modified)

    severity = []
    canonical = None
    if adv.get("cvss") is not None:
        kind, canonical = cvss(adv["cvss"])
        severity.append({"type": kind, "score": canonical})

    urls = [f"https://crates.io/crates/{package}", f"https://rustsec.org/advisories/{aid}.html"]
    if adv.get("url") is not None:
        urls.append(adv["url"])
    urls += strings(adv, "references")

    record = {"id": aid, "modified": modified_text, "published": date + "T12:00:00Z"}
    if withdrawn is not None:
        record["withdrawn"] = withdrawn + "T12:00:00Z"
    record.update({
        "aliases": strings(adv, "aliases"),
        "related": strings(adv, "related"),
        "summary": title,
        "details": description,
        "severity": severity,
        "affected": [{
            "package": {"ecosystem": "crates.io", "name": package, "purl": "pkg:cargo/" + package},
            "ecosystem_specific": {
                "affects": {
                    "arch": strings(affected, "arch"),
                    "os": strings(affected, "os"),
                    "functions": sorted(functions, key=function_key),
                },
                "affected_functions": None,
            },
            "database_specific": {
                "categories": strings(adv, "categories"),
                "cvss": canonical,
                "informational": informational,
            },
            "ranges": [{"type": "SEMVER", "events": events(affected_intervals(patched,
                                                                             unaffected))}],
            "versions": [],
        }],
        "references": [{"type": reference_type(u), "url": u} for u in urls],
        "database_specific": {"license": adv.get("license", "CC0-1.0")},
    })
    return record


def dump(obj):
    """spec §3.1: serde_json pretty == this, with no trailing newline."""
    return json.dumps(obj, indent=2, ensure_ascii=False)


def id_order_key(record):
    """Newest first by ID number, as cratesec orders the per-crate arrays."""
    _, year, num = record["id"].split("-", 2)
    return (int(year), int(num))


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    flags = {a.split("=", 1)[0]: a for a in argv if a.startswith("--")}
    times_file = None
    if "--times" in argv:
        i = argv.index("--times")
        times_file = argv[i + 1]
        args.remove(times_file)
    if len(args) != 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    db, outdir = args
    if times_file:
        times = read_times_file(times_file)
        modified_of = times.get
    elif "--per-file-git" in flags:
        def modified_of(p):
            return git_time_per_file(db, p)
    else:
        times, _ = git_times_one_pass(db)
        modified_of = times.get

    os.makedirs(outdir, exist_ok=True)
    crates = os.path.join(db, "crates")
    failures = 0
    per_crate = {}
    for package in sorted(os.listdir(crates)):
        pdir = os.path.join(crates, package)
        if not os.path.isdir(pdir):
            continue
        for name in sorted(os.listdir(pdir)):
            if name.startswith("."):
                continue
            relpath = f"crates/{package}/{name}"
            try:
                if not name.endswith(".md"):
                    raise AdvisoryError("unexpected file extension")
                with open(os.path.join(pdir, name), encoding="utf-8", newline="") as f:
                    record = build_record(relpath, f.read(), modified_of)
            except (AdvisoryError, UnicodeDecodeError) as e:
                print(f"osv_reference: {relpath}: {e}", file=sys.stderr)
                failures += 1
                continue
            if record is None:
                continue
            with open(os.path.join(outdir, record["id"] + ".json"), "w", encoding="utf-8",
                      newline="") as f:
                f.write(dump(record))
            per_crate.setdefault(package, []).append(record)
    if "--packages" in flags:
        pkgdir = os.path.join(outdir, "packages")
        os.makedirs(pkgdir, exist_ok=True)
        for package, records in per_crate.items():
            records.sort(key=id_order_key, reverse=True)
            with open(os.path.join(pkgdir, package + ".json"), "w", encoding="utf-8",
                      newline="") as f:
                f.write(dump(records))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
