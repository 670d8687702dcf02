#!/usr/bin/env python3
"""Generates lib/cvss40_tables.h from the CVSS v4.0 data tables (spec §1.9.4).

Regenerate with (from the top of the source tree):

    python3 tools/gen_cvss40.py ../shared/docs/cvss40-tables.json > lib/cvss40_tables.h

The input is the JSON file that ships beside the spec (LOOKUP_TABLE,
MAX_COMPOSED, MAX_SEVERITY, METRIC_LEVELS, as published with FIRST's
reference calculator).  The output depends only on the input bytes, so running
the script twice gives identical files; the header records the SHA-256 of the
input to make a stale table easy to spot.

The tables are turned into plain C arrays so that lib/cvss.c never parses
anything at run time:

  - cvss40_lookup[eq1][eq2][eq3][eq4][eq5][eq6]: macro-vector score, or -1
    where FIRST defines no macro-vector (EQ3=2 with EQ6=0, 54 cells).
  - cvss40_maxsev_*: MAX_SEVERITY depths, -1 where undefined.
  - cvss40_max_eq*: MAX_COMPOSED, each highest-severity vector reduced to the
    value letters of its metrics in a fixed order (given in the comments), so
    "AV:N/PR:L/UI:N/" becomes "NLN".
  - cvss40_levels: METRIC_LEVELS as (metric, value letters, levels).
"""

import hashlib
import json
import sys

# Metric order used for each equivalence class in the compact max vectors.
EQ_METRICS = {
    "eq1": ["AV", "PR", "UI"],
    "eq2": ["AC", "AT"],
    "eq3": ["VC", "VI", "VA", "CR", "IR", "AR"],
    "eq4": ["SC", "SI", "SA"],
    "eq5": ["E"],
}
# The order of METRIC_LEVELS in the output (FIRST's order of the distance terms).
LEVEL_ORDER = ["AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA",
               "CR", "IR", "AR", "E"]


def fail(msg):
    sys.stderr.write("gen_cvss40.py: %s\n" % msg)
    sys.exit(1)


def num(x):
    """C literal for a table number; repr() round-trips the double exactly."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        fail("not a number: %r" % (x,))
    return repr(float(x))


def compact(vector, metrics):
    """'AV:N/PR:L/UI:N/' -> 'NLN' in the order of `metrics`; checks the shape."""
    parts = [p for p in vector.split("/") if p]
    pairs = dict(p.split(":", 1) for p in parts)
    if sorted(pairs) != sorted(metrics) or len(parts) != len(metrics):
        fail("unexpected max vector %r (want metrics %s)" % (vector, metrics))
    out = ""
    for m in metrics:
        if len(pairs[m]) != 1:
            fail("multi-letter value in %r" % vector)
        out += pairs[m]
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "../shared/docs/cvss40-tables.json"
    with open(path, "rb") as f:
        raw = f.read()
    data = json.loads(raw.decode("utf-8"))
    lookup = data["LOOKUP_TABLE"]
    maxc = data["MAX_COMPOSED"]
    maxs = data["MAX_SEVERITY"]
    levels = data["METRIC_LEVELS"]
    if len(lookup) != 270:
        fail("expected 270 macro-vectors, found %d" % len(lookup))

    out = []
    w = out.append
    w("/* cvss40_tables.h - CVSS v4.0 scoring tables (spec §1.9.4).  GENERATED: do not edit.")
    w(" *")
    w(" * Made by tools/gen_cvss40.py from cvss40-tables.json")
    w(" * (sha256 %s);" % hashlib.sha256(raw).hexdigest())
    w(" * regenerate: python3 tools/gen_cvss40.py ../shared/docs/cvss40-tables.json > lib/cvss40_tables.h")
    w(" * Included only by lib/cvss.c. */")
    w("#ifndef CSEC_CVSS40_TABLES_H")
    w("#define CSEC_CVSS40_TABLES_H")
    w("")

    # Macro-vector scores.
    seen = set()
    w("/* Score of each macro-vector [eq1][eq2][eq3][eq4][eq5][eq6]; -1: not defined. */")
    w("static const double cvss40_lookup[3][2][3][3][3][2] = {")
    for e1 in range(3):
        w("    {")
        for e2 in range(2):
            w("        {")
            for e3 in range(3):
                w("            {")
                for e4 in range(3):
                    cells = []
                    for e5 in range(3):
                        pair = []
                        for e6 in range(2):
                            key = "%d%d%d%d%d%d" % (e1, e2, e3, e4, e5, e6)
                            if key in lookup:
                                seen.add(key)
                                pair.append(num(lookup[key]))
                            else:
                                pair.append("-1.0")
                        cells.append("{%s}" % ", ".join(pair))
                    w("                {%s}," % ", ".join(cells))
                w("            },")
            w("        },")
        w("    },")
    w("};")
    w("")
    if seen != set(lookup):
        fail("lookup keys outside the EQ ranges: %s" % sorted(set(lookup) - seen))

    # Max severity depths.
    w("/* MAX_SEVERITY: depth of each equivalence class level, in steps of 0.1; -1: none. */")
    for eq, size in (("eq1", 3), ("eq2", 2), ("eq4", 3), ("eq5", 3)):
        vals = [num(maxs[eq][str(i)]) if str(i) in maxs[eq] else "-1.0" for i in range(size)]
        w("static const double cvss40_maxsev_%s[%d] = {%s};" % (eq, size, ", ".join(vals)))
    rows = []
    for e3 in range(3):
        row = maxs["eq3eq6"].get(str(e3), {})
        rows.append("{%s}" % ", ".join(num(row[str(e6)]) if str(e6) in row else "-1.0"
                                        for e6 in range(2)))
    w("static const double cvss40_maxsev_eq3eq6[3][2] = {%s};" % ", ".join(rows))
    w("")

    # Max composed vectors.
    w("/* MAX_COMPOSED: highest-severity vectors of each level as value letters, NULL-ended.")
    for eq in ("eq1", "eq2", "eq3", "eq4", "eq5"):
        w(" *   %s%s: %s" % (eq, "eq6" if eq == "eq3" else "", " ".join(EQ_METRICS[eq])))
    w(" */")
    for eq, size in (("eq1", 3), ("eq2", 2), ("eq4", 3), ("eq5", 3)):
        lists = [[compact(v, EQ_METRICS[eq]) for v in maxc[eq].get(str(i), [])]
                 for i in range(size)]
        width = max(len(x) for x in lists) + 1
        w("static const char *const cvss40_max_%s[%d][%d] = {" % (eq, size, width))
        for lst in lists:
            w("    {%s}," % ", ".join(['"%s"' % s for s in lst] + ["NULL"]))
        w("};")
    lists3 = [[[compact(v, EQ_METRICS["eq3"]) for v in maxc["eq3"].get(str(e3), {}).get(str(e6), [])]
               for e6 in range(2)] for e3 in range(3)]
    width = max(len(x) for row in lists3 for x in row) + 1
    w("static const char *const cvss40_max_eq3eq6[3][2][%d] = {" % width)
    for row in lists3:
        w("    {")
        for lst in row:
            w("        {%s}," % ", ".join(['"%s"' % s for s in lst] + ["NULL"]))
        w("    },")
    w("};")
    w("")

    # Metric levels.
    if sorted(levels) != sorted(LEVEL_ORDER):
        fail("unexpected METRIC_LEVELS metrics %s" % sorted(levels))
    w("/* METRIC_LEVELS: severity level of each value of the metrics that enter the distance. */")
    w("struct cvss40_level {")
    w("    const char *metric;")
    w("    const char *letters; /* one letter per value */")
    w("    double level[5];")
    w("};")
    w("static const struct cvss40_level cvss40_levels[%d] = {" % len(LEVEL_ORDER))
    for m in LEVEL_ORDER:
        vals = levels[m]
        if any(len(k) != 1 for k in vals) or len(vals) > 5:
            fail("bad METRIC_LEVELS entry for %s" % m)
        letters = "".join(vals)
        w('    {"%s", "%s", {%s}},' % (m, letters, ", ".join(num(vals[k]) for k in vals)))
    w("};")
    w("")
    w("#endif")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
