"""The compliance engine's inputs read by rule family (#17): a push that re-judges some
families loads only the kinds of input they read (``duty.NEEDS``, ``compliance_lobby.load``),
and judges them exactly as from a full load.

The demo branch (see ``test_compliance``): T0 is 10:00 local on Saturday 28 November 2026,
the branch went live on the 27th; its roster has G1 on security 08:00-16:00, G2 16:00-24:00
and C1 on cleaning 08:00-17:00. The day below gives every kind of input a verdict it
decides: G1's shift (08:00, handed over to G2 at 16:00 and still running: on duty by its
shift after the roster says G2), a patrol in the 10:00 hour, G2 on duty by the roster
only, the 09:30 floor round and the operations manager's phone, the evening box and a
phone complaint.
"""
from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest

from server.extensions import db
from server.models.org import Branch
from server.services import calendar as calendar_service
from server.services import compliance as C
from server.services import compliance_lobby as lobby_rules
from server.services import duty
from server.services.compliance_field import judge_field_day
from server.services.compliance_window import local_midnight
from tests.conftest import T0
from tests.support.pushpull import mutation, pull, push

M, H = timedelta(minutes=1), timedelta(hours=1)
NOW = T0 + 8 * H  # 18:00 local
DAYS = [(T0 - 24 * H).date(), T0.date()]


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def day(demo, clock, as_role):
    """The demo branch's 28th, every kind of input present; pushed at ``NOW``."""
    clock.set(NOW)
    g1, g2 = as_role("guard"), as_role("guard", 1)
    shift = new_id()
    pushes = [
        (g1, [mutation("shift.start", {"shift_id": shift, "post": "security"}, T0 - 2 * H),
              mutation("patrol.record", {"patrol_id": new_id(), "checkpoint_code": demo["checkpoints"]["self_service"],
                                         "checks": {"atm": "ok"}}, T0 + 5 * M),
              mutation("shift.handover", {"handover_id": new_id(), "shift_id": shift, "to_staff_id": g2.staff["id"],
                                          "open_items": [], "notes": ""}, T0 + 6 * H)]),
        (as_role("operations_manager"), [mutation("floor_round.record", {
            "round_id": new_id(), "slot": "0930", "findings": "大堂整洁 lobby tidy"}, T0 - 25 * M)]),
        (as_role("lobby_manager"), [mutation("box.open", {"session_id": new_id(), "business_date": "2026-11-28"},
                                             NOW - 30 * M)]),
        (as_role("teller"), [mutation("complaint.open", {
            "complaint_id": new_id(), "channel": "phone", "summary": "排队时间过长 long queue",
            "customer_name": "张先生", "contact": "13800001111"}, NOW - 15 * M)]),
    ]
    for device, mutations in pushes:
        assert {r["status"] for r in push(device, mutations)} == {"applied"}
    pull(g2)  # G2's phone: on duty by the roster only
    return uuid.UUID(demo["branch_id"])


def judge(branch, family, inputs, lobby):
    """The verdicts of one family on the two days, as ``compliance.evaluate`` judges them."""
    cal, out = calendar_service.working_calendar(), []
    if family == "cases":
        return lobby_rules.judge_cases(branch, NOW, inputs, lobby)
    for d in DAYS:
        if family == "box":
            out += lobby_rules.judge_box_day(branch, d, NOW, cal, inputs, lobby)
        else:
            out += judge_field_day(branch, d, NOW, cal, inputs, {family})[0]
    return out


def loads(branch_id, families=None):
    """``duty.load`` and ``compliance_lobby.load`` over the two days, as an evaluation reads them."""
    branch = db.session.get(Branch, branch_id)
    lo = local_midnight(branch, DAYS[0]) - H
    hi = local_midnight(branch, DAYS[-1] + timedelta(days=1)) + 2 * H
    lobby = lobby_rules.load([branch_id], lo, DAYS[0], DAYS[-1], families)
    return branch, duty.load([branch_id], lo, hi, DAYS[0], DAYS[-1], families), lobby


def without(inputs, kind):
    """``inputs`` of a full load less one kind (``handovers``: the shifts keep no handover)."""
    if kind == "handovers":
        inputs.shifts = {b: [dataclasses.replace(s, handover=None) for s in rows] for b, rows in inputs.shifts.items()}
    else:
        getattr(inputs, kind).clear()
    return inputs


def test_needs_names_every_family_of_the_engine_and_kinds_of_the_load():
    assert set(duty.NEEDS) == set(C.FAMILIES)
    assert set().union(*duty.NEEDS.values()) == duty.KINDS


@pytest.mark.parametrize("family", list(C.FAMILIES))
def test_a_family_judged_from_its_own_load_equals_a_full_load(app, day, family):
    with app.app_context():
        branch, full, lobby = loads(day)
        expected = judge(branch, family, full, lobby)
        assert expected, f"the day gives {family} nothing to judge"
        _, scoped, scoped_lobby = loads(day, {family})
        assert judge(branch, family, scoped, scoped_lobby) == expected
        # The kinds whose absence changes the family's verdicts on this day are exactly
        # the ones its load reads: none is dropped, none read for nothing.
        decisive = {kind for kind in duty.KINDS if judge(branch, family, without(loads(day)[1], kind), lobby) != expected}
        assert decisive == duty.NEEDS[family]


def test_a_family_loads_no_other_familys_inputs(app, day):
    with app.app_context():
        _, box, box_lobby = loads(day, {"box"})
        assert not (box.patrols or box.shifts or box.plans or box.rounds or box.managers or box_lobby.cases)
        _, patrol, _ = loads(day, {"patrol"})
        assert patrol.shifts and all(s.handover is None for rows in patrol.shifts.values() for s in rows)
        assert not (patrol.rounds or patrol.managers)
