"""WSGI entry used while no field-ops mutator is on ``main``: the real app
(``server.create_app``) plus the sync engine's own test domain (``note.put``), which
``tests/sync/sync_testing.py`` offers "for scripts, servers in a subprocess,
benchmarks" through the registry that ``init_sync`` keeps open for late additions.

Nothing in ``server/`` or ``sync/`` is changed: this only registers one more mutator
and entity, exactly as the engine's tests do. ``BENCH_SERVER_ROOT`` is the project root.
"""
import os
import sys

_root = os.environ["BENCH_SERVER_ROOT"]
sys.path.insert(0, os.path.join(_root, "tests", "sync"))
sys.path.insert(0, _root)

from sync_testing import make_notes_app  # noqa: E402

app = make_notes_app({})
