"""Schemas of handovers and their open items (R-SEC-2): mutation args and REST queries."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from .base import TEXT, Args
from .listing import PageIn


class OpenItem(fields.Field):
    """An open item: a plain string, or ``{"item_id"?: uuid, "text": str}``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, Any]:
        if isinstance(value, str):
            value = {"text": value}
        if not isinstance(value, dict):
            raise ValidationError("An open item is a string or an object with 'text'.")
        return _OpenItemObject().load(value)


class _OpenItemObject(Args):
    item_id = fields.UUID(load_default=None)
    text = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ShiftHandoverArgs(Args):
    handover_id = fields.UUID(required=True)
    shift_id = fields.UUID(required=True)
    to_staff_id = fields.UUID(required=True)
    open_items = fields.List(OpenItem(), load_default=list, validate=validate.Length(max=100))
    notes = fields.String(load_default="", allow_none=True, validate=TEXT)


class HandoverAcceptArgs(Args):
    handover_id = fields.UUID(required=True)
    notes = fields.String(load_default=None, allow_none=True, validate=TEXT)


class HandoverItemCloseArgs(Args):
    item_id = fields.UUID(required=True)
    resolution = fields.String(load_default=None, allow_none=True, validate=TEXT)

class HandoverQuery(PageIn):
    status = fields.String(load_default=None, validate=validate.OneOf(["pending", "accepted"]))
