"""Every route of the OpenAPI document, fed what a hostile client or a buggy phone sends,
answers a problem (never a 500) or its documented success (#12, "Bad input answered 500").

The values: JSON nested 1,000 deep (list and object, whole body and as a field), lone
surrogates, NUL, repeated keys, numbers beyond 64 bits and beyond a float, dates and times
at the edges of the calendar (``0001-01-01``, ``9999-12-31``, ±14:00 offsets), bodies of
the wrong media type; on both databases, as an administrator, an operations manager and
a guard. Routes come from the document, so a new endpoint is walked without being named.
"""
from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import urlencode

from tests.conftest import login

ROLES = ("admin", "operations_manager", "guard")
DEEP_LIST = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000
HUGE_INT = 2**63
EDGE_DATES = ("0001-01-01", "9999-12-31")
EDGE_TIMES = ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
              "9999-12-31T23:59:59Z")
EDGE_QUERY = (str(HUGE_INT), str(-HUGE_INT), "99999999999999999999999", *EDGE_DATES, *EDGE_TIMES,
              "a\x00b", "\x00")
PATH_INTS = ("0", "9999", str(HUGE_INT), "99999999999999999999999")


def _schema(spec: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    return spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]] if "$ref" in ref else ref


def _bodies(spec: dict[str, Any], op: dict[str, Any]) -> list[tuple[str, bytes, str | None]]:
    """(label, body, content type) for one operation."""
    cases: list[tuple[str, bytes, str | None]] = [
        ("deep list", DEEP_LIST.encode(), "application/json"),
        ("deep object", DEEP_OBJECT.encode(), "application/json"),
        ("repeated key", b'{"a": 1, "a": 2}', "application/json"),
        ("text/plain", b"{}", "text/plain"),
        ("form", b"a=1", "application/x-www-form-urlencoded"),
        ("no type", b"{}", None),
        ("huge float", b'{"a": 1e400}', "application/json"),
    ]
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    props = _schema(spec, content["schema"]).get("properties", {}) if content else {}
    for name, prop in props.items():
        values: list[Any] = ["\ud800", "x\x00y", "\udc00z", {"\ud800": 1}, HUGE_INT, 1e308 * 10]
        fmt = prop.get("format")
        values += list(EDGE_DATES) if fmt == "date" else list(EDGE_TIMES) if fmt == "date-time" else []
        for value in values:
            body = {n: value if n == name else "x" for n in props}
            cases.append((f"{name}={value!r}", json.dumps(body).encode(), "application/json"))
        deep = json.dumps({n: "x" for n in props})[:-1] + f', "{name}": {DEEP_LIST}' + "}"
        cases.append((f"{name}=deep", deep.encode(), "application/json"))
        twice = '{"%s": "a", "%s": "b"}' % (name, name)
        cases.append((f"{name} twice", twice.encode(), "application/json"))
    return cases


def _paths(path: str, branch_id: str) -> list[str]:
    paths = [path.replace("{branch_id}", branch_id)]
    for name in re.findall(r"\{(\w+)\}", path):
        if name == "year":
            paths = [p.replace("{year}", value) for p in paths for value in PATH_INTS]
        elif name == "sha256":
            paths = [p.replace("{sha256}", value) for p in paths for value in ("0" * 64, "%00")]
        else:
            paths = [p.replace("{%s}" % name, str(uuid.uuid4())) for p in paths]
    return paths


#: The two routes whose documented answer is an HTML page: the API docs and the app (#15).
HTML_PAGES = ("GET /api/docs ", "GET / ")


def _check(resp: Any, label: str, failures: list[str]) -> None:
    if resp.status_code >= 500:
        failures.append(f"{label}: {resp.status_code} {resp.get_data(as_text=True)[:200]}")
    elif resp.status_code >= 400 and resp.mimetype != "application/problem+json":
        failures.append(f"{label}: {resp.status_code} as {resp.mimetype}")
    elif "html" in (resp.mimetype or "") and not label.startswith(HTML_PAGES):
        failures.append(f"{label}: {resp.status_code} as {resp.mimetype}")
    resp.close()


def test_every_route_answers_hostile_input_without_a_500(client, demo):
    spec = client.get("/api/openapi.json").get_json()
    tokens = {}
    for role in ROLES:
        employee_no = next(no for no, acc in demo["accounts"].items() if acc["role"] == role)
        tokens[role] = login(client, employee_no)["token"]
    failures: list[str] = []
    walked = 0
    for template, operations in spec["paths"].items():
        for method, op in operations.items():
            if template == "/api/auth/logout":
                continue  # would end the sessions this walk sends with
            queries = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
            for role, token in tokens.items():
                headers = {"Authorization": f"Bearer {token}"}
                for path in _paths(template, demo["branch_id"]):
                    label = f"{method.upper()} {path} as {role}"
                    _check(client.open(path, method=method.upper(), headers=headers), label, failures)
                    walked += 1
                    for name in queries:
                        for value in EDGE_QUERY:
                            resp = client.open(path + "?" + urlencode({name: value}), method=method.upper(),
                                               headers=headers)
                            _check(resp, f"{label} ?{name}={value!r}", failures)
                            walked += 1
                    if method in ("post", "put", "patch", "delete"):
                        for case, body, ctype in _bodies(spec, op):
                            hdrs = {**headers, **({"Content-Type": ctype} if ctype else {})}
                            resp = client.open(path, method=method.upper(), data=body, headers=hdrs)
                            _check(resp, f"{label} body {case}", failures)
                            walked += 1
    assert walked > 1000
    assert not failures, f"{len(failures)} of {walked} answers were wrong:\n" + "\n".join(failures[:60])
