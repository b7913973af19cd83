"""A push re-judges only what its records can touch (#17: a case, a business date, the
patrol hours a patrol or a guard's shift touches), and leaves exactly the rows a whole-day
evaluation at the same instant leaves: obligations, alerts and the change feed.

The demo branch (see ``test_compliance``): T0 is 10:00 local on Saturday 28 November 2026,
the branch went live on the 27th, guarded round the clock, open 09:00-17:00. Each step
starts from a whole evaluation at its instant, with every phone synced then (a push moves
no watermark); after the push a whole evaluation at the same instant must change nothing.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models.alert import Alert
from server.models.compliance import Obligation
from server.services import compliance as C
from sync.store import change_table
from tests.conftest import T0
from tests.server.services.lobby_support import box_callback, box_close, box_entry, box_open, box_reply, codes, complaint_open
from tests.support.pushpull import mutation, pull, push

M, H = timedelta(minutes=1), timedelta(hours=1)
SAT = T0.date()  # 28 November: T0 is 02:00 UTC, 10:00 local


def new_id() -> str:
    return str(uuid.uuid4())


def rows(app) -> dict[str, dict[Any, tuple]]:
    """Every obligation, alert and feed row, with every column."""
    with app.app_context():
        out = {
            "obligation": {r.id: tuple(r) for r in db.session.execute(select(*Obligation.__table__.c))},
            "alert": {r.id: tuple(r) for r in db.session.execute(select(*Alert.__table__.c))},
            "feed": {(r.entity, r.record_id, r.audience): tuple(r) for r in db.session.execute(select(change_table))},
        }
        db.session.remove()
        return out


def patrol(demo, at: datetime) -> dict:
    return mutation("patrol.record", {"patrol_id": new_id(), "checkpoint_code": demo["checkpoints"]["self_service"],
                                      "checks": {"atm": "ok"}}, at)


def steps(demo, who) -> list[tuple[datetime, str, list[dict]]]:
    """``(instant, role, mutations)``: a day of the branch's phones, pushed late and on time."""
    g1, g2, cleaning = new_id(), new_id(), new_id()
    phone, oral = new_id(), new_id()
    session = new_id()
    suggestion, m_suggestion = box_entry(session, T0 + 7 * H + 40 * M, contact="13800002222", customer_name="李女士")
    complaint, m_complaint = box_entry(session, T0 + 7 * H + 41 * M, kind="complaint", text="等候太久")
    return [
        (T0, "guard", [mutation("shift.start", {"shift_id": g1, "post": "security"}, T0)]),
        (T0 + H + 15 * M, "guard", [patrol(demo, T0 + 5 * M), patrol(demo, T0 + H + 2 * M)]),  # 10:05 late (R-SEC-5)
        (T0 + 2 * H + 30 * M, "cleaner", [  # C1's post, synced late (R-SEC-2)
            mutation("shift.start", {"shift_id": cleaning, "post": "cleaning"}, T0 - 2 * H),
            mutation("shift.end", {"shift_id": cleaning}, T0 + 2 * H)]),
        (T0 + 2 * H + 45 * M, "teller", [
            complaint_open("phone", T0 + 2 * H + 40 * M, phone)[1],
            complaint_open("oral", T0 + 2 * H + 41 * M, oral)[1],
            mutation("complaint.promise", {"complaint_id": oral, "reply_due_at": (T0 + 6 * H).isoformat()},
                     T0 + 2 * H + 42 * M)]),
        (T0 + 3 * H + 30 * M, "guard", [mutation("shift.end", {"shift_id": g1}, T0 + 3 * H + 20 * M)]),
        (T0 + 3 * H + 35 * M, "guard2", [mutation("shift.start", {"shift_id": g2, "post": "security"},
                                                  T0 + 3 * H + 25 * M)]),
        (T0 + 4 * H + 20 * M, "guard2", [patrol(demo, T0 + 4 * H + 5 * M), patrol(demo, T0 + 4 * H + 15 * M)]),
        (T0 + 5 * H, "teller", [mutation("complaint.escalate", {
            "complaint_id": oral, "to_role": "lobby_manager", "to_staff_id": who["lobby_manager"].staff["id"]},
            T0 + 4 * H + 58 * M)]),
        (T0 + 7 * H + 30 * M, "operations_manager", [mutation("floor_round.record", {
            "round_id": new_id(), "slot": "0930", "findings": "大堂整洁 lobby tidy"}, T0 - 25 * M)]),  # R-OPS-1
        (T0 + 8 * H, "lobby_manager", [  # the evening box, a complaint slip among its entries (R-BOX-1..4)
            box_open(session, T0 + 7 * H + 35 * M, SAT), m_suggestion, m_complaint,
            box_reply(suggestion, T0 + 7 * H + 45 * M), box_reply(complaint, T0 + 7 * H + 46 * M),
            box_callback(suggestion, "reached", T0 + 7 * H + 47 * M),
            box_close(session, T0 + 7 * H + 50 * M, 2)]),
        (T0 + 8 * H + 30 * M, "lobby_manager", [mutation("complaint.resolve", {
            "complaint_id": oral, "resolution": "已致歉 apologised", "customer_response": "满意 satisfied"},
            T0 + 8 * H + 20 * M)]),
        (T0 + 8 * H + 40 * M, "lobby_manager", [mutation("statistics.file", {
            "filing_id": new_id(), "business_date": (SAT - timedelta(days=1)).isoformat()}, T0 + 8 * H + 35 * M)]),
        (T0 + 14 * H + 20 * M, "guard2", [patrol(demo, T0 + 14 * H + 3 * M),  # 00:03 Sunday: the 23:00 hour's grace
                                          mutation("shift.end", {"shift_id": g2}, T0 + 14 * H + 10 * M)]),
    ]


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_push_leaves_the_rows_a_whole_day_evaluation_leaves(app, demo, clock, as_role):
    who = {role: as_role(role) for role in ("guard", "cleaner", "teller", "lobby_manager", "operations_manager")}
    who["guard2"] = as_role("guard", index=1)
    changed = 0
    for at, role, mutations in steps(demo, who):
        clock.set(at)
        for device in who.values():
            pull(device)  # every phone synced at ``at``: the push moves no watermark
        with app.app_context():
            C.evaluate(at)  # every family of every day judged at ``at``: the state a push starts from
        before = rows(app)
        assert codes(push(who[role], mutations)) == ["applied"] * len(mutations)
        pushed = rows(app)  # the push re-judged, in its transaction, what its records touch
        with app.app_context():
            out = C.evaluate(at)  # everything, at the same instant
        assert (out.inserted, out.updated, out.alerts_raised, out.alerts_resolved) == (0, 0, 0, 0), (role, mutations)
        full = rows(app)
        for kind in ("obligation", "alert", "feed"):
            differ = {k: (v, pushed[kind].get(k)) for k, v in full[kind].items() if pushed[kind].get(k) != v}
            assert full[kind].keys() == pushed[kind].keys() and not differ, (kind, role, list(differ.values())[:2])
        changed += pushed["obligation"] != before["obligation"]
    assert changed >= 8  # the pushes did re-judge: most of them changed some obligation
