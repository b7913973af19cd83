"""The branch's suggestion box for supervisors (R-BOX-1..3)."""
from __future__ import annotations

import uuid

from flask import request

from ...schemas.listing import PageOut
from ...schemas.suggestion import BoxSessionQuery
from ...services import suggestion as suggestion_service
from ..context import auth_required, current_auth, load
from ..openapi import doc
from . import bp


@bp.get("/box-sessions")
@doc(query=BoxSessionQuery, response=PageOut, errors=(403, 404, 422), tags=["lobby"])
@auth_required
def box_sessions(branch_id: uuid.UUID) -> dict:
    """The branch's box sessions with entries and callbacks; ``?date=&limit=&offset=``."""
    query = load(BoxSessionQuery(), request.args.to_dict())
    return suggestion_service.list_sessions(current_auth().staff, branch_id, query)
