"""Checkpoint routes outside a branch's path: rotating a code (R-SEC-5)."""
from __future__ import annotations

import uuid

from flask import Blueprint

from ..services import checkpoint as checkpoint_service
from .context import auth_required, current_auth, now
from .openapi import doc

bp = Blueprint("checkpoint", __name__, url_prefix="/api")


@bp.post("/checkpoints/<uuid:checkpoint_id>/rotate")
@doc(errors=(403, 404), tags=["checkpoints"])
@auth_required
def rotate(checkpoint_id: uuid.UUID) -> dict:
    """Issue a new code; the old one stops proving patrols. Reprint the label."""
    return checkpoint_service.rotate(current_auth().staff, checkpoint_id, now()).to_dict()
