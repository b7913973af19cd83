"""A phone tells the server it lost records it had sent (#15): the supervisors' alert."""
from __future__ import annotations

import uuid

from ..schemas.compliance import AlertOut
from ..schemas.device_loss import LostRecordsArgs
from ..services import device_loss
from .context import auth_required, current_auth, now
from .openapi import Blueprint, problems

bp = Blueprint("device_loss", __name__, url_prefix="/api")


@bp.post("/sync/clients/<uuid:client_id>/lost-records", tags=["sync"])
@problems(403, 404, 409)
@auth_required
@bp.arguments(LostRecordsArgs)
@bp.response(200, AlertOut)
def report_lost_records(args: dict, client_id: uuid.UUID) -> dict:
    """The signed-in person's own client lost records: raise the alert (once) for the
    branch's operations manager and administrators; answers the alert."""
    alert = device_loss.report_lost_records(current_auth().staff, client_id, args["device_last_mutation_id"], now())
    return alert.to_dict()
