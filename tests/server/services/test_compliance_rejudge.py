"""A push re-judges only the rule families its records can change (#17, #14), and that
equals a full evaluation at the same instant.

The demo branch (see ``test_compliance``): T0 is 10:00 local on Saturday 28 November 2026,
the branch went live on the 27th; guard G1 starts a shift at 10:00.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models.alert import Alert
from server.models.compliance import Obligation
from server.services import compliance as C
from tests.conftest import T0
from tests.support.pushpull import mutation, pull, push, push_one

M, H = timedelta(minutes=1), timedelta(hours=1)
NOW = T0 + 8 * H  # 18:00 local: the day's rounds, posts and hours are due; the box of the 27th too


def new_id() -> str:
    return str(uuid.uuid4())


def snapshot(app) -> tuple[dict, dict]:
    """Every obligation's judged fields and every alert's state."""
    with app.app_context():
        obligations = {o.id: (o.rule, o.verdict, o.status, tuple(o.evidence), o.clock_suspect, repr(o.detail),
                              o.due_at) for o in db.session.scalars(select(Obligation))}
        alerts = {a.key: (a.kind, a.resolved_at, a.message) for a in db.session.scalars(select(Alert))}
        db.session.expunge_all()
        return obligations, alerts


def _patrol(demo, shift):
    return "guard", [mutation("patrol.record", {"patrol_id": new_id(), "checkpoint_code": demo["checkpoints"][
        "self_service"], "checks": {"atm": "ok"}}, T0 + 5 * M)]  # the 10:00 hour, synced late (R-SEC-5)


def _shift(demo, shift):
    cleaning = new_id()  # cleaner C1's 08:00-17:00 post, synced late (R-SEC-2)
    return "cleaner", [mutation("shift.start", {"shift_id": cleaning, "post": "cleaning"}, T0 - 2 * H),
                       mutation("shift.end", {"shift_id": cleaning}, T0 + 7 * H)]


def _round(demo, shift):
    return "operations_manager", [mutation("floor_round.record", {
        "round_id": new_id(), "slot": "0930", "findings": "大堂整洁 lobby tidy"}, T0 - 25 * M)]  # R-OPS-1


def _box(demo, shift):
    return "lobby_manager", [mutation("box.open", {"session_id": new_id(), "business_date": "2026-11-28"},
                                          NOW - 30 * M)]  # the evening box at 17:30 (R-BOX-1)


def _filing(demo, shift):
    return "lobby_manager", [mutation("statistics.file", {"filing_id": new_id(),
                                                                   "business_date": "2026-11-27"}, NOW - 5 * M)]


def _complaint(demo, shift):
    return "teller", [mutation("complaint.open", {
        "complaint_id": new_id(), "channel": "phone", "summary": "排队时间过长 long queue",
        "customer_name": "张先生", "contact": "13800001111"}, NOW - 15 * M)]  # its deadlines (R-CMP-6)


@pytest.mark.parametrize("kind", [_patrol, _shift, _round, _box, _filing, _complaint], ids=lambda f: f.__name__[1:])
def test_a_push_rejudges_its_families_as_a_full_evaluation_would(app, demo, clock, as_role, kind):
    shift, guard = new_id(), as_role("guard")
    assert push_one(guard, "shift.start", {"shift_id": shift, "post": "security"})["status"] == "applied"
    clock.set(NOW)
    role, mutations = kind(demo, shift)
    device = guard if role == "guard" else as_role(role)
    pull(device)  # its watermark at NOW already: the push moves no watermark, only records
    with app.app_context():
        C.evaluate(NOW)  # every family judged at NOW: the state a push starts from
    before = snapshot(app)
    assert {r["status"] for r in push(device, mutations)} == {"applied"}
    scoped = snapshot(app)  # the push re-judged, in its transaction, only what it touches
    assert scoped != before, "the push changed no obligation or alert: nothing was re-judged"
    with app.app_context():
        out = C.evaluate(NOW)  # everything, at the same instant
    for full, pushed in zip(snapshot(app), scoped):  # obligations, then alerts
        assert full.keys() == pushed.keys()
        differ = {k: (v, pushed.get(k)) for k, v in full.items() if pushed.get(k) != v}
        assert not differ, f"full evaluation / push's re-judging differ: {list(differ.values())[:3]}"
    assert (out.inserted, out.updated, out.alerts_raised, out.alerts_resolved) == (0, 0, 0, 0)


def test_rules_name_families_of_the_engine_and_need_days(app, demo):
    with app.app_context():
        with pytest.raises(ValueError):
            C.evaluate(NOW, rules=["R-SEC-5"], days=[NOW.date()])
        with pytest.raises(ValueError):
            C.evaluate(NOW, rules=["patrol"])


def test_a_scoped_evaluation_leaves_the_other_families_as_stored(app, demo, clock):
    with app.app_context():
        C.evaluate(NOW, branch_ids=[uuid.UUID(demo["branch_id"])], days=[NOW.date()], rules=["rounds"])
        rules = {o.rule for o in db.session.scalars(select(Obligation))}
    assert rules == {"R-OPS-1"}
