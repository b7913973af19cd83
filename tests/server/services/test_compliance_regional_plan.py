"""PostgreSQL: the regional view reads one day's obligations by an index (#14).

``compliance_read.regional_report`` counts every branch's obligations of one local day;
at 1,400 branches a year of obligations is ~34 million rows, so a plan that reads the
whole table (the one index with the date led with the branch) costs what the year holds.
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone
from typing import Any

import pytest
from sqlalchemy import func, select, text

from server.extensions import db
from server.models.compliance import Obligation


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # the planner's choice is the question
def test_one_day_is_read_by_its_index_not_the_whole_table(app: Any, demo: Any) -> None:
    with app.app_context():
        branch = uuid.UUID(demo["branch_id"])
        day = date(2026, 11, 28)
        query = (select(Obligation.branch_id, Obligation.rule, Obligation.status, func.count())
                 .where(Obligation.business_date == day)
                 .group_by(Obligation.branch_id, Obligation.rule, Obligation.status))
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        with db.engine.connect() as conn:
            # 200 days of one branch's hourly obligations: one day is 1/200 of the table.
            conn.execute(text(
                "INSERT INTO obligation (id, branch_id, rule, rule_version, subject_kind, subject_id, business_date, "
                "window_start, window_end, due_at, verdict, status, evidence, clock_suspect, detail, judged_at, "
                "updated_at) SELECT gen_random_uuid(), :b, 'R-SEC-5', 1, 'area', 'self_service', "
                ":day - (g / 24), :at - make_interval(hours => g), :at, :at, 'met', 'met', '[]', false, '{}', "
                ":at, :at FROM generate_series(0, 4799) AS g"),
                {"b": branch, "day": day, "at": datetime(2026, 11, 28, 16, tzinfo=timezone.utc)})
            conn.execute(text("ANALYZE obligation"))
            plan = conn.execute(text("EXPLAIN (FORMAT JSON) " + sql)).scalar_one()[0]["Plan"]
            conn.rollback()
        shown = json.dumps(plan)
        assert '"Seq Scan"' not in shown and '"Index Name": "ix_obligation_date"' in shown, plan
