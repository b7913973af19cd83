"""The OpenAPI 3 document, generated from the routes and their marshmallow schemas.

A view declares its contract with :func:`doc`; :func:`build_spec` walks the URL map,
so a route that exists is documented (its docstring at least) and nothing is hand-kept.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema

from ..schemas.auth import Problem

F = TypeVar("F", bound=Callable[..., Any])
PROTECTED_PREFIX = "/api/"
PUBLIC = {"/api/auth/login", "/api/openapi.json", "/api/docs"}

_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    400: "Bad request (problem+json)",
    401: "Unauthenticated (problem+json)",
    403: "Forbidden (problem+json)",
    404: "Not found (problem+json)",
    409: "Conflict (problem+json)",
    412: "Stale version (problem+json)",
    413: "Too large (problem+json)",
    422: "Validation failed (problem+json)",
    429: "Too many attempts (problem+json)",
}


def doc(
    *,
    body: Schema | type[Schema] | None = None,
    response: Schema | type[Schema] | None = None,
    status: int = 200,
    errors: Iterable[int] = (),
    tags: Iterable[str] = (),
    query: Schema | type[Schema] | None = None,
) -> Callable[[F], F]:
    """Attach an OpenAPI contract to a view function (read by :func:`build_spec`)."""

    def decorate(view: F) -> F:
        view._openapi = {  # type: ignore[attr-defined]
            "body": body,
            "response": response,
            "status": status,
            "errors": tuple(errors),
            "tags": tuple(tags),
            "query": query,
        }
        return view

    return decorate


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for conv, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule):
        schema = {"type": "string", "format": "uuid"} if conv == "uuid" else {"type": "string"}
        if conv == "int":
            schema = {"type": "integer"}
        params.append({"in": "path", "name": name, "required": True, "schema": schema})
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule), params


def _operation(app: Flask, endpoint: str, rule_path: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    view = app.view_functions[endpoint]
    meta = getattr(view, "_openapi", {})
    lines = (view.__doc__ or endpoint).strip().splitlines()
    op: dict[str, Any] = {"summary": lines[0], "operationId": endpoint, "responses": {}}
    if len(lines) > 1:
        op["description"] = "\n".join(line.strip() for line in lines[1:]).strip()
    op["tags"] = list(meta.get("tags") or [endpoint.split(".")[0]])
    if params:
        op["parameters"] = list(params)
    if meta.get("query") is not None:
        op.setdefault("parameters", []).append({"in": "query", "schema": meta["query"]})
    if meta.get("body") is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": meta["body"]}}}
    status = meta.get("status", 200)
    ok: dict[str, Any] = {"description": _STATUS_TEXT.get(status, "OK")}
    if meta.get("response") is not None:
        ok["content"] = {"application/json": {"schema": meta["response"]}}
    op["responses"][str(status)] = ok
    problem = {"content": {"application/problem+json": {"schema": "Problem"}}}
    codes = set(meta.get("errors", ()))
    if rule_path.startswith(PROTECTED_PREFIX) and rule_path not in PUBLIC:
        codes.add(401)
        op["security"] = [{"bearer": []}]
    for code in sorted(codes):
        op["responses"][str(code)] = {"description": _STATUS_TEXT.get(code, "Error"), **problem}
    return op


def build_spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.0 document of every route of ``app``."""
    spec = APISpec(
        title="Branch Field Ops API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Offline-first field operations for bank branches. Errors are application/problem+json with a stable `code`."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=Problem)
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or rule.rule.startswith("/api/docs/assets"):
            continue
        path, params = _path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(app, rule.endpoint, path, params)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
