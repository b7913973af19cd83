"""Schemas of patrols (R-SEC-5): mutation args and the by-hour query."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from ..rules import patrol as PR
from .base import Out, UtcTime, attribution, free_text, ref


class PatrolRecordArgs(Schema):
    """``patrol.record``: ``checks`` maps items of R-SEC-5 to ``ok`` / ``fault``."""

    class Meta:
        unknown = RAISE

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


class PatrolOut(Out):
    """A patrol (R-SEC-5): the ``patrol`` entity of a pull."""

    id = fields.UUID()
    branch_id = fields.UUID()
    staff_id = fields.UUID()
    shift_id = ref()
    checkpoint_id = fields.UUID()
    area = fields.String()
    checks = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "item -> ok or fault"})
    anomaly = free_text()
    incident_id = ref()
    code_was_rotated = fields.Boolean()
    times = attribution()


class PatrolHour(Out):
    """A guarded clock hour and its R-SEC-5 verdict (docs/patrol.md names the statuses)."""

    hour = fields.String(metadata={"example": "09:00", "description": "branch-local start of the hour"})
    window_start = UtcTime()
    window_end = UtcTime()
    due_at = UtcTime()
    status = fields.String()
    evidence = fields.List(fields.String(), metadata={"description": "ids of the patrols that prove it"})
    clock_suspect = fields.Boolean()
    patrols = fields.List(fields.Nested(PatrolOut))


class PatrolDay(Out):
    branch_id = fields.UUID()
    date = fields.String(metadata={"format": "date"})
    timezone = fields.String()
    rule = fields.String(metadata={"example": "R-SEC-5"})
    hours = fields.List(fields.Nested(PatrolHour))
