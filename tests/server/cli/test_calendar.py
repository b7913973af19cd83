"""``flask calendar load|show`` (issue #13): a year the package does not know, loaded from a file."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from server.extensions import db
from server.rules import calendar as RC
from server.services import calendar as svc
from server.services import org

CSV_2027 = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休\n2027-02-10,holiday,\n"


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_r_cmp_6_new_years_eve_complaint_gets_its_deadline_after_flask_calendar_load(app, runner, clock, tmp_path):
    with app.app_context():
        branch = org.create_branch("SH1", "上海", clock.now())
        db.session.commit()
        taken = datetime(2026, 12, 31, 16, tzinfo=ZoneInfo("Asia/Shanghai"))
        assert svc.deadline_after(branch, taken) == RC.Unknown(2027)

    done = runner.invoke(args=["calendar", "load", "--year", "2027", "--file", write(tmp_path, "2027.csv", CSV_2027), "--complete"])
    assert done.exit_code == 0, done.output
    body = json.loads(done.output)
    assert body["known"] is True and body["calendar"] == "loaded:2027@2026-11-28T02:00:00Z"
    assert body["loaded"]["origin"] == "2027.csv" and body["loaded"]["loaded_by"].startswith("cli")
    assert [(d["date"], d["kind"], d["name"]) for d in body["days"]] == [
        ("2027-01-01", "holiday", "元旦"),
        ("2027-02-06", "adjusted_workday", "春节调休"),
        ("2027-02-10", "holiday", None),
    ]

    with app.app_context():
        branch = org.get_branch_by_code("SH1")
        got = svc.deadline_after(branch, taken)
        assert got.working_date.isoformat() == "2027-01-04" and got.calendar == body["calendar"]


def test_calendar_load_without_complete_leaves_the_year_unknown(runner, tmp_path):
    done = runner.invoke(args=["calendar", "load", "--year", "2027", "--file", write(tmp_path, "draft.csv", CSV_2027)])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["known"] is False
    shown = json.loads(runner.invoke(args=["calendar", "show", "--year", "2027"]).output)
    assert shown["known"] is False and shown["loaded"]["complete"] is False and len(shown["days"]) == 3


def test_calendar_load_reads_json_too(runner, tmp_path):
    rows = [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]
    path = write(tmp_path, "2027.json", json.dumps(rows, ensure_ascii=False))
    done = runner.invoke(args=["calendar", "load", "--year", "2027", "--file", path, "--complete"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["days"] == [{"date": "2027-01-01", "kind": "holiday", "name": "元旦", "source": "loaded"}]


def test_calendar_show_a_package_year(runner):
    shown = json.loads(runner.invoke(args=["calendar", "show", "--year", "2026"]).output)
    assert shown["known"] is True and shown["calendar"] == "chinese-calendar 1.11.0" and shown["loaded"] is None
    days = {d["date"]: d["kind"] for d in shown["days"]}
    assert days["2026-10-01"] == "holiday" and days["2026-02-14"] == "adjusted_workday" and days["2026-02-28"] == "adjusted_workday"


def test_calendar_load_refuses_a_bad_file_with_a_code(runner, tmp_path):
    bad_kind = write(tmp_path, "bad.csv", "date,kind,name\n2027-01-01,vacation,x\n")
    done = runner.invoke(args=["calendar", "load", "--year", "2027", "--file", bad_kind, "--complete"])
    assert done.exit_code == 1
    assert json.loads(done.stderr) == {"error": "validation_failed", "detail": "days.0.kind: Must be one of: holiday, workday."}
    broken = write(tmp_path, "broken.json", "[{")
    assert json.loads(runner.invoke(args=["calendar", "load", "--year", "2027", "--file", broken]).stderr)["error"] == "validation_failed"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("date,kind,name\n2027-01-01,holiday,Fête\n".encode("latin-1"))
    undecodable = runner.invoke(args=["calendar", "load", "--year", "2027", "--file", str(latin1)])
    assert undecodable.exit_code == 1 and "latin1.csv is not valid CSV or JSON" in json.loads(undecodable.stderr)["detail"]
    other_year = write(tmp_path, "2026.csv", "date,kind,name\n2026-12-31,holiday,x\n")
    refused = runner.invoke(args=["calendar", "load", "--year", "2027", "--file", other_year])
    assert refused.exit_code == 1
    assert json.loads(refused.stderr)["detail"] == "days.0.date: 2026-12-31 is not in 2027."
    assert json.loads(runner.invoke(args=["calendar", "show", "--year", "2027"]).output)["loaded"] is None
