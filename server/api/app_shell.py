"""The field app (#15): ``/`` serves the installable web app from ``static/``.

No build step: the files in ``static/`` are served as they are. ``/static/shell.json``
lists the app shell the service worker precaches and names its version (a digest of
every file), so a deploy that changes any file is a new version; the page registers
``/sw.js?v=<version>`` and the browser installs the new worker beside the old one.
Only files of the shell (and the vendored libraries it loads) are served; the vendoring
tools and test-only libraries (axe-core) are not. Scripts are same-origin modules only:
the pages carry no inline script, so a strict Content-Security-Policy holds.
"""
from __future__ import annotations

import hashlib
import json
import mimetypes
from pathlib import Path

from flask import Response, abort, current_app, request

from ..schemas.org import ShellOut
from .openapi import Blueprint, problems

bp = Blueprint("app_shell", __name__)

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
#: Kinds of file in the shell; everything under vendor/ comes from vendor.lock.json.
SHELL_SUFFIXES = {".html", ".js", ".css", ".json", ".png", ".svg", ".webmanifest"}
#: Vendored packages the app loads (axe-core is injected by the browser tests only).
APP_VENDOR = ("idb", "jsqr")
#: Loaded only when the camera opens; precached, but not part of the shell's first load.
LAZY = ("vendor/jsqr/",)
TYPES = {".webmanifest": "application/manifest+json", ".js": "text/javascript", ".json": "application/json", ".html": "text/html", ".css": "text/css"}


def static_dir() -> Path:
    """Where the app's files are (``APP_SHELL_DIR`` in a test that deploys a new version)."""
    return Path(current_app.config.get("APP_SHELL_DIR") or STATIC_DIR)


def shell(root: Path) -> dict:
    """``{version, files, lazy}`` of the app in ``root``: relative paths of the shell."""
    files = sorted(
        str(p.relative_to(root)) for p in root.rglob("*")
        if p.is_file() and p.suffix in SHELL_SUFFIXES and "vendor" not in p.relative_to(root).parts
    )
    lock = json.loads((root / "vendor" / "vendor.lock.json").read_text())
    files += [f"vendor/{name}/{file}" for name in APP_VENDOR for file in sorted(lock[name]["files"]) if file != "LICENSE"]
    digest = hashlib.sha256()
    for rel in files:
        digest.update(rel.encode() + b"\0" + hashlib.sha256((root / rel).read_bytes()).digest())
    return {
        "version": digest.hexdigest()[:16],
        "files": files,
        "urls": [url_of(rel) for rel in files if rel != "sw.js"],
        "lazy": [url_of(rel) for rel in files if rel.startswith(LAZY)],
    }


def url_of(rel: str) -> str:
    """The URL a shell file is served at: the page at ``/``, the manifest at the root."""
    if rel == "index.html":
        return "/"
    return "/manifest.webmanifest" if rel == "manifest.webmanifest" else f"/static/{rel}"


def current_shell() -> dict:
    """The shell of this process, computed once (a deploy restarts the process)."""
    root = static_dir()
    cached = current_app.extensions.get("app_shell")
    if not cached or cached[0] != root:
        cached = (root, shell(root))
        current_app.extensions["app_shell"] = cached
    return cached[1]


def _send(rel: str, cache: str) -> Response:
    root = static_dir()
    if rel not in current_shell()["files"] and rel not in ("index.html", "sw.js", "manifest.webmanifest"):
        abort(404)
    path = root / rel
    mimetype = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    # The files are small: read whole (no open handle left to a client that stops reading).
    resp = Response(path.read_bytes(), mimetype=mimetype)
    resp.headers["Cache-Control"] = cache
    resp.add_etag()
    return resp.make_conditional(request)


@bp.get("/", tags=["app"])
@bp.response(200, description="The page (text/html)")
def index() -> Response:
    """The app's one page; the service worker serves it offline."""
    return _send("index.html", "no-cache")


@bp.get("/sw.js", tags=["app"])
@bp.response(200, description="The service worker (text/javascript)")
def service_worker() -> Response:
    """The service worker, at the root so its scope is the whole app.

    The page registers the module worker as ``/sw.js?v=<version>&type=module``. A page of a
    build from before it registers ``/sw.js?v=<version>`` as a classic script, which cannot
    ``import``: it gets the classic bridge (``sw-classic.js``), the same shell code, so that
    phone still moves to the new build once its outbox is empty (and a browser without module
    workers gets the offline shell from it).
    """
    resp = _send("sw.js" if request.args.get("type") == "module" else "sw-classic.js", "no-cache")
    resp.headers["Service-Worker-Allowed"] = "/"
    return resp


@bp.get("/manifest.webmanifest", tags=["app"])
@bp.response(200, description="The manifest (application/manifest+json)")
def manifest() -> Response:
    """The web app manifest (name, icons, start URL) that makes the app installable."""
    return _send("manifest.webmanifest", "no-cache")


@bp.get("/static/shell.json", tags=["app"])
@bp.response(200, ShellOut)
def shell_manifest() -> dict:
    """The shell's version and files, read by the page and the service worker."""
    return current_shell()


@bp.get("/static/<path:rel>", tags=["app"])
@problems(404)
@bp.response(200, description="The file, by its type")
def asset(rel: str) -> Response:
    """A file of the shell; the service worker keeps them per version."""
    return _send(rel, "no-cache")
