"""Checkpoint administration and label sheets (R-SEC-5): administrators, operations managers."""
from __future__ import annotations

import uuid

from flask import Response

from ...schemas.checkpoint import CheckpointIn
from ...services import checkpoint as checkpoint_service
from ...services import labels
from ..context import auth_required, current_auth, load, now
from ..openapi import doc
from . import bp


@bp.get("/checkpoints")
@doc(errors=(403, 404), tags=["checkpoints"])
@auth_required
def list_checkpoints(branch_id: uuid.UUID) -> dict:
    """The branch's checkpoints with their current secret codes."""
    rows = checkpoint_service.list_checkpoints(current_auth().staff, branch_id)
    return {"checkpoints": [r.to_dict() for r in rows]}


@bp.post("/checkpoints")
@doc(body=CheckpointIn, status=201, errors=(403, 404, 409, 422), tags=["checkpoints"])
@auth_required
def create_checkpoint(branch_id: uuid.UUID) -> tuple[dict, int]:
    """Create a checkpoint in an area; 201 with its code (print its label next)."""
    data = load(CheckpointIn())
    made = checkpoint_service.create_checkpoint(
        current_auth().staff, branch_id, data["area"], data["name_zh"], data["name_en"], now()
    )
    return made.to_dict(), 201




@bp.get("/checkpoint-labels.svg")
@doc(errors=(403, 404), tags=["checkpoints"])
@auth_required
def label_sheet(branch_id: uuid.UUID) -> Response:
    """A printable A4 SVG sheet of QR labels (payload: ``bfo://checkpoint?v=1&branch=…&code=…``)."""
    svg = labels.label_sheet(current_auth().staff, branch_id)
    resp = Response(svg, mimetype="image/svg+xml")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Content-Disposition"] = f'inline; filename="checkpoint-labels-{branch_id}.svg"'
    return resp
