"""docs/entities.md says what the server sends: every entity it documents is pulled from a
real server and its documented fields are compared with the keys of the real ``data``
(#11, "one contract for client writers": the entities' data fields documented).

A day's records of every kind are pushed through the sync engine (handovers accepted and
visits checked out, so that ``end_times`` are filled), the demo's lobby is seeded, and the
compliance engine judges the day; an operations manager's device (a reader of every entity
below) pulls them all. Nested objects documented with their own table (``times``,
``end_times``: "Record times") are compared key by key too: every record nests them the
same way (#11), and no entity carries a time attribution flat.
"""
from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

from server.services import compliance as C
from tests.support.helpers import local
from tests.support.pushpull import mutation, pull, push

DOC = Path(__file__).resolve().parents[2] / "docs" / "entities.md"
TIMES = ("times", "end_times")


def documented() -> tuple[dict[str, list[str]], list[str], set[tuple[str, str]]]:
    """``({entity: [fields]}, record-time fields, {(entity, field) for administrators
    only})`` read from the tables of entities.md."""
    entities: dict[str, list[str]] = {}
    admin_only: set[tuple[str, str]] = set()
    name = None
    times: list[str] = []
    current: list[str] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^(#{2,3}) (.*)$", line)
        if heading:
            name = re.fullmatch(r"`([a-z_]+)`", heading.group(2).strip())
            if heading.group(1) == "###" and name:
                name = name.group(1)
                current = entities.setdefault(name, [])
            else:
                current = times if heading.group(2).strip() == "Record times" else None
            continue
        row = re.match(r"^\| `([a-z_0-9]+)` \|", line)
        if row and current is not None:
            current.append(row.group(1))
            if "administrators only" in line and current is not times:
                admin_only.add((name, row.group(1)))
    return entities, times, admin_only


def day_of_every_kind(demo, as_role, clock):
    """Push one record of every kind the field features make; returns the supervisor."""
    code = demo["checkpoints"]["self_service"]
    guard, guard2 = as_role("guard"), as_role("guard", index=1)
    cleaner, onsite, om = as_role("cleaner"), as_role("onsite"), as_role("operations_manager")
    shift, cleaning_shift, onsite_shift, handover = (str(uuid.uuid4()) for _ in range(4))
    day = clock.now()
    guard_day = [
        mutation("shift.start", {"shift_id": shift, "post": "security"}, day - timedelta(hours=1)),
        mutation("patrol.record", {"patrol_id": str(uuid.uuid4()), "checkpoint_code": code,
                                   "checks": {"atm": "fault"}, "anomaly": "card slot loose"}, day - timedelta(minutes=50)),
        mutation("incident.report", {"incident_id": str(uuid.uuid4()), "category": "disorder", "location": "lobby",
                                     "description": "shouting", "severity": "low"}, day - timedelta(minutes=40)),
        mutation("shift.handover", {"handover_id": handover, "shift_id": shift, "to_staff_id": guard2.staff["id"],
                                    "open_items": ["door 2 sticks"], "notes": ""}, day - timedelta(minutes=10)),
        mutation("shift.end", {"shift_id": shift}, day - timedelta(minutes=5)),
    ]
    guard2_day = [mutation("shift.handover.accept", {"handover_id": handover}, day - timedelta(minutes=4))]
    cleaner_day = [
        mutation("shift.start", {"shift_id": cleaning_shift, "post": "cleaning"}, day - timedelta(hours=1)),
        mutation("cleaning.record", {"cleaning_id": str(uuid.uuid4()), "area": "lobby", "task": "mop"},
                 day - timedelta(minutes=30)),
    ]
    visit = str(uuid.uuid4())
    onsite_day = [
        mutation("shift.start", {"shift_id": onsite_shift, "post": "onsite"}, day - timedelta(minutes=20)),
        mutation("contractor.check_in", {"visit_id": visit, "badge_no": demo["badges"]["onsite"]},
                 day - timedelta(minutes=19)),
        mutation("contractor.check_out", {"visit_id": visit}, day - timedelta(minutes=2)),
    ]
    floor_day = [
        mutation("floor_round.record", {"round_id": str(uuid.uuid4()), "slot": "0930", "findings": "plans checked"},
                 local(9, 35, day=(day.year, day.month, day.day))),
        mutation("coaching.record", {"demo_id": str(uuid.uuid4()), "topic": "greeting"}, day - timedelta(minutes=15)),
    ]
    for who, batch in ((guard, guard_day), (guard2, guard2_day), (cleaner, cleaner_day), (onsite, onsite_day),
                       (om, floor_day)):
        results = push(who, batch)
        assert [r["status"] for r in results] == ["applied"] * len(batch), results
    return om


#: Ends whose device clock the server does not keep: ``end_times.device_at`` is null there.
NO_END_DEVICE_CLOCK = {"handover", "contractor_visit"}
#: Record-time fields anywhere but in ``times``/``end_times`` (the old flat shape, #11).
FLAT_TIMES = ("received_at", "clock_suspect", "skew_ms", "device_at")


def test_entities_doc_lists_the_fields_a_real_pull_sends(app, demo, as_role, clock):
    entities, time_fields, admin_only = documented()
    assert {"branch", "staff", "shift", "roster_shift", "handover", "handover_item", "cleaning", "contractor",
            "contractor_visit", "floor_round", "coaching", "checkpoint", "patrol", "incident",
            "box_session", "box_entry", "box_callback", "complaint", "obligation", "alert"} <= set(entities)
    assert time_fields == ["device_at", "received_at", "skew_ms", "happened_at", "clock_suspect"]
    om = day_of_every_kind(demo, as_role, clock)
    with app.app_context():
        C.evaluate(clock.now())  # obligations and alerts of the day (#14)
    held = pull(om)
    seen: dict[str, list[dict]] = {}
    for (entity, _), data in held.items():
        seen.setdefault(entity, []).append(data)
    drift: dict[str, object] = {}
    filled: set[str] = set()
    for entity, fields in entities.items():
        assert entity in seen, f"no {entity} in a real pull: the test's day misses it"
        for data in seen[entity]:
            expected = [f for f in fields if (entity, f) not in admin_only]
            if sorted(data) != sorted(expected):
                drift[entity] = {"sent, not documented": sorted(set(data) - set(expected)),
                                 "documented, not sent": sorted(set(expected) - set(data))}
            for nested in TIMES:
                if nested in data and data[nested] is not None:  # end_times: null while open
                    filled.add(f"{entity}.{nested}")
                    if sorted(data[nested]) != sorted(time_fields):
                        drift[f"{entity}.{nested}"] = sorted(data[nested])
                    keys = ("received_at", "happened_at") if nested == "end_times" and entity in NO_END_DEVICE_CLOCK \
                        else ("device_at", "received_at", "happened_at")
                    stamps = [data[nested][k] for k in keys]
                    if not all(isinstance(t, str) and t.endswith("Z") for t in stamps):
                        drift[f"{entity}.{nested} not UTC Z"] = stamps
            flat = [f for f in data if f.endswith(FLAT_TIMES) and f not in ("clock_suspect",)]
            if flat:
                drift[f"{entity} flat record times"] = flat
    assert not drift, drift
    assert {f"{e}.{n}" for e, fields in entities.items() for n in TIMES if n in fields} == filled
    # What only administrators receive reaches an administrator's pull.
    assert admin_only == {("staff", "employee_no")}
    staff = [data for (entity, _), data in pull(as_role("admin")).items() if entity == "staff"]
    assert staff and all(sorted(data) == sorted(entities["staff"]) for data in staff)
    docs = "".join(p.read_text(encoding="utf-8") for p in DOC.parent.glob("*.md"))
    undocumented = {e for e in seen if e not in entities and f"`{e}`" not in docs}
    assert not undocumented, f"entities a pull carries that no doc names: {undocumented}"
