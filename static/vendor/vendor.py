#!/usr/bin/env python3
"""Copy the pinned npm packages of the web app into static/vendor/ and write the lock.

Run ``./dev.sh vendor`` after changing a version in ``package.json`` here. It runs
``npm ci --ignore-scripts`` against ``package-lock.json`` (exact versions, npm's own
integrity check of every tarball) in a scratch folder, copies each package's browser file
and licence into ``static/vendor/<package>/``, and writes ``vendor.lock.json``: version,
npm integrity and the SHA-256 of every copied file. ``tests/static/test_vendor.py`` checks
that the files in the repo match the lock and the lock matches ``package-lock.json``.
Nothing here is edited by hand; nothing is loaded from a CDN.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: package -> files copied from its npm tarball (the browser build and the licence).
FILES: dict[str, tuple[str, ...]] = {
    "idb": ("build/index.js", "LICENSE"),
    "jsqr": ("dist/jsQR.js", "LICENSE"),
    "axe-core": ("axe.min.js", "LICENSE"),
}


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lock_entry(name: str, lock: dict, root: Path) -> dict:
    """The lock entry of one package: pinned version, npm integrity, copied files' hashes."""
    meta = lock["packages"][f"node_modules/{name}"]
    files = {Path(f).name: sha256(root / name / Path(f).name) for f in FILES[name]}
    return {"version": meta["version"], "integrity": meta["integrity"], "files": files}


def main() -> int:
    lock = json.loads((HERE / "package-lock.json").read_text())
    with tempfile.TemporaryDirectory() as scratch:
        for manifest in ("package.json", "package-lock.json"):
            shutil.copy(HERE / manifest, scratch)
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=scratch, check=True)
        for name, files in FILES.items():
            target = HERE / name
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            for rel in files:
                shutil.copy(Path(scratch) / "node_modules" / name / rel, target / Path(rel).name)
    entries = {name: lock_entry(name, lock, HERE) for name in FILES}
    (HERE / "vendor.lock.json").write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n")
    pins = ", ".join(f"{name}@{entry['version']}" for name, entry in entries.items())
    print(f"vendored {pins}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
