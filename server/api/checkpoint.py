"""Checkpoint routes outside a branch's path: rotating a code (R-SEC-5)."""
from __future__ import annotations

import uuid

from ..schemas.checkpoint import CheckpointOut
from ..services import checkpoint as checkpoint_service
from .context import auth_required, current_auth, now
from .openapi import Blueprint, problems

bp = Blueprint("checkpoint", __name__, url_prefix="/api")


@bp.post("/checkpoints/<uuid:checkpoint_id>/rotate", tags=["checkpoints"])
@problems(403, 404)
@auth_required
@bp.response(200, CheckpointOut)
def rotate(checkpoint_id: uuid.UUID) -> dict:
    """Issue a new code; the old one stops proving patrols. Reprint the label."""
    return checkpoint_service.rotate(current_auth().staff, checkpoint_id, now()).to_dict()
