"""``GET /healthz``: the process is up and the database answers."""
from __future__ import annotations

from sqlalchemy import text

from ..errors import AppError
from ..extensions import db
from ..schemas.org import HealthOut
from .context import now
from .openapi import Blueprint, problems

bp = Blueprint("health", __name__)


class DatabaseUnavailable(AppError):
    status, code, title = 503, "database_unavailable", "The database does not answer"


@bp.get("/healthz", tags=["health"])
@problems(503)
@bp.response(200, HealthOut)
def healthz() -> dict:
    """200 ``{"status": "ok"}`` when a query round-trips, else 503 problem+json."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as exc:  # any driver error means "not healthy", not a 500
        db.session.rollback()
        raise DatabaseUnavailable(f"{type(exc).__name__}") from None
    return {"status": "ok", "database": db.engine.dialect.name, "server_time": now()}
