"""The contractor registry and who is on site (R-SEC-8, R-SEC-9)."""
from __future__ import annotations

import uuid

from ...schemas.contractor import (
    ContractorIn,
    ContractorOut,
    ContractorPage,
    ContractorPatch,
    OnSiteList,
    RegistryQuery,
    RevokeIn,
    VisitPage,
    VisitQuery,
)
from ...services import contractor as service
from ...services import listing as Q
from ...services.access import require_editor, require_reader
from ..context import auth_required, current_auth, now
from ..openapi import problems
from . import bp


@bp.get("/contractors", tags=["contractors"])
@problems(403, 404)
@auth_required
@bp.arguments(RegistryQuery, location="query")
@bp.response(200, ContractorPage)
def list_contractors(args: dict, branch_id: uuid.UUID) -> dict:
    """Registered contractors by name (``?include_revoked=``), all marked non-bank."""
    branch = require_reader(current_auth().staff, branch_id, "contractor")
    rows, total = service.list_registry(branch, **args)
    more = args["offset"] + len(rows) < total
    return {"items": [r.to_dict() for r in rows], "total": total, "limit": args["limit"], "offset": args["offset"],
            "next_offset": args["offset"] + args["limit"] if more else None}


@bp.post("/contractors", tags=["contractors"])
@problems(403, 404, 409)
@auth_required
@bp.arguments(ContractorIn)
@bp.response(201, ContractorOut)
def register_contractor(data: dict, branch_id: uuid.UUID) -> dict:
    """Register a contractor and badge; 409 ``badge_taken`` on a reused number."""
    branch = require_editor(current_auth().staff, branch_id, "contractor")
    return service.register(branch, data, now()).to_dict()


@bp.get("/contractors/on-site", tags=["contractors"])
@problems(403, 404)
@auth_required
@bp.response(200, OnSiteList)
def contractors_on_site(branch_id: uuid.UUID) -> dict:
    """Contractors checked in and not yet out, earliest first."""
    branch = require_reader(current_auth().staff, branch_id, "contractor_visit")
    return {"items": [v.to_dict() for v in service.on_site(branch)]}


@bp.get("/contractors/<uuid:contractor_id>", tags=["contractors"])
@problems(403, 404)
@auth_required
@bp.response(200, ContractorOut)
def get_contractor(branch_id: uuid.UUID, contractor_id: uuid.UUID) -> dict:
    """One registration."""
    branch = require_reader(current_auth().staff, branch_id, "contractor")
    return service.get(branch, contractor_id).to_dict()


@bp.patch("/contractors/<uuid:contractor_id>", tags=["contractors"])
@problems(403, 404, 409)
@auth_required
@bp.arguments(ContractorPatch)
@bp.response(200, ContractorOut)
def update_contractor(data: dict, branch_id: uuid.UUID, contractor_id: uuid.UUID) -> dict:
    """Change a registration (validity, scope, employer, link to an ``onsite`` account)."""
    branch = require_editor(current_auth().staff, branch_id, "contractor")
    return service.update(branch, contractor_id, data, now()).to_dict()


@bp.post("/contractors/<uuid:contractor_id>/revoke", tags=["contractors"])
@problems(403, 404)
@auth_required
@bp.arguments(RevokeIn)
@bp.response(200, ContractorOut)
def revoke_contractor(data: dict, branch_id: uuid.UUID, contractor_id: uuid.UUID) -> dict:
    """Revoke a badge at once {reason}; later check-ins with it are refused."""
    branch = require_editor(current_auth().staff, branch_id, "contractor")
    return service.revoke(branch, contractor_id, data["reason"], now()).to_dict()


@bp.get("/contractor-visits", tags=["contractors"])
@problems(403, 404)
@auth_required
@bp.arguments(VisitQuery, location="query")
@bp.response(200, VisitPage)
def list_visits(args: dict, branch_id: uuid.UUID) -> dict:
    """Contractor visits of a branch-local day (``?date=&status=&badge_no=``)."""
    branch = require_reader(current_auth().staff, branch_id, "contractor_visit")
    day, start, end = Q.day_of(branch, args.pop("date"), now())
    return {"date": day.isoformat(), **service.list_visits(branch, start, end, **args)}
