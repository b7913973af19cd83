"""A leader lease in the database, with a fencing token: any number of schedulers, one acts.

A holder renews before the lease expires; when it dies the lease runs out and another
takes over. Works the same on SQLite and PostgreSQL (one conditional UPDATE).

A lease alone is not enough: a leader that stalls past its lease (SIGSTOP, a long GC, a
lost network) wakes up still believing it leads. So every change of holder raises the
lease's ``token``, and a job's transaction calls :func:`check_fence` just before it
commits: a no-op UPDATE of the lease row that matches only while the row still names
this holder, this token and has not expired. It locks the row (PostgreSQL) or the
database (SQLite) to COMMIT, so a new leader's takeover waits for it, and no verdict of
an old leader commits after a takeover (#14).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models.scheduler import SchedulerLease


class FenceLost(RuntimeError):
    """The lease moved on (or ran out) while a job ran: its transaction must not commit."""


def acquire(name: str, holder: str, now: datetime, ttl: timedelta) -> int | None:
    """Take or renew lease ``name`` for ``holder`` until ``now + ttl``.

    Returns the lease's fencing token when ``holder`` holds it afterwards (the same token
    on renewal, a higher one on a takeover), else ``None``. Commits its own transaction.
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
            token=case((SchedulerLease.holder == holder, SchedulerLease.token), else_=SchedulerLease.token + 1),
            renewed_at=now,
            expires_at=now + ttl,
        )
    )
    if result.rowcount == 1:
        token = db.session.scalar(select(SchedulerLease.token).where(SchedulerLease.name == name))
        db.session.commit()
        return token
    db.session.rollback()
    if db.session.get(SchedulerLease, name) is not None:
        db.session.rollback()
        return None
    try:
        db.session.add(
            SchedulerLease(name=name, holder=holder, acquired_at=now, renewed_at=now, expires_at=now + ttl, token=1)
        )
        db.session.commit()
        return 1
    except IntegrityError:  # another scheduler inserted it first
        db.session.rollback()
        return None


def try_acquire(name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """:func:`acquire` as a yes/no: whether ``holder`` holds lease ``name`` afterwards."""
    return acquire(name, holder, now, ttl) is not None


def check_fence(name: str, holder: str, token: int, now: datetime) -> None:
    """Raise :class:`FenceLost` unless ``holder`` still holds lease ``name`` with ``token``
    at ``now``. Call it in the job's transaction right before COMMIT (the runner does, in
    ``before_commit``). It is a no-op UPDATE of the lease row, so the row stays locked —
    and on SQLite the database's write lock is taken — until the job commits: no takeover
    slips in between the check and the commit."""
    result = db.session.execute(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == name,
            SchedulerLease.holder == holder,
            SchedulerLease.token == token,
            SchedulerLease.expires_at > now,
        )
        .values(token=SchedulerLease.token)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise FenceLost(f"lease {name!r} is no longer held by {holder!r} with token {token}")


#: A released lease expires at this instant, so anyone takes it at once.
RELEASED = datetime(1970, 1, 1, tzinfo=timezone.utc)


def release(name: str, holder: str) -> None:
    """Give the lease up at once (clean shutdown), if ``holder`` has it. The row stays, so
    the next holder's token is still higher than every earlier one."""
    db.session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(expires_at=RELEASED)
    )
    db.session.commit()
