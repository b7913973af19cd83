"""Arguments of the compliance reads and mutations (#14)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .base import Args


class ComplianceDayQuery(Schema):
    """``?date=YYYY-MM-DD``: a branch-local day."""

    date = fields.Date(required=True)


class AlertAcknowledgeArgs(Args):
    """``alert.acknowledge``: which alert, and an optional note."""

    alert_id = fields.UUID(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class ObligationExcuseArgs(Args):
    """``obligation.excuse``: which obligation, why; ``withdraw`` takes an excuse back."""

    obligation_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    withdraw = fields.Boolean(load_default=False)
