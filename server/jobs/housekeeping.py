"""Housekeeping: drop login failures that left the throttling window, and sync
tombstones past the horizon."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from ..extensions import db
from ..models.org import LoginFailure


def purge_login_failures(now: datetime) -> int:
    """Delete failures older than the throttling window; returns how many went."""
    window = timedelta(seconds=current_app.extensions["settings"].login_window_seconds)
    result = db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - window))
    db.session.commit()
    return result.rowcount or 0


def compact_tombstones(now: datetime) -> int:
    """Drop sync tombstones older than the horizon (``FIELDOPS_SYNC_TOMBSTONE_DAYS``), as
    ``flask sync compact`` does; returns how many went. Idempotent: a second run in the
    same period finds nothing. A device whose cursor predates them gets a reset (#3)."""
    from ..sync_setup import engine

    return engine().compact(db.session)
