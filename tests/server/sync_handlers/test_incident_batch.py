"""Batches of ``incident.report`` (R-SEC-4) through the prefetching path and the careful one.

``incident.report`` reads its photos' arrival once per segment and writes the segment's
incidents at once, leaving a taken id to the primary key; these tests pin that the outcomes and the pulled JSON are exactly
those of the one-by-one path, also when the flush itself fails.
"""
from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest

from server.models.org import Staff
from server.rules import patrol as PR
from server.services import incident as incident_service
from server.services.patrol import patrol_incident_id
from sync.batch import Batch
from tests.support.factories import other_branch_staff
from tests.support.helpers import new_id
from tests.server.sync_handlers.test_incident import report_args


def _set_prefetch(app: Any, prefetch: Any) -> None:
    registry = app.extensions["sync_registry"]
    registry.mutators["incident.report"] = dataclasses.replace(registry.mutators["incident.report"], prefetch=prefetch)


def _careful(app: Any) -> None:
    """Serve ``incident.report`` without its batch capability (the reference path)."""
    _set_prefetch(app, None)


def _batch(n: int = 100) -> list[dict[str, Any]]:
    return [report_args(description=f"incident {i}", severity=("low", "medium", "high")[i % 3]) for i in range(n)]


def _expect_one_rejected(results: list[dict[str, Any]], index: int, n: int = 100) -> None:
    assert [r["status"] for r in results] == ["applied"] * index + ["rejected"] + ["applied"] * (n - index - 1)
    assert results[index]["error"]["code"] == "duplicate_record_id"


def _spy_writes(monkeypatch: Any) -> list[str]:
    """Record each batch store that writes incidents: ``"ok"`` or ``"refused"`` (by the primary key)."""
    writes: list[str] = []
    real = Batch.store

    def spy(self: Batch, session: Any, **kw: Any) -> None:
        from server.models.incident import Incident

        writes_incidents = Incident.__table__ in self._rows
        try:
            real(self, session, **kw)
        except Exception:
            writes.append("refused")
            raise
        if writes_incidents:
            writes.append("ok")

    monkeypatch.setattr(Batch, "store", spy)
    return writes


@pytest.mark.parametrize("mode", ["prefetch", "careful"])
def test_r_sec_4_taken_id_at_37_of_100_rejects_only_it(app, as_role, demo, push, pull, mode, monkeypatch):
    guard = as_role("guard")
    taken = report_args()
    assert push(guard, [("incident.report", taken)])[0]["status"] == "applied"
    {"prefetch": lambda a: None, "careful": _careful}[mode](app)
    writes = _spy_writes(monkeypatch)
    batch = _batch()
    batch[37] = {**batch[37], "incident_id": taken["incident_id"]}
    _expect_one_rejected(push(guard, [("incident.report", a) for a in batch]), 37)
    # the batch leaves the taken id to the key: its one write refused, then the whole run
    # one by one, each write its own (#37 rejected by the careful path's read, unwritten)
    if mode == "prefetch":
        assert writes == ["refused"] + ["ok"] * 99
    pulled = pull(as_role("operations_manager"))
    assert pulled[("incident", taken["incident_id"])]["description"] == taken["description"]  # untouched
    for i, args in enumerate(batch):
        if i != 37:
            assert pulled[("incident", args["incident_id"])]["description"] == f"incident {i}"
    assert sum(1 for key in pulled if key[0] == "incident") == 100


@pytest.mark.parametrize("mode", ["prefetch", "careful"])
def test_r_sec_4_id_repeated_inside_a_batch_rejects_the_second(app, as_role, demo, push, pull, mode):
    {"prefetch": lambda a: None, "careful": _careful}[mode](app)
    guard = as_role("guard")
    batch = _batch()
    batch[60] = {**batch[60], "incident_id": batch[10]["incident_id"]}
    _expect_one_rejected(push(guard, [("incident.report", a) for a in batch]), 60)
    pulled = pull(as_role("operations_manager"))
    assert pulled[("incident", batch[10]["incident_id"])]["description"] == "incident 10"
    assert sum(1 for key in pulled if key[0] == "incident") == 99


def test_r_sec_4_batched_and_careful_pulls_are_identical(app, as_role, demo, push, pull):
    """The same reports through both paths pull the same JSON, field for field."""
    guard, om = as_role("guard"), as_role("operations_manager")
    first, second = _batch(30), _batch(30)
    for args in (first[4], second[4]):
        args["photos"] = ["a" * 64, "b" * 64]
    assert {r["status"] for r in push(guard, [("incident.report", a) for a in first])} == {"applied"}
    _careful(app)
    assert {r["status"] for r in push(guard, [("incident.report", a) for a in second])} == {"applied"}
    pulled = pull(om)
    for a, b in zip(first, second):
        one, two = pulled[("incident", a["incident_id"])], pulled[("incident", b["incident_id"])]
        assert {**one, "id": None} == {**two, "id": None}
    assert pulled[("incident", first[4]["incident_id"])]["missing_photos"] == 2


def test_r_sec_4_report_after_a_patrol_in_one_push_sees_its_incident(app, as_role, demo, push, pull, on_shift):
    """A segment's prefetch runs after the previous segment flushed: the incident a patrol
    raised earlier in the same push counts as taken (R-SEC-5 -> R-SEC-4)."""
    guard = as_role("guard")
    on_shift(guard)
    patrol_id = new_id()
    raised = str(patrol_incident_id(uuid.UUID(patrol_id)))
    patrol = {"patrol_id": patrol_id, "checkpoint_code": demo["checkpoints"]["self_service"],
              "checks": {**{item: "ok" for item in PR.CHECK_ITEMS}, "skimming": "fault"}}
    results = push(guard, [
        ("incident.report", report_args()),
        ("patrol.record", patrol),
        ("incident.report", report_args(incident_id=raised)),
        ("incident.report", report_args()),
    ])
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "applied"], results
    assert results[2]["error"]["code"] == "duplicate_record_id"
    assert pull(as_role("operations_manager"))[("incident", raised)]["patrol_id"] == patrol_id


def test_new_incident_values_cover_every_column():
    """``NewIncident`` is written by Core: a column added to ``Incident`` must be added
    to it too, or reports would silently store its default."""
    from server.models.incident import Incident, IncidentPhoto, NewIncident, NewPhoto

    names = {f.name for f in dataclasses.fields(NewIncident)} - {"photos"}
    assert names == set(Incident.__table__.columns.keys())
    assert {f.name for f in dataclasses.fields(NewPhoto)} == set(IncidentPhoto.__table__.columns.keys())


def test_r_sec_4_batch_takes_gap_free_seqs_after_earlier_changes(app, as_role, demo, push):
    """New records reserve their seqs in the statement that locks the counter: the feed
    stays gap-free and the counter ends at its highest seq."""
    from sqlalchemy import func, select

    from server.extensions import db
    from sync import store

    guard = as_role("guard")
    push(guard, [("incident.report", a) for a in _batch(5)])
    push(guard, [("incident.report", a) for a in _batch(7)])
    with app.app_context():
        seqs = sorted(db.session.scalars(select(store.change_table.c.seq)))
        top, _ = store.read_counter(db.session)
        count = db.session.scalar(select(func.count()).select_from(store.change_table))
    assert seqs == list(range(1, count + 1)) and top == seqs[-1]


def test_r_sec_4_prefetch_finds_arrived_photos(app, as_role, demo, push):
    """The batch read names the photos that arrived in the reporter's branch, with their
    arrival times, and those only another branch uploaded; it reads no incident ids (a
    taken one is the primary key's to refuse)."""
    from datetime import datetime

    from server.extensions import db
    from server.models.incident import Photo
    from server.models.photo import PhotoUpload

    guard = as_role("guard")
    taken = report_args()
    assert push(guard, [("incident.report", taken)])[0]["status"] == "applied"
    fresh = report_args(photos=["c" * 64, "d" * 64, "e" * 64])
    branch, other = uuid.UUID(demo["branch_id"]), uuid.UUID(other_branch_staff(app))
    with app.app_context():
        arrived = app.extensions["clock"].now()
        for digest, by in (("c" * 64, uuid.UUID(guard.staff["id"])), ("e" * 64, other)):
            db.session.add(Photo(sha256=digest, size=1, content_type="image/jpeg", received_at=arrived))
            db.session.add(PhotoUpload(sha256=digest, uploaded_by=by, size=1, received_at=arrived,
                                       branch_id=branch if digest == "c" * 64 else db.session.get(Staff, by).branch_id))
        db.session.flush()
        batch = [{**a, "incident_id": uuid.UUID(a["incident_id"])} for a in (taken, fresh)]
        known = incident_service.prefetch_reports(db.session, batch, branch)
        db.session.rollback()
    assert set(known.lookups) == {"photos"}
    # "e…" was uploaded by another branch only: not received here, and refused (#12).
    photos = known.lookup("photos")
    assert set(photos.received) == {"c" * 64} and isinstance(photos.received["c" * 64], datetime)
    assert photos.foreign == {"e" * 64}
