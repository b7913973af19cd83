"""One declared contract per route: flask-smorest over the marshmallow schemas (#11).

Every blueprint of the API is a :class:`Blueprint` of flask-smorest, so the schema that
documents a route is the one that works it:

* ``@bp.arguments(Schema, location="query")`` (or the JSON body) loads the input; a field
  error, or a value beyond what the server stores (``input_gate.checked``), is our 422
  ``validation_failed`` problem with the schema's messages, exactly as before;
* ``@bp.response(200, Schema)`` serialises what the view returns through that schema:
  a field the schema does not list is not sent, so the document cannot fall behind;
* :func:`problems` names the problem+json answers a route may give besides.

Errors stay ours: :mod:`server.errors` answers every one (flask-smorest's handlers are
not installed). The document is served by :mod:`server.api.docs` (Swagger UI from local
files), not by flask-smorest's own page, which loads from a CDN. Routes under ``/api/``
need a bearer token unless listed in :data:`PUBLIC`; the document says so per operation.
"""
from __future__ import annotations

import http
from typing import Any, Callable, Iterable, TypeVar

import flask_smorest
from apispec import BasePlugin
from flask import Flask
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser

from ..errors import ValidationFailed
from ..input_gate import checked
from ..schemas.auth import Problem

F = TypeVar("F", bound=Callable[..., Any])
PROTECTED_PREFIX = "/api/"
#: Routes under ``/api/`` that answer without a bearer token.
PUBLIC = {"/api/auth/login", "/api/openapi.json", "/api/docs"}
PROBLEM_MEDIA_TYPE = "application/problem+json"
INFO = {"description": "Offline-first field operations for bank branches. Errors are "
                       "application/problem+json with a stable `code`."}


class Parser(FlaskParser):
    """webargs' Flask parser with the house's answers: a refusal is
    :class:`~server.errors.ValidationFailed` with the schema's own messages (not keyed
    by location), what loads passes :func:`~server.input_gate.checked`, and a query's
    unknown keys are handled as its schema says (its ``Meta.unknown``)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        return checked(super().parse(*args, **kwargs))

    def handle_error(self, error: Any, req: Any, schema: Any, *, error_status_code: Any, error_headers: Any) -> None:
        messages = error.normalized_messages()
        if len(messages) == 1 and next(iter(messages)) in self.__location_map__:
            messages = next(iter(messages.values()))
        raise ValidationFailed(messages)


class Blueprint(flask_smorest.Blueprint):
    """A blueprint whose routes load and dump through the schemas that document them.
    ``HEAD`` and ``OPTIONS`` are Flask's (or, on photos, described by the ``GET``)."""

    ARGUMENTS_PARSER = Parser()
    HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def problems(*codes: int) -> Callable[[F], F]:
    """Document the problem+json answers (``403``, ``404``, …) a route may give; ``401``
    is added to every protected route, ``422`` to every route that loads arguments."""
    return Blueprint.doc(responses={str(code): http.HTTPStatus(code).name for code in codes})


def also_as(*media_types: str) -> Callable[[F], F]:
    """Document that a route's 200 may also be a file in ``media_types`` (a download the
    view builds itself, e.g. CSV), besides the JSON its response schema serialises."""
    content = {media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in media_types}
    return Blueprint.doc(responses={200: {"content": content}})  # merged into the 200 of @bp.response


class Protected(BasePlugin):
    """Marks every operation under ``/api/`` but :data:`PUBLIC` as needing a bearer token
    (``security`` and a ``401`` answer), names each operation by its endpoint, and lists
    the path's parameters on each operation (a reader of one operation sees them all)."""

    def path_helper(self, path: str | None = None, operations: dict | None = None,
                    parameters: list | None = None, **kwargs: Any) -> None:
        if parameters:
            for op in (operations or {}).values():
                op["parameters"] = [*parameters, *op.get("parameters", [])]
            parameters.clear()

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        for method, op in (operations or {}).items():
            if rule is not None:
                op.setdefault("operationId", rule.endpoint if len(operations) == 1 else f"{rule.endpoint}_{method}")
            if path and path.startswith(PROTECTED_PREFIX) and path not in PUBLIC:
                op["security"] = [{"bearer": []}]
                op.setdefault("responses", {}).setdefault("401", "UNAUTHORIZED")


class Api(flask_smorest.Api):
    """flask-smorest's document builder, without its error handlers (``server/errors.py``
    answers every error) and without its docs pages (``server/api/docs.py`` serves them)."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        return None

    def _register_doc_blueprint(self) -> None:
        return None

    def _register_responses(self) -> None:
        """Every error answer of the document is a problem (application/problem+json)."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def init_api(app: Flask, blueprints: Iterable[Blueprint], components: Iterable[Any] = ()) -> Api:
    """Register ``blueprints`` through one :class:`Api` (kept as ``app.extensions["openapi"]``)
    and add ``components`` (schema classes an integrator needs, e.g. mutation args)."""
    api = Api(spec_kwargs={"title": "Branch Field Ops API", "version": "1", "openapi_version": "3.0.3",
                           "info": INFO, "extra_plugins": [Protected()]})
    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    for schema in components:
        name = api.ma_plugin.converter.schema_name_resolver(schema)
        if name not in api.spec.components.schemas:
            api.spec.components.schema(name, schema=schema)
    app.extensions["openapi"] = api
    return api


def _component(api: Api, schema: type) -> dict[str, str]:
    """A ``$ref`` to ``schema``'s component, registering it when no route did."""
    name = api.ma_plugin.converter.schema_name_resolver(schema)
    if name not in api.spec.components.schemas:
        api.spec.components.schema(name, schema=schema)
    return {"$ref": f"#/components/schemas/{name}"}


def _document_sync(api: Api, registry: Any) -> dict[str, Any]:
    """``x-mutations`` (each mutator's args schema, roles and rejection codes: the schema
    the engine loads ``args`` with) and ``x-entities`` (each pulled entity's ``data``)."""
    from ..schemas.entities import ENTITY_DATA

    mutations = {
        name: {"args": _component(api, type(m.schema)), "roles": sorted(m.roles or ()),
               "rejection_codes": sorted(m.rejection_codes or ()), "summary": (m.handler.__doc__ or "").strip()}
        for name, m in sorted(registry.mutators.items())
    }
    entities = {name: {"data": _component(api, ENTITY_DATA[name])} for name in sorted(registry.entities)
                if name in ENTITY_DATA}
    return {"x-mutations": mutations, "x-entities": entities}


def _strict_nullable(node: Any) -> Any:
    """apispec writes a nullable nested schema (``end_times``) as ``anyOf: [{type: object,
    nullable: true}, {$ref}]``, whose first branch admits any object; ``enum: [null]``
    makes it admit ``null`` only, so the closed ``$ref`` decides every object."""
    if isinstance(node, dict):
        branches = node.get("anyOf")
        if isinstance(branches, list) and any("$ref" in b for b in branches):
            for branch in branches:
                if branch == {"type": "object", "nullable": True}:
                    branch["enum"] = [None]
        for value in node.values():
            _strict_nullable(value)
    elif isinstance(node, list):
        for item in node:
            _strict_nullable(item)
    return node


def build_spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.0 document of every route of ``app``, with the sync engine's
    mutators and entities (their schemas in ``components``)."""
    api: Api = app.extensions["openapi"]
    extra = _document_sync(api, app.extensions["sync_registry"]) if "sync_registry" in app.extensions else {}
    return _strict_nullable({**api.spec.to_dict(), **extra})
