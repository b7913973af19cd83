"""``/api/openapi.json`` and a browsable docs page served from local files (no CDN)."""
from __future__ import annotations

from flask import Response, current_app, send_from_directory

from .openapi import Blueprint, build_spec, problems

bp = Blueprint("docs", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Branch Field Ops API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/fieldops-init.js"></script>
</body></html>"""
#: A file, not an inline script, so the page runs under ``script-src 'self'`` (server/headers.py).
#: ``validatorUrl: "none"``: Swagger UI would otherwise load a badge from swagger.io.
_INIT = 'window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#ui", validatorUrl: "none"});\n'


@bp.get("/api/openapi.json", tags=["docs"])
@bp.response(200, description="This document (OpenAPI 3.0).")
def openapi() -> dict:
    """The OpenAPI 3 document of this server."""
    spec = current_app.extensions.get("openapi_spec")
    if spec is None:
        spec = current_app.extensions["openapi_spec"] = build_spec(current_app)
    return spec


@bp.get("/api/docs", tags=["docs"])
@bp.response(200, description="Swagger UI (text/html)")
def docs_page() -> Response:
    """Swagger UI over ``/api/openapi.json``, every asset served by this server."""
    return Response(_PAGE, mimetype="text/html")


@bp.get("/api/docs/assets/fieldops-init.js", tags=["docs"])
@bp.response(200, description="text/javascript")
def docs_init() -> Response:
    """The docs page's start-up script."""
    return Response(_INIT, mimetype="text/javascript")


@bp.get("/api/docs/assets/<path:filename>", tags=["docs"])
@problems(404)
@bp.response(200, description="The file, by its type")
def docs_asset(filename: str) -> Response:
    """Swagger UI's own files (the swagger-ui-bundle package)."""
    import swagger_ui_bundle

    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
