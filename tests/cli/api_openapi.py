#!/usr/bin/env python3
"""tests/cli/api_openapi.py URL DOC - checks a running `cratesec serve` against
its OpenAPI document.

Every operation of DOC (server/openapi.json) is called: GET operations once
per example of each path parameter (the other parameters at an example that
expects 200), POST operations once per request-body example, OPTIONS as a
CORS preflight.  Each example names the status it expects (x-expect-status).
For every answer the status must be that one and documented, the
Content-Type the documented media type, the documented headers present, and
the body valid against the documented schema (a small JSON Schema validator:
the OpenAPI 3.0 subset the document uses).  Every 200 GET is then repeated
with If-None-Match and must give a documented 304.  The document served at
/openapi.json must equal DOC.  Prints "N passed, M failed"; exit 1 on failure.
"""
import http.client
import json
import re
import sys
import urllib.parse

URL, DOC_PATH = sys.argv[1], sys.argv[2]
u = urllib.parse.urlsplit(URL)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)
    return ok


def request(method, path, body=None, headers=None):
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    raw = r.read()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, raw


with open(DOC_PATH, encoding="utf-8") as f:
    doc = json.load(f)


def resolve(schema):
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = doc["components"]["schemas"][name]
    return schema


DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def validate(schema, v, where, errors):
    """Appends to `errors` every way `v` breaks `schema`.  Iterative: the
    work list holds (schema, value, location)."""
    work = [(schema, v, where)]
    while work:
        s, v, where = work.pop()
        s = resolve(s)
        if v is None:
            if not s.get("nullable") and "type" in s:
                errors.append(f"{where}: null not allowed")
            continue
        t = s.get("type")
        if t and not TYPES[t](v):
            errors.append(f"{where}: expected {t}, got {type(v).__name__}")
            continue
        if "enum" in s and v not in s["enum"]:
            errors.append(f"{where}: {v!r} not in {s['enum']}")
        if isinstance(v, str):
            if "pattern" in s and not re.search(s["pattern"], v):
                errors.append(f"{where}: {v!r} does not match {s['pattern']}")
            fmt = s.get("format")
            if fmt == "date-time" and not DATE_TIME.match(v):
                errors.append(f"{where}: {v!r} is not a date-time")
            if fmt == "date" and not DATE.match(v):
                errors.append(f"{where}: {v!r} is not a date")
        if isinstance(v, (int, float)) and not isinstance(v, bool) and "minimum" in s:
            if v < s["minimum"]:
                errors.append(f"{where}: {v} below {s['minimum']}")
        if isinstance(v, list):
            if len(v) < s.get("minItems", 0) or len(v) > s.get("maxItems", len(v)):
                errors.append(f"{where}: {len(v)} items outside the allowed count")
            for i, item in enumerate(v):
                if "items" in s:
                    work.append((s["items"], item, f"{where}[{i}]"))
        if isinstance(v, dict):
            props = s.get("properties", {})
            for k in s.get("required", []):
                if k not in v:
                    errors.append(f"{where}: missing {k}")
            if len(v) < s.get("minProperties", 0) or len(v) > s.get("maxProperties", len(v)):
                errors.append(f"{where}: {len(v)} members outside the allowed count")
            extra = s.get("additionalProperties", True)
            for k, item in v.items():
                if k in props:
                    work.append((props[k], item, f"{where}.{k}"))
                elif extra is False:
                    errors.append(f"{where}: unexpected member {k}")
                elif isinstance(extra, dict):
                    work.append((extra, item, f"{where}.{k}"))
        for sub in s.get("allOf", []):
            work.append((sub, v, where))
        if "oneOf" in s:
            n = 0
            for sub in s["oneOf"]:
                e = []
                validate(sub, v, where, e)
                n += not e
            if n != 1:
                errors.append(f"{where}: matches {n} of oneOf")


def check_response(op_name, op, status, hdrs, raw, want):
    label = f"{op_name} -> {status}"
    if not check(status == want, f"{op_name}: status {status}, want {want}: {raw[:200]!r}"):
        return None
    resp = op["responses"].get(str(status))
    if not check(resp is not None, f"{label}: status not documented"):
        return None
    for name in resp.get("headers", {}):
        check(name.lower() in hdrs, f"{label}: header {name} missing")
    content = resp.get("content")
    if not content:
        check(len(raw) == 0 or status >= 400, f"{label}: undocumented body")
        return None
    ctype = hdrs.get("content-type", "").split(";")[0].strip()
    if not check(ctype in content, f"{label}: Content-Type {ctype!r} not in {list(content)}"):
        return None
    try:
        body = json.loads(raw)
    except ValueError as e:
        check(False, f"{label}: body is not JSON: {e}")
        return None
    errors = []
    validate(content[ctype]["schema"], body, "$", errors)
    check(not errors, f"{label}: {'; '.join(errors[:5])}")
    return body


def fill(template, values):
    return re.sub(r"\{(\w+)\}", lambda m: urllib.parse.quote(values[m.group(1)], safe=""), template)


# The served document is this document.
status, hdrs, raw = request("GET", "/openapi.json")
check(status == 200 and json.loads(raw) == doc, "/openapi.json differs from " + DOC_PATH)

exercised = set()
for path, item in doc["paths"].items():
    for method, op in item.items():
        name = f"{method.upper()} {path}"
        if "x-tested-by" in op:
            # Cases that need what another test makes (tokens): that test
            # calls them (the note names it).
            exercised.add(path)
            continue
        if method == "get":
            params = [p for p in op.get("parameters", []) if p["in"] == "path"]
            base = {}
            for p in params:
                ok = [e for e in p["examples"].values() if e["x-expect-status"] == 200]
                base[p["name"]] = ok[0]["value"]
            cases = [(dict(base), 200, "defaults")]
            for p in params:
                for ename, e in p["examples"].items():
                    vals = dict(base)
                    vals[p["name"]] = e["value"]
                    cases.append((vals, e["x-expect-status"], f"{p['name']}={ename}"))
            for vals, want, label in cases:
                target = fill(path, vals)
                status, hdrs, raw = request("GET", target)
                check_response(f"{name} [{label}] {target}", op, status, hdrs, raw, want)
                exercised.add(path)
                if status == 200:
                    etag = hdrs.get("etag")
                    if check(etag is not None, f"{target}: no ETag"):
                        s2, h2, r2 = request("GET", target, headers={"If-None-Match": etag})
                        check_response(f"{name} [{label}, If-None-Match]", op, s2, h2, r2, 304)
                        check(r2 == b"", f"{target}: 304 with a body")
        elif method == "post":
            content = op["requestBody"]["content"]
            # A JSON body, or a text one (the audit takes a lockfile as it is).
            ctype = "application/json" if "application/json" in content else "text/plain"
            examples = content[ctype]["examples"]
            for ename, e in examples.items():
                errors = []
                if e["x-expect-status"] in (200, 201):
                    # Examples expected to succeed must be valid requests.
                    validate(content[ctype]["schema"], e["value"], "request", errors)
                    check(not errors, f"{name} [{ename}]: example invalid: {errors[:3]}")
                if ctype == "application/json":
                    status, hdrs, raw = request("POST", path, body=e["value"])
                else:
                    conn.request("POST", path, body=e["value"].encode(),
                                 headers={"Content-Type": ctype})
                    r = conn.getresponse()
                    status, hdrs, raw = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
                check_response(f"{name} [{ename}]", op, status, hdrs, raw, e["x-expect-status"])
                exercised.add(path)
        elif method == "options":
            target = path
            for p in re.findall(r"\{(\w+)\}", path):
                target = target.replace("{" + p + "}", "x")
            status, hdrs, raw = request("OPTIONS", target, headers={
                "Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
            check_response(f"{name}", op, status, hdrs, raw, 204)
            want = op["responses"]["204"]["headers"]["Access-Control-Allow-Methods"]
            check(hdrs.get("access-control-allow-methods") in want["schema"]["enum"],
                  f"{name}: Allow-Methods {hdrs.get('access-control-allow-methods')}")
check(exercised == set(doc["paths"]), f"paths never called: {set(doc['paths']) - exercised}")

print(f"api_openapi.py: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
