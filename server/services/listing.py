"""What the REST lists share: one page shape, a branch-local day, how a person is named.

Every list is one query (records joined with the people they name, no N+1) plus a count;
names of on-site staff carry the non-bank mark (R-SEC-9).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import Select, func, select

from ..extensions import db
from ..models.org import Branch, Staff
from ..rules import roles as R
from ..rules.calendar import day_bounds, local_date
from ..rules.contractor import display_name


def person(staff: Staff | None) -> dict[str, Any] | None:
    """How a person is named in a listing: contractors marked non-bank (R-SEC-8, R-SEC-9)."""
    if staff is None:
        return None
    bank = staff.role != R.ONSITE
    return {"id": str(staff.id), "name": staff.name, "role": staff.role, "is_bank_staff": bank,
            "display_name": staff.name if bank else display_name(staff.name, None)}


def page(query: Select, limit: int, offset: int, item: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.execute(query.limit(limit).offset(offset)).all()
    more = offset + len(rows) < total
    return {"items": [item(r) for r in rows], "total": total, "limit": limit, "offset": offset,
            "next_offset": offset + limit if more else None}


def day_of(branch: Branch, day: date | None, now: datetime) -> tuple[date, datetime, datetime]:
    """The local day asked for (default: today in the branch) and its UTC bounds."""
    day = day or local_date(now, branch.timezone)
    return (day, *day_bounds(day, branch.timezone))












