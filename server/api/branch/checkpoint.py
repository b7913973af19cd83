"""Checkpoint administration and label sheets (R-SEC-5): administrators, operations managers."""
from __future__ import annotations

import uuid

from flask import Response

from ...schemas.checkpoint import CheckpointIn, CheckpointList, CheckpointOut
from ...services import checkpoint as checkpoint_service
from ...services import labels
from ..context import auth_required, current_auth, now
from ..openapi import problems
from . import bp


@bp.get("/checkpoints", tags=["checkpoints"])
@problems(403, 404)
@auth_required
@bp.response(200, CheckpointList)
def list_checkpoints(branch_id: uuid.UUID) -> dict:
    """The branch's checkpoints with their current secret codes."""
    rows = checkpoint_service.list_checkpoints(current_auth().staff, branch_id)
    return {"checkpoints": [r.to_dict() for r in rows]}


@bp.post("/checkpoints", tags=["checkpoints"])
@problems(403, 404, 409)
@auth_required
@bp.arguments(CheckpointIn)
@bp.response(201, CheckpointOut)
def create_checkpoint(data: dict, branch_id: uuid.UUID) -> dict:
    """Create a checkpoint in an area; 201 with its code (print its label next)."""
    return checkpoint_service.create_checkpoint(
        current_auth().staff, branch_id, data["area"], data["name_zh"], data["name_en"], now()
    ).to_dict()


@bp.get("/checkpoint-labels.svg", tags=["checkpoints"])
@problems(403, 404)
@auth_required
@bp.response(200, description="A printable A4 SVG sheet (image/svg+xml)")
def label_sheet(branch_id: uuid.UUID) -> Response:
    """A printable A4 SVG sheet of QR labels (payload: ``bfo://checkpoint?v=1&branch=…&code=…``)."""
    svg = labels.label_sheet(current_auth().staff, branch_id)
    resp = Response(svg, mimetype="image/svg+xml")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Content-Disposition"] = f'inline; filename="checkpoint-labels-{branch_id}.svg"'
    return resp
