"""``flask compliance run --at T`` (#14): the scheduler's code at a given instant, idempotent."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from server.extensions import db
from server.models.alert import Alert
from server.models.compliance import Obligation


def test_run_at_an_instant_twice_changes_nothing_the_second_time(app, runner, demo):
    first = runner.invoke(args=["compliance", "run", "--at", "2026-11-28T12:05:00+08:00"])
    assert first.exit_code == 0, first.output
    out = json.loads(first.output)
    assert out["at"] == "2026-11-28T04:05:00Z" and out["branches"] == 1 and out["inserted"] > 0
    with app.app_context():
        counts = (db.session.scalar(select(func.count()).select_from(Obligation)),
                  db.session.scalar(select(func.count()).select_from(Alert)))
    again = json.loads(runner.invoke(args=["compliance", "run", "--at", "2026-11-28T04:05:00Z"]).output)
    assert (again["inserted"], again["updated"], again["alerts_raised"], again["alerts_resolved"]) == (0, 0, 0, 0)
    with app.app_context():
        assert counts == (db.session.scalar(select(func.count()).select_from(Obligation)),
                          db.session.scalar(select(func.count()).select_from(Alert)))


def test_run_refuses_a_time_without_offset_and_an_unknown_branch(app, runner, demo):
    naive = runner.invoke(args=["compliance", "run", "--at", "2026-11-28T12:05:00"])
    assert naive.exit_code != 0 and "offset" in naive.output
    bad = runner.invoke(args=["compliance", "run", "--at", "yesterday"])
    assert bad.exit_code != 0 and "ISO 8601" in bad.output
    unknown = runner.invoke(args=["compliance", "run", "--branch", "NOPE"])
    assert unknown.exit_code != 0 and "NOPE" in unknown.output
    mine = runner.invoke(args=["compliance", "run", "--branch", "DEMO01", "--at", "2026-11-28T04:05:00Z"])
    assert json.loads(mine.output)["branches"] == 1
