"""The JR/T 0169-2018 classification as the branch uses it: the built-in table
(``rules/complaint_codes.py``) overlaid with administrators' corrections."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..models.complaint import ComplaintCode
from ..models.org import Staff
from ..rules import complaint_codes as CODES
from ..rules import permissions as P
from .mutation import held, reject


def table(session: Session | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """``{axis: {code: {zh, en, active}}}``: the effective classification (one query)."""
    session = session or db.session
    rows = session.scalars(select(ComplaintCode)).all()
    return CODES.effective({(r.axis, r.code): (r.label_zh, r.label_en, r.active) for r in rows})


def check_codes(session: Session, codes: Mapping[str, str]) -> None:
    """Refuse a mutation whose classification names a code not in use (``unknown_code``).
    The classification is read once per transaction (:func:`~.mutation.held`): a push's
    cases all consult it, and an administrator's correction commits on its own."""
    current = held(session, "complaint codes", lambda: table(session))
    for axis, code in codes.items():
        entry = current[axis].get(code)
        if entry is None or not entry["active"]:
            reject("unknown_code", f"{code!r} is not a JR/T 0169-2018 {axis} code in use.", field=f"jrt_{axis}")


def correct(actor: Staff | None, axis: str, code: str, data: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """An administrator corrects (or adds, or retires) one code and commits; returns the
    axis as now in use. Raises :class:`Forbidden`, :class:`ValidationFailed`."""
    if actor is not None and actor.role not in P.REFERENCE_ADMINS:
        raise Forbidden("Only an administrator corrects the complaint classification.")
    if axis not in CODES.AXES:
        raise ValidationFailed({"axis": [f"One of {', '.join(CODES.AXES)}."]})
    if not code.isdigit() or len(code) > 8:
        raise ValidationFailed({"code": ["Digits only, at most 8."]})
    row = db.session.get(ComplaintCode, (axis, code)) or ComplaintCode(axis=axis, code=code)
    row.label_zh, row.label_en = data["zh"], data["en"]
    row.active = bool(data.get("active", True))
    row.updated_by, row.updated_at = (actor.id if actor else None), now
    db.session.add(row)
    db.session.commit()
    return table()[axis]
