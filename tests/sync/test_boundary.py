"""sync/README.md boundary rule: nothing in ``sync/`` imports ``server/``."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SYNC = Path(__file__).resolve().parents[2] / "sync"


def test_no_module_of_sync_imports_server():
    offenders = []
    for path in sorted(SYNC.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n == "server" or n.startswith("server.")]
    assert offenders == []


def test_importing_every_sync_module_loads_no_server_module():
    modules = [f"sync.{p.stem}" for p in SYNC.glob("*.py") if p.stem != "__init__"]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m == 'server' or m.startswith('server.')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=SYNC.parent)




def test_server_imports_only_the_public_api_of_sync():
    """``server/`` imports ``from sync import …`` names of ``sync.__all__``, never
    ``sync.<module>`` (the engine's internals may change behind the API)."""
    import sync

    root = SYNC.parent
    internal: dict[str, set[str]] = {}
    unknown = []
    for path in sorted((root / "server").rglob("*.py")):
        rel = str(path.relative_to(root))
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.startswith("sync."):
                    internal.setdefault(rel, set()).add(node.module)
                elif node.module == "sync":
                    unknown += [f"{rel}: {a.name}" for a in node.names if a.name not in sync.__all__]
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("sync."):
                        internal.setdefault(rel, set()).add(a.name)
    assert unknown == []
    assert internal == {}
