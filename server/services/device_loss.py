"""A wiped phone (#15): a device whose server-side ``last_mutation_id`` is ahead of its own
counter lost records it had sent (restored from an older copy, its storage cleared). It
says so once; this raises a branch-level alert for the people who supervise devices.

One alert per client (key ``<branch>:device_lost_records:<client_id>``): a report of the
same loss again (a retry whose answer was lost) changes nothing; a later, different loss
of the same client updates the message and asks to be acknowledged again. The alert
reaches the operations manager and administrators by pull, like every alert, and carries
whose phone and how many records, never what they held (R-SEC-10).
"""
from __future__ import annotations

import uuid
from datetime import datetime

from ..errors import Conflict, Forbidden, NotFound
from ..extensions import db
from ..models.alert import Alert, alert_id
from ..models.org import Staff
from ..rules import alert as RA
from ..sync_setup import engine
from .alert import branch_key

KIND = "device_lost_records"


def lost_records_message(staff: Staff, lost: int, server_last: int, device_last: int) -> str:
    """Whose phone, how many records, and the two counters (no customer data)."""
    return (f"{KIND}: the phone of {staff.name} ({staff.employee_no}) lost {lost} sent records "
            f"(server last_mutation_id {server_last}, phone {device_last})")


def report_lost_records(staff: Staff, client_id: uuid.UUID, device_last: int, at: datetime) -> Alert:
    """Raise (or keep) the alert that ``client_id``, ``staff``'s own client, lost records:
    the server's ``last_mutation_id`` minus ``device_last``. Commits; returns the alert.

    Raises :class:`NotFound` for an unknown client or one of another branch (R-SEC-10:
    one answer), :class:`Forbidden` ``client_owned_by_other`` for a colleague's client,
    :class:`Conflict` ``no_records_lost`` when the server holds nothing beyond ``device_last``.
    """
    client = engine().get_client(db.session, client_id)
    if client is None or staff.branch_id is None or client.branch_id != staff.branch_id:
        raise NotFound("No such client in your branch.")
    if client.staff_id != staff.id:
        raise Forbidden("This client belongs to another staff member.", code="client_owned_by_other")
    lost = client.last_mutation_id - device_last
    if lost <= 0:
        raise Conflict("The server holds no mutation of this client beyond the device's counter.",
                       code="no_records_lost", last_mutation_id=client.last_mutation_id)
    key = branch_key(client.branch_id, KIND, str(client_id))
    message = lost_records_message(staff, lost, client.last_mutation_id, device_last)
    alert = db.session.get(Alert, alert_id(key))
    created = alert is None
    if created:
        alert = Alert(id=alert_id(key), key=key, branch_id=client.branch_id, obligation_id=None, kind=KIND, rule=None,
                      roles=list(RA.DEVICE_LOST_RECORDS_ROLES), message=message, raised_at=at, updated_at=at)
        db.session.add(alert)
    elif alert.message != message:  # another loss: open, and to be acknowledged again
        alert.message, alert.raised_at, alert.updated_at, alert.resolved_at = message, at, at, None
        alert.acknowledged_at = alert.acknowledged_by = alert.ack_note = None
    else:
        return alert
    db.session.flush()
    engine().put(db.session, "alert", alert, created=created)
    db.session.commit()
    return alert
