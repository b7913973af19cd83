"""The roster: planned shifts per post, kept by administrators and operations managers (R-SEC-2)."""
from __future__ import annotations

import uuid

from flask import Response

from ...schemas.roster import RosterIn, RosterList, RosterOut, RosterPatch, RosterQuery
from ...services import listing as Q
from ...services import roster as service
from ...services.access import require_editor, require_reader
from ..context import auth_required, current_auth, now
from ..openapi import problems
from . import bp


@bp.get("/roster", tags=["roster"])
@problems(403, 404)
@auth_required
@bp.arguments(RosterQuery, location="query")
@bp.response(200, RosterList)
def list_roster(args: dict, branch_id: uuid.UUID) -> dict:
    """Planned shifts overlapping a branch-local day, by start (``?date=&post=``): supervisors."""
    branch = require_reader(current_auth().staff, branch_id, "shift")
    day, start, end = Q.day_of(branch, args["date"], now())
    return {"date": day.isoformat(), "items": [r.to_dict() for r in service.list_between(branch, start, end, args["post"])]}


@bp.post("/roster", tags=["roster"])
@problems(403, 404)
@auth_required
@bp.arguments(RosterIn)
@bp.response(201, RosterOut)
def create_roster(data: dict, branch_id: uuid.UUID) -> dict:
    """Plan a shift {post, staff_id?, starts_at, ends_at, notes?}."""
    actor = current_auth().staff
    return service.create(require_editor(actor, branch_id, "roster"), actor, data, now()).to_dict()


@bp.get("/roster/<uuid:roster_id>", tags=["roster"])
@problems(403, 404)
@auth_required
@bp.response(200, RosterOut)
def get_roster(branch_id: uuid.UUID, roster_id: uuid.UUID) -> dict:
    """One planned shift: supervisors."""
    branch = require_reader(current_auth().staff, branch_id, "shift")
    return service.get(branch, roster_id).to_dict()


@bp.patch("/roster/<uuid:roster_id>", tags=["roster"])
@problems(403, 404)
@auth_required
@bp.arguments(RosterPatch)
@bp.response(200, RosterOut)
def update_roster(data: dict, branch_id: uuid.UUID, roster_id: uuid.UUID) -> dict:
    """Change a planned shift; the result is validated as a whole."""
    actor = current_auth().staff
    return service.update(require_editor(actor, branch_id, "roster"), actor, roster_id, data, now()).to_dict()


@bp.delete("/roster/<uuid:roster_id>", tags=["roster"])
@problems(403, 404)
@auth_required
@bp.response(204)
def delete_roster(branch_id: uuid.UUID, roster_id: uuid.UUID) -> Response:
    """Remove a planned shift."""
    service.delete(require_editor(current_auth().staff, branch_id, "roster"), roster_id)
    return Response(status=204)
