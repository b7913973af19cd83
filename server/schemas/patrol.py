"""Schemas of patrols (R-SEC-5): mutation args and the by-hour query."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from ..rules import patrol as PR
from .base import Args


class PatrolRecordArgs(Args):
    """``patrol.record``: ``checks`` maps items of R-SEC-5 to ``ok`` / ``fault``."""

    patrol_id = fields.UUID(required=True)
    checkpoint_code = fields.String(required=True, validate=validate.Length(min=1, max=512))
    checks = fields.Dict(
        keys=fields.String(validate=validate.OneOf(tuple(PR.CHECK_ITEMS))),
        values=fields.String(validate=validate.OneOf(PR.CHECK_RESULTS)),
        required=True,
    )
    anomaly = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @validates("checks")
    def _some_checks(self, value: dict, **_: object) -> None:
        if not value:
            raise ValidationError("Note at least one checked item.")








class PatrolDayQuery(Schema):
    date = fields.Date(required=True)


