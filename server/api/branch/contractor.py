"""The contractor registry and who is on site (R-SEC-8, R-SEC-9)."""
from __future__ import annotations

import uuid

from flask import request

from ...schemas.contractor import (
    ContractorIn,
    ContractorOut,
    ContractorPatch,
    RegistryQuery,
    RevokeIn,
    VisitQuery,
)
from ...schemas.listing import PageOut
from ...services import contractor as service
from ...services import listing as Q
from ...services.access import require_editor, require_reader
from ..context import auth_required, current_auth, load, now
from ..openapi import doc
from . import bp


@bp.get("/contractors")
@doc(query=RegistryQuery, response=PageOut, errors=(403, 404, 422), tags=["contractors"])
@auth_required
def list_contractors(branch_id: uuid.UUID) -> dict:
    """Registered contractors by name (``?include_revoked=``), all marked non-bank."""
    branch = require_reader(current_auth().staff, branch_id, "contractor")
    args = load(RegistryQuery(), request.args)
    rows, total = service.list_registry(branch, **args)
    more = args["offset"] + len(rows) < total
    return {"items": [r.to_dict() for r in rows], "total": total, "limit": args["limit"], "offset": args["offset"],
            "next_offset": args["offset"] + args["limit"] if more else None}


@bp.post("/contractors")
@doc(body=ContractorIn, response=ContractorOut, status=201, errors=(403, 404, 409, 422), tags=["contractors"])
@auth_required
def register_contractor(branch_id: uuid.UUID) -> tuple[dict, int]:
    """Register a contractor and badge; 409 ``badge_taken`` on a reused number."""
    branch = require_editor(current_auth().staff, branch_id, "contractor")
    return service.register(branch, load(ContractorIn()), now()).to_dict(), 201


@bp.get("/contractors/on-site")
@doc(errors=(403, 404), tags=["contractors"])
@auth_required
def contractors_on_site(branch_id: uuid.UUID) -> dict:
    """Contractors checked in and not yet out, earliest first."""
    branch = require_reader(current_auth().staff, branch_id, "contractor_visit")
    return {"items": [v.to_dict() for v in service.on_site(branch)]}


@bp.get("/contractors/<uuid:contractor_id>")
@doc(response=ContractorOut, errors=(403, 404), tags=["contractors"])
@auth_required
def get_contractor(branch_id: uuid.UUID, contractor_id: uuid.UUID) -> dict:
    """One registration."""
    branch = require_reader(current_auth().staff, branch_id, "contractor")
    return service.get(branch, contractor_id).to_dict()


@bp.patch("/contractors/<uuid:contractor_id>")
@doc(body=ContractorPatch, response=ContractorOut, errors=(403, 404, 409, 422), tags=["contractors"])
@auth_required
def update_contractor(branch_id: uuid.UUID, contractor_id: uuid.UUID) -> dict:
    """Change a registration (validity, scope, employer, link to an ``onsite`` account)."""
    branch = require_editor(current_auth().staff, branch_id, "contractor")
    return service.update(branch, contractor_id, load(ContractorPatch()), now()).to_dict()


@bp.post("/contractors/<uuid:contractor_id>/revoke")
@doc(body=RevokeIn, response=ContractorOut, errors=(403, 404, 422), tags=["contractors"])
@auth_required
def revoke_contractor(branch_id: uuid.UUID, contractor_id: uuid.UUID) -> dict:
    """Revoke a badge at once {reason}; later check-ins with it are refused."""
    branch = require_editor(current_auth().staff, branch_id, "contractor")
    return service.revoke(branch, contractor_id, load(RevokeIn())["reason"], now()).to_dict()


@bp.get("/contractor-visits")
@doc(query=VisitQuery, response=PageOut, errors=(403, 404, 422), tags=["contractors"])
@auth_required
def list_visits(branch_id: uuid.UUID) -> dict:
    """Contractor visits of a branch-local day (``?date=&status=&badge_no=``)."""
    branch = require_reader(current_auth().staff, branch_id, "contractor_visit")
    args = load(VisitQuery(), request.args)
    day, start, end = Q.day_of(branch, args.pop("date"), now())
    return {"date": day.isoformat(), **service.list_visits(branch, start, end, **args)}
