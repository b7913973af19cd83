"""Schemas of handovers and their open items (R-SEC-2): mutation args and REST queries."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from .base import TEXT, Args, Out, UtcTime, WithheldText, attribution, free_text, ref
from .listing import PageIn, page_of
from .org import PersonOut


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


class HandoverItemSnapshot(Out):
    """An open item as handed over: ``carried`` when it came from an earlier handover."""

    id = fields.UUID()
    text = fields.String()
    carried = fields.Boolean()


class HandoverOut(Out):
    """A shift change (R-SEC-2): the ``handover`` entity of a pull. ``end_times`` are the
    times of its acceptance (``null`` while pending)."""

    id = fields.UUID()
    branch_id = fields.UUID()
    shift_id = fields.UUID()
    post = fields.String()
    from_staff_id = fields.UUID()
    to_staff_id = fields.UUID()
    notes = free_text()
    items = fields.List(fields.Nested(HandoverItemSnapshot))
    status = fields.String()
    accepted_at = UtcTime(allow_none=True)
    accepted_shift_id = ref()
    accept_notes = free_text()
    times = attribution()
    end_times = attribution(allow_none=True)


class HandoverItemOut(WithheldText):
    """An open item's live state (R-SEC-2): the ``handover_item`` entity of a pull."""

    id = fields.UUID()
    branch_id = fields.UUID()
    origin_handover_id = fields.UUID()
    handover_id = fields.UUID()
    holder_staff_id = fields.UUID()
    pending_staff_id = ref()
    text = free_text()
    status = fields.String()
    carried_count = fields.Integer()
    closed_at = UtcTime(allow_none=True)
    closed_by = ref()
    resolution = free_text()
    times = attribution()


class HandoverListed(HandoverOut):
    from_staff = fields.Nested(PersonOut, allow_none=True)
    to_staff = fields.Nested(PersonOut, allow_none=True)


HandoverPage = page_of(HandoverListed, "HandoverPage", day=True)
