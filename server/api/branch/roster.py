"""The roster: planned shifts per post, kept by administrators and operations managers (R-SEC-2)."""
from __future__ import annotations

import uuid

from flask import Response, request

from ...schemas.roster import RosterIn, RosterOut, RosterPatch, RosterQuery
from ...services import listing as Q
from ...services import roster as service
from ...services.access import require_editor, require_reader
from ..context import auth_required, current_auth, load, now
from ..openapi import doc
from . import bp


@bp.get("/roster")
@doc(query=RosterQuery, errors=(403, 404, 422), tags=["roster"])
@auth_required
def list_roster(branch_id: uuid.UUID) -> dict:
    """Planned shifts overlapping a branch-local day, by start (``?date=&post=``): supervisors."""
    branch = require_reader(current_auth().staff, branch_id, "shift")
    args = load(RosterQuery(), request.args)
    day, start, end = Q.day_of(branch, args["date"], now())
    rows = service.list_between(branch, start, end, args["post"])
    return {"date": day.isoformat(), "items": [r.to_dict() for r in rows]}


@bp.post("/roster")
@doc(body=RosterIn, response=RosterOut, status=201, errors=(403, 404, 422), tags=["roster"])
@auth_required
def create_roster(branch_id: uuid.UUID) -> tuple[dict, int]:
    """Plan a shift {post, staff_id?, starts_at, ends_at, notes?}."""
    actor = current_auth().staff
    branch = require_editor(actor, branch_id, "roster")
    return service.create(branch, actor, load(RosterIn()), now()).to_dict(), 201


@bp.get("/roster/<uuid:roster_id>")
@doc(response=RosterOut, errors=(403, 404), tags=["roster"])
@auth_required
def get_roster(branch_id: uuid.UUID, roster_id: uuid.UUID) -> dict:
    """One planned shift: supervisors."""
    branch = require_reader(current_auth().staff, branch_id, "shift")
    return service.get(branch, roster_id).to_dict()


@bp.patch("/roster/<uuid:roster_id>")
@doc(body=RosterPatch, response=RosterOut, errors=(403, 404, 422), tags=["roster"])
@auth_required
def update_roster(branch_id: uuid.UUID, roster_id: uuid.UUID) -> dict:
    """Change a planned shift; the result is validated as a whole."""
    actor = current_auth().staff
    branch = require_editor(actor, branch_id, "roster")
    return service.update(branch, actor, roster_id, load(RosterPatch()), now()).to_dict()


@bp.delete("/roster/<uuid:roster_id>")
@doc(status=204, errors=(403, 404), tags=["roster"])
@auth_required
def delete_roster(branch_id: uuid.UUID, roster_id: uuid.UUID) -> Response:
    """Remove a planned shift."""
    service.delete(require_editor(current_auth().staff, branch_id, "roster"), roster_id)
    return Response(status=204)
