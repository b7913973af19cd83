"""A leader lease in the database: any number of schedulers, one acts.

A holder renews before the lease expires; when it dies the lease runs out and another
takes over. Works the same on SQLite and PostgreSQL (one conditional UPDATE).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, or_, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models.scheduler import SchedulerLease


def try_acquire(name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew lease ``name`` for ``holder`` until ``now + ttl``.

    Returns True when ``holder`` holds it afterwards. Commits its own transaction.
    """
    result = db.session.execute(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == name,
            or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now),
        )
        .values(
            holder=holder,
            acquired_at=case((SchedulerLease.holder == holder, SchedulerLease.acquired_at), else_=now),
            renewed_at=now,
            expires_at=now + ttl,
        )
    )
    if result.rowcount == 1:
        db.session.commit()
        return True
    db.session.rollback()
    if db.session.get(SchedulerLease, name) is not None:
        db.session.rollback()
        return False
    try:
        db.session.add(SchedulerLease(name=name, holder=holder, acquired_at=now, renewed_at=now, expires_at=now + ttl))
        db.session.commit()
        return True
    except IntegrityError:  # another scheduler inserted it first
        db.session.rollback()
        return False


def release(name: str, holder: str) -> None:
    """Give the lease up at once (clean shutdown), if ``holder`` has it."""
    db.session.query(SchedulerLease).filter_by(name=name, holder=holder).delete()
    db.session.commit()
