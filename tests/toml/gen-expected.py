#!/usr/bin/env python3
"""Regenerates valid/*.json from valid/*.toml with Python's tomllib, an
independent TOML 1.0 implementation, so the expected output of our decoder is
not derived from our decoder.  Usage: python3 tests/toml/gen-expected.py"""
import datetime, json, math, os, sys, tomllib

def tag(v):
    if isinstance(v, dict):
        return {k: tag(x) for k, x in v.items()}
    if isinstance(v, list):
        return [tag(x) for x in v]
    if isinstance(v, bool):
        return {"type": "bool", "value": "true" if v else "false"}
    if isinstance(v, int):
        return {"type": "integer", "value": str(v)}
    if isinstance(v, float):
        if math.isnan(v):
            s = "nan"
        elif math.isinf(v):
            s = "inf" if v > 0 else "-inf"
        else:
            s = repr(v)
        return {"type": "float", "value": s}
    if isinstance(v, str):
        return {"type": "string", "value": v}
    if isinstance(v, datetime.datetime):
        return {"type": "datetime" if v.tzinfo else "datetime-local", "value": v.isoformat()}
    if isinstance(v, datetime.date):
        return {"type": "date-local", "value": v.isoformat()}
    if isinstance(v, datetime.time):
        return {"type": "time-local", "value": v.isoformat()}
    raise TypeError(type(v))

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "valid")
for name in sorted(os.listdir(here)):
    if not name.endswith(".toml"):
        continue
    # utf-8-sig: a byte order mark may open a TOML document (as the toml
    # crate reads it), which tomllib refuses; it carries no data.
    with open(os.path.join(here, name), "rb") as f:
        doc = tomllib.loads(f.read().decode("utf-8-sig"))
    with open(os.path.join(here, name[:-5] + ".json"), "w", encoding="utf-8") as f:
        json.dump(tag(doc), f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", name[:-5] + ".json", file=sys.stderr)
