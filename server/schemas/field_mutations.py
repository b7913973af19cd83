"""Args schemas of the field-ops part A mutations (R-SEC-2, R-SEC-6, R-SEC-8, R-OPS-1/2).

Unknown keys are ignored (``EXCLUDE``) so an older or newer client's extra args do not
reject a mutation; a changed meaning gets a new mutator name instead (house style).
"""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from ..rules.floor import COACHING_TRIGGERS

_TEXT = validate.Length(max=4000)
_NAME = validate.Length(min=1, max=200)
_CODE = validate.Length(min=1, max=32)


class _Args(Schema):
    class Meta:
        unknown = EXCLUDE


class OpenItem(fields.Field):
    """An open item: a plain string, or ``{"item_id"?: uuid, "text": str}``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, Any]:
        if isinstance(value, str):
            value = {"text": value}
        if not isinstance(value, dict):
            raise ValidationError("An open item is a string or an object with 'text'.")
        return _OpenItemObject().load(value)


class _OpenItemObject(_Args):
    item_id = fields.UUID(load_default=None)
    text = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ShiftStartArgs(_Args):
    shift_id = fields.UUID(required=True)
    post = fields.String(required=True, validate=_CODE)


class ShiftEndArgs(_Args):
    shift_id = fields.UUID(required=True)


class ShiftHandoverArgs(_Args):
    handover_id = fields.UUID(required=True)
    shift_id = fields.UUID(required=True)
    to_staff_id = fields.UUID(required=True)
    open_items = fields.List(OpenItem(), load_default=list, validate=validate.Length(max=100))
    notes = fields.String(load_default="", allow_none=True, validate=_TEXT)


class HandoverAcceptArgs(_Args):
    handover_id = fields.UUID(required=True)
    notes = fields.String(load_default=None, allow_none=True, validate=_TEXT)


class HandoverItemCloseArgs(_Args):
    item_id = fields.UUID(required=True)
    resolution = fields.String(load_default=None, allow_none=True, validate=_TEXT)


class CleaningRecordArgs(_Args):
    cleaning_id = fields.UUID(required=True)
    area = fields.String(required=True, validate=validate.Length(min=1, max=100))
    task = fields.String(required=True, validate=_NAME)
    notes = fields.String(load_default="", allow_none=True, validate=_TEXT)


class ContractorCheckInArgs(_Args):
    visit_id = fields.UUID(required=True)
    badge_no = fields.String(required=True, validate=validate.Length(min=1, max=64))
    area = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class ContractorCheckOutArgs(_Args):
    visit_id = fields.UUID(required=True)


class FloorRoundArgs(_Args):
    round_id = fields.UUID(required=True)
    slot = fields.String(required=True, validate=validate.Length(min=1, max=8))
    findings = fields.String(required=True, validate=_TEXT)
    posts_checked = fields.List(fields.String(validate=_CODE), load_default=list, validate=validate.Length(max=50))


class CoachingArgs(_Args):
    demo_id = fields.UUID(required=True)
    topic = fields.String(required=True, validate=_NAME)
    notes = fields.String(load_default="", allow_none=True, validate=_TEXT)
    trigger = fields.String(load_default="scheduled", validate=validate.OneOf(COACHING_TRIGGERS))
