"""Alerts (#14): raise what the judged obligations warrant, resolve what they no longer do,
and let the responsible roles acknowledge them.

One alert per ``(obligation, kind)`` (its unique ``key``), however often the engine runs:
an alert that resolved and is warranted again opens again as the same row. Branch-level
alerts (``repeated_missed`` for a day, ``calendar_unknown`` for a year) have keys of
their own and resolve when their condition ends (the day no longer has enough misses; the
year got loaded).
"""
from __future__ import annotations

import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Mapping, Sequence

from sqlalchemy import or_, select

from ..extensions import db
from ..models.alert import Alert, alert_id
from ..models.compliance import Obligation

from ..rules import alert as RA
from ..rules import calendar as RCAL
from ..rules import compliance as RC
from .compliance_store import insert_many
from .mutation import reject

#: ``(branch, kind, what, rule, roles)``: a branch-level alert the engine found warranted.
BranchAlert = tuple[Any, str, str, "str | None", Sequence[str]]


def branch_key(branch_id: uuid.UUID, kind: str, what: str) -> str:
    """The key of a branch-level alert: ``<branch>:<kind>:<what>`` (a date, a year)."""
    return f"{branch_id}:{kind}:{what}"


def refresh(
    rows: Sequence[Any],
    branch_alerts: Sequence[BranchAlert],
    at: datetime,
    settings_of: Mapping[uuid.UUID, Mapping[str, Any] | None],
    cal: RCAL.WorkingCalendar,
    scope: Any,
    judged_days: set[tuple[uuid.UUID, str]] | None = None,
) -> tuple[int, int]:
    """Make the alerts match the judged obligations ``rows`` and the branch-level alerts
    found for the judged days; returns ``(raised, resolved)``. Reads the current alerts in
    two statements (``scope``: the evaluation's condition on ``obligation``); writes in the
    session's flush (batched). ``judged_days``: the ``(branch, ISO day)`` the evaluation
    judged (by default those of ``rows``; a complaint's obligations live on its intake day,
    which a later evaluation re-judges without judging that day's other rules)."""
    from ..sync_setup import engine as sync_engine

    feed = sync_engine()

    wanted: dict[str, dict[str, Any]] = {}
    for row in rows:
        kinds = RA.alert_kinds(row.rule, row.status, row.due_at, at, settings_of.get(row.branch_id))
        if not kinds:
            continue  # most obligations warrant none: no verdict to build for a message
        verdict = _as_verdict(row)
        for kind in kinds:
            key = f"{row.id}:{kind}"
            wanted[key] = {"key": key, "branch_id": row.branch_id, "obligation_id": row.id, "kind": kind,
                           "rule": row.rule, "roles": list(RA.ALERT_ROLES.get(row.rule, ())),
                           "message": RA.alert_message(row.rule, kind, verdict)}
    for branch, kind, what, rule, roles in branch_alerts:
        key = branch_key(branch.id, kind, what)
        wanted[key] = {"key": key, "branch_id": branch.id, "obligation_id": None, "kind": kind, "rule": rule,
                       "roles": list(roles), "message": RA.alert_message(rule or "calendar", kind) + f" {what}"}
    if judged_days is None:
        judged_days = {(r.branch_id, r.business_date.isoformat()) for r in rows}
    current: dict[str, Alert] = {}
    current.update((a.key, a) for a in db.session.scalars(
        select(Alert).join(Obligation, Obligation.id == Alert.obligation_id).where(scope)))
    judged_ids = {r.id for r in rows}
    again = [k for k, v in wanted.items() if v["obligation_id"] is None]  # a resolved one may open again
    for a in db.session.scalars(select(Alert).where(
            Alert.obligation_id.is_(None), Alert.branch_id.in_(list(settings_of)),
            or_(Alert.resolved_at.is_(None), Alert.key.in_(again)))):
        current[a.key] = a
    raised = resolved = 0
    fresh: list[dict[str, Any]] = []
    for key, values in wanted.items():
        alert = current.get(key)
        if alert is None:
            fresh.append({"id": alert_id(key), "raised_at": at, "updated_at": at, "resolved_at": None,
                          "acknowledged_at": None, "acknowledged_by": None, "ack_note": None, **values})
            continue
        elif alert.resolved_at is not None or alert.message != values["message"]:
            raised += alert.resolved_at is not None  # raised again: the same row
            alert.resolved_at, alert.message, alert.updated_at = None, values["message"], at
        else:
            continue
        feed.put(db.session, "alert", alert)
    for key, alert in current.items():
        if key in wanted or alert.resolved_at is not None or not _is_judged(alert, judged_ids, judged_days, cal):
            continue
        alert.resolved_at, alert.updated_at = at, at
        resolved += 1
        feed.put(db.session, "alert", alert)
    if fresh:  # one executemany; published as plain values, without the ORM's cost
        insert_many(Alert.__table__, fresh)
        session = db.session()  # the Session itself: the scoped proxy costs a lookup per call
        for values in fresh:
            feed.put(session, "alert", SimpleNamespace(is_open=True, **values), created=True)
        raised += len(fresh)
    db.session.flush()
    return raised, resolved


def _is_judged(
    alert: Alert, judged_ids: set[uuid.UUID], judged_days: set[tuple[uuid.UUID, str]], cal: RCAL.WorkingCalendar
) -> bool:
    """Whether this evaluation judged what ``alert`` is about (so its absence from the
    wanted set means its condition ended)."""
    if alert.obligation_id is not None:
        return alert.obligation_id in judged_ids
    what = alert.key.rsplit(":", 1)[1]
    if alert.kind == "calendar_unknown":
        return cal.is_known(int(what))
    return (alert.branch_id, what) in judged_days


def _as_verdict(row: Any) -> RC.Verdict:
    return RC.Verdict(row.rule, row.subject_kind, row.subject_id, row.business_date, row.window_start,
                      row.window_end, row.due_at, row.status, tuple(row.evidence), row.clock_suspect, row.detail)


def acknowledge(staff_id: uuid.UUID, role: str, branch_id: uuid.UUID | None, alert_uuid: uuid.UUID,
                note: str | None, at: datetime) -> Alert:
    """Acknowledge an alert (who, when, note) by a role it is routed to in its branch.
    Acknowledging again keeps the first acknowledgement. Does not resolve it.

    Rejects ``unknown_alert`` for an alert that does not exist, is of another branch or
    is not routed to the role (R-SEC-10: the same answer for all three).
    """
    alert = db.session.get(Alert, alert_uuid)
    if alert is None or alert.branch_id != branch_id or role not in (alert.roles or ()):
        reject("unknown_alert", "No such alert for you.")
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by, alert.ack_note, alert.updated_at = at, staff_id, note, at
        db.session.flush()
    return alert
