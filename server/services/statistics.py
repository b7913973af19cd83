"""The lobby's daily statistics (R-CMP-10): a branch's (or many branches') cases and box
entries of one business date, counted by channel, kind, the JR/T 0169-2018 axes, status
and escalation level, as JSON, CSV and an XLSX workbook (one sheet per view).

Counts only: no customer name, contact or text ever reaches a statistic (R-SEC-10), so
regional officers read them across branches. Cases count on the branch-local date of
their intake (``happened_at``); box entries on their session's business date.
"""
from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date
from typing import Any, Iterable

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync import Batch, Principal, TimeAttribution

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models.complaint import Complaint, StatisticsFiling
from ..models.org import Branch, Staff
from ..models.suggestion import BoxCallback, BoxEntry, BoxSession
from ..rules import permissions as P
from ..rules import roles as R
from ..rules.calendar import day_bounds, local_date
from . import complaint_codes
from .mutation import Affected, branch_of, ensure_new, reject

#: (view, model column) of the case counts: the manual's categories and JR/T's axes.
CASE_VIEWS = (
    ("complaints_by_channel", Complaint.channel),
    ("complaints_by_jrt_channel", Complaint.jrt_channel),
    ("complaints_by_jrt_business", Complaint.jrt_business),
    ("complaints_by_jrt_cause", Complaint.jrt_cause),
    ("complaints_by_status", Complaint.status),
    ("complaints_by_level", Complaint.level),
)
ENTRY_VIEWS = (("box_entries_by_kind", BoxEntry.kind), ("box_entries_by_source", BoxEntry.source))
VIEWS = ("summary", *(v for v, _ in CASE_VIEWS), *(v for v, _ in ENTRY_VIEWS), "box_callbacks_by_outcome")
_JRT_AXIS = {"complaints_by_jrt_channel": "channel", "complaints_by_jrt_business": "business",
             "complaints_by_jrt_cause": "cause"}


def readable_branches(actor: Staff | None, branch_id: uuid.UUID | None) -> list[Branch]:
    """The branches ``actor`` reads statistics of: its own branch (readers of
    ``STATISTICS_READERS``), every branch for a regional officer (or with ``branch_id``
    one of them), anything for the CLI (``actor`` None). Raises Forbidden / NotFound."""
    if actor is not None and actor.role not in P.STATISTICS_READERS:
        raise Forbidden("Your role does not read the lobby's statistics.")
    if branch_id is None:
        if actor is not None and actor.role != R.REGIONAL_OFFICER:
            branch_id = actor.branch_id
        else:
            return list(db.session.scalars(select(Branch).order_by(Branch.code)))
    branch = db.session.get(Branch, branch_id)
    if branch is None or (actor is not None and actor.role != R.REGIONAL_OFFICER and actor.branch_id != branch_id):
        raise NotFound("No such branch.")
    return [branch]


def daily(branches: Iterable[Branch], day: date) -> dict[str, Any]:
    """``{date, branches: [{branch_id, code, views}], total: views}``; ``views`` maps each of
    :data:`VIEWS` to ``{key: count}`` (``summary``: totals of the day)."""
    per_branch = [{"branch_id": str(b.id), "code": b.code, "views": _branch_views(b, day)} for b in branches]
    total: dict[str, dict[str, int]] = {v: {} for v in VIEWS}
    for item in per_branch:
        for view, counts in item["views"].items():
            for key, n in counts.items():
                total[view][key] = total[view].get(key, 0) + n
    return {"date": day.isoformat(), "branches": per_branch, "total": total, "labels": _labels()}


def _branch_views(branch: Branch, day: date) -> dict[str, dict[str, int]]:
    start, end = day_bounds(day, branch.timezone)
    in_day = (Complaint.branch_id == branch.id, Complaint.happened_at >= start, Complaint.happened_at < end)
    views: dict[str, dict[str, int]] = {}
    for view, column in CASE_VIEWS:
        views[view] = _grouped(select(column, func.count()).where(*in_day).group_by(column))
    entry_day = (BoxEntry.branch_id == branch.id, BoxEntry.business_date == day)
    for view, column in ENTRY_VIEWS:
        views[view] = _grouped(select(column, func.count()).where(*entry_day).group_by(column))
    views["box_callbacks_by_outcome"] = _grouped(
        select(BoxCallback.outcome, func.count()).join(BoxEntry, BoxEntry.id == BoxCallback.entry_id)
        .where(*entry_day).group_by(BoxCallback.outcome)
    )
    session = db.session.execute(
        select(BoxSession.status, BoxSession.slip_count, BoxSession.empty)
        .where(BoxSession.branch_id == branch.id, BoxSession.business_date == day)
    ).first()
    replied = db.session.scalar(select(func.count()).where(*entry_day, BoxEntry.reply_text.is_not(None))) or 0
    escalated = db.session.scalar(select(func.count()).where(*in_day, Complaint.escalated.is_(True))) or 0
    views["summary"] = {
        "complaints": sum(views["complaints_by_channel"].values()),
        "complaints_escalated": escalated,
        "box_sessions": 1 if session else 0,
        "box_closed": 1 if session and session.status == "closed" else 0,
        "box_empty": 1 if session and session.empty else 0,
        "slips": (session.slip_count or 0) if session else 0,
        "box_entries": sum(views["box_entries_by_kind"].values()),
        "box_entries_replied": replied,
        "box_callbacks": sum(views["box_callbacks_by_outcome"].values()),
    }
    return {v: views[v] for v in VIEWS}


def _grouped(query: Any) -> dict[str, int]:
    return {str(key): int(n) for key, n in db.session.execute(query).all()}


def _labels() -> dict[str, dict[str, str]]:
    """JR/T codes' zh-CN labels per axis, so a reader of a file sees words, not only codes."""
    return {axis: {code: entry["zh"] for code, entry in codes.items()} for axis, codes in complaint_codes.table().items()}


def rows(stats: dict[str, Any]) -> list[tuple[str, str, str, str, int]]:
    """Flat rows ``(branch, view, key, label, count)``, every branch then ``ALL``."""
    labels = stats["labels"]
    out = []
    for code, views in [*((b["code"], b["views"]) for b in stats["branches"]), ("ALL", stats["total"])]:
        for view in VIEWS:
            for key, n in sorted(views[view].items()):
                axis = _JRT_AXIS.get(view)
                out.append((code, view, key, labels[axis].get(key, "") if axis else "", n))
    return out


def to_csv(stats: dict[str, Any]) -> str:
    """UTF-8 CSV (with BOM so spreadsheet programs read the Chinese labels): one row per count."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["date", "branch", "view", "key", "label", "count"])
    for row in rows(stats):
        writer.writerow([stats["date"], *row])
    return "\ufeff" + buf.getvalue()


def to_xlsx(stats: dict[str, Any]) -> bytes:
    """An XLSX workbook, one sheet per view (openpyxl): branch, key, label, count."""
    book = Workbook()
    book.remove(book.active)
    by_view: dict[str, list[tuple[str, str, str, int]]] = {v: [] for v in VIEWS}
    for branch, view, key, label, n in rows(stats):
        by_view[view].append((branch, key, label, n))
    for view in VIEWS:
        sheet = book.create_sheet(view[:31])
        sheet.append(["date", "branch", "key", "label", "count"])
        for branch, key, label, n in by_view[view]:
            sheet.append([stats["date"], branch, key, label, n])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def response(actor: Staff, branch_id: uuid.UUID | None, query: dict[str, Any]) -> Any:
    """The statistics of ``query["date"]`` as a Flask response in ``query["format"]``
    (a download for CSV and XLSX); readers as :func:`readable_branches`."""
    from flask import Response

    data = daily(readable_branches(actor, branch_id), query["date"])
    fmt = query["format"]
    body = {"json": lambda: json.dumps(data, ensure_ascii=False), "csv": lambda: to_csv(data),
            "xlsx": lambda: to_xlsx(data)}[fmt]()
    name = f"lobby-stats-{query['date'].isoformat()}.{fmt}"
    headers = {} if fmt == "json" else {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, mimetype=FORMATS[fmt], headers=headers)


def file_day(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any], *,
             batch: Batch | None = None) -> Affected:
    """``statistics.file`` (R-CMP-10): the lobby manager filed the forms and statistics of
    ``business_date``; the record is the evidence of that day's R-CMP-10 obligation. An
    earlier business date is accepted (filed late, and compliance shows it).

    Rejections: ``duplicate_record_id``, ``already_filed`` (one filing per branch and
    day), ``future_business_date``, ``no_branch``. ``batch``: the optimistic run's
    (:func:`~server.services.mutation.ensure_new`).
    """
    branch = branch_of(session, who)
    ensure_new(session, StatisticsFiling, args["filing_id"], "filing_id", batch=batch)
    day = args["business_date"]
    if day > local_date(times.happened_at, branch.timezone):
        reject("future_business_date", "A day is filed on that day or later.", rule="R-CMP-10", field="business_date")
    if session.scalar(select(StatisticsFiling.id).where(StatisticsFiling.branch_id == branch.id,
                                                        StatisticsFiling.business_date == day)) is not None:
        reject("already_filed", f"The statistics of {day} were filed already.", rule="R-CMP-10", field="business_date")
    filing = StatisticsFiling(id=args["filing_id"], branch_id=branch.id, business_date=day, filed_by=who.staff_id)
    filing.stamp(times)
    session.add(filing)
    session.flush()
    return []
