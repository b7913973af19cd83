"""The branch's suggestion box for supervisors (R-BOX-1..3)."""
from __future__ import annotations

import uuid

from ...schemas.suggestion import BoxSessionPage, BoxSessionQuery
from ...services import suggestion as suggestion_service
from ..context import auth_required, current_auth
from ..openapi import problems
from . import bp


@bp.get("/box-sessions", tags=["lobby"])
@problems(403, 404)
@auth_required
@bp.arguments(BoxSessionQuery, location="query")
@bp.response(200, BoxSessionPage)
def box_sessions(query: dict, branch_id: uuid.UUID) -> dict:
    """The branch's box sessions with entries and callbacks; ``?date=&limit=&offset=``."""
    return suggestion_service.list_sessions(current_auth().staff, branch_id, query)
