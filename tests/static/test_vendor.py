"""The vendored browser libraries are exactly the pinned npm releases (#15).

``static/vendor/vendor.py`` copies them from ``npm ci`` of ``package-lock.json`` and writes
``vendor.lock.json``; nothing in ``static/vendor/<package>/`` is edited by hand.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"
LOCK = json.loads((VENDOR / "vendor.lock.json").read_text())
NPM_LOCK = json.loads((VENDOR / "package-lock.json").read_text())
MANIFEST = json.loads((VENDOR / "package.json").read_text())


def test_every_dependency_is_pinned_exactly_and_vendored():
    deps = MANIFEST["dependencies"]
    assert set(deps) == set(LOCK), "package.json and vendor.lock.json name the same packages"
    for name, spec in deps.items():
        assert spec[0].isdigit() and all(c.isdigit() or c == "." for c in spec), f"{name} pinned exactly"
        assert LOCK[name]["version"] == spec


@pytest.mark.parametrize("name", sorted(LOCK))
def test_lock_matches_npm_lock(name):
    npm = NPM_LOCK["packages"][f"node_modules/{name}"]
    assert LOCK[name]["version"] == npm["version"]
    assert LOCK[name]["integrity"] == npm["integrity"]


@pytest.mark.parametrize("name", sorted(LOCK))
def test_vendored_files_match_lock(name):
    folder = VENDOR / name
    present = {p.name for p in folder.iterdir()}
    assert present == set(LOCK[name]["files"]), "no file added or missing by hand"
    assert "LICENSE" in present
    for file, digest in LOCK[name]["files"].items():
        assert hashlib.sha256((folder / file).read_bytes()).hexdigest() == digest, f"{name}/{file} edited"
