"""One zone module, one wire spelling of a time (#11; house style "Time"): a branch-local
day or clock time is computed by ``server/rules/calendar.py`` and a time on the wire is
spelled by the one ``iso()`` (``sync/types.py``), nowhere else in ``server/``.

The test fails when a module outside ``HOME`` converts zones itself."""
from __future__ import annotations

import re
from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "server"
#: Zone arithmetic: a ``ZoneInfo`` built, or an instant moved into a named zone.
ZONE = re.compile(r"\bZoneInfo\(|\.astimezone\((?!timezone\.utc\)|UTC\))")
#: A second spelling of a wire time (``iso()`` is the one).
WIRE = re.compile(r'isoformat\(\)\.replace\("\+00:00"')

#: The zone module itself, and the one place ``iso()`` is re-exported from.
HOME = {"rules/calendar.py"}


def _offenders(pattern: re.Pattern[str]) -> set[str]:
    found = set()
    for path in SERVER.rglob("*.py"):
        rel = path.relative_to(SERVER).as_posix()
        if rel not in HOME and pattern.search(path.read_text(encoding="utf-8")):
            found.add(rel)
    return found


def test_branch_local_time_is_computed_only_in_rules_calendar():
    assert _offenders(ZONE) == set()


def test_every_time_on_the_wire_is_spelled_by_the_one_iso():
    assert _offenders(WIRE) == set()
