"""Everything under ``/api/branches/<branch_id>/``: one blueprint, one module per feature.

Reads for supervisors and the web app, and the records maintained here rather than by
devices (roster, contractor registry, checkpoints). Devices write through sync.
"""
from __future__ import annotations

from ..openapi import Blueprint

bp = Blueprint("branch", __name__, url_prefix="/api/branches/<uuid:branch_id>")

from . import (  # noqa: E402  (each module's routes attach to bp)
    checkpoint,
    cleaning,
    complaint,
    compliance,
    contractor,
    floor,
    handover,
    incident,
    patrol,
    roster,
    shift,
    suggestion,
)

#: The feature modules whose routes make up the blueprint.
FEATURES = (
    checkpoint, cleaning, complaint, compliance, contractor, floor, handover, incident, patrol, roster, shift, suggestion,
)
