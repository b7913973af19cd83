"""Every code the server answers is in docs/sync-protocol.md (#11, #12): each problem
``code`` (an ``AppError``/``SyncError`` class, a ``code="…"`` given where one is raised,
the HTTP fallbacks) in the status × code × client-action table, and each mutation
rejection code (``reject("…")``, a mutator's declared ``rejection_codes``) in the docs,
so a new code cannot drift away from what client writers read."""
from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import server
import sync
from server import errors
from server.errors import AppError
from sync.errors import SyncError

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = (ROOT / "docs" / "sync-protocol.md").read_text(encoding="utf-8")
TABLE = PROTOCOL[PROTOCOL.index("## Statuses, codes"):PROTOCOL.index("## Sequences")]
DOCS = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))
SOURCES = {p: p.read_text(encoding="utf-8") for pkg in ("server", "sync") for p in (ROOT / pkg).rglob("*.py")}


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def problem_codes() -> set[str]:
    """Every problem ``code`` the app can answer."""
    for package in (server, sync):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)  # no import side effects (house style)
    codes = {c.code for base in (AppError, SyncError) for c in _subclasses(base) | {base}}
    for text in SOURCES.values():
        codes |= set(re.findall(r'\bcode="([a-z_]+)"', text))
        codes |= set(re.findall(r'\bproblem\(\s*\d+,\s*"([a-z_]+)"', text))  # answered directly
    return codes | set(errors._HTTP_CODES.values()) | {"server_error", "http_error"}


def rejection_codes_in_source() -> set[str]:
    """Every literal rejection code of a mutation service or of the engine."""
    codes: set[str] = set()
    for text in SOURCES.values():
        codes |= set(re.findall(r'\b(?:reject|MutationRejected)\(\s*"([a-z_]+)"', text))
    return codes


def test_every_problem_code_is_in_the_status_table():
    codes = problem_codes()
    assert {"invalid_json", "unsupported_media_type", "too_large", "rejected_quota_exceeded", "busy"} <= codes
    assert sorted(c for c in codes if f"`{c}`" not in TABLE) == []


def test_every_rejection_code_is_documented(app):
    declared = {c for m in app.extensions["sync_registry"].mutators.values() for c in m.rejection_codes}
    codes = rejection_codes_in_source() | declared
    assert {"photo_not_yours", "invalid_json", "duplicate_record_id"} <= codes
    assert sorted(c for c in codes if f"`{c}`" not in DOCS) == []


def test_every_rejection_a_service_raises_is_declared_by_its_mutators(app):
    """A mutator's ``rejection_codes`` are the contract it registers: a literal
    ``reject("…")`` in ``server/`` belongs to some mutator's list."""
    declared = {c for m in app.extensions["sync_registry"].mutators.values() for c in m.rejection_codes}
    in_services = set()
    for path, text in SOURCES.items():
        if path.parts[-3:-1] == ("server", "services") or path.parts[-2] == "sync_handlers":
            in_services |= set(re.findall(r'\breject\(\s*"([a-z_]+)"', text))
    assert sorted(in_services - declared) == []
