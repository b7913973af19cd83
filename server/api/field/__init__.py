"""Field ops part A over REST, under ``/api/branches/<branch_id>/`` (issue #4).

Reads for supervisors and the web app (shifts, handovers, unstaffed posts, cleaning,
contractors on site, visits, floor rounds, coaching) and the records maintained here
rather than by devices (roster, contractor registry). Devices write through sync.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("field", __name__, url_prefix="/api/branches/<uuid:branch_id>")

from . import contractors, floor, roster, shifts  # noqa: E402,F401  (routes attach to bp)
