"""Schemas of shifts (R-SEC-2): mutation args and REST queries."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from .base import CODE, Args, Out, UtcTime, attribution, ref
from .listing import PageIn, page_of
from .org import PersonOut


class ShiftStartArgs(Args):
    shift_id = fields.UUID(required=True)
    post = fields.String(required=True, validate=CODE)


class ShiftEndArgs(Args):
    shift_id = fields.UUID(required=True)

class ShiftQuery(PageIn):
    post = fields.String(load_default=None)
    staff_id = fields.UUID(load_default=None)
    open = fields.Boolean(load_default=None)


class AtQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    at = UtcTime(load_default=None)


class ShiftOut(Out):
    """A shift (R-SEC-2): the ``shift`` entity of a pull; ``end_times`` once ended."""

    id = fields.UUID()
    branch_id = fields.UUID()
    staff_id = fields.UUID()
    post = fields.String()
    started_at = UtcTime()
    ended_at = UtcTime(allow_none=True)
    is_open = fields.Boolean()
    previous_shift_id = ref()
    gap_minutes = fields.Integer(allow_none=True, metadata={"description": "minutes the post was unstaffed before it"})
    post_gap = fields.Boolean()
    times = attribution()
    end_times = attribution(allow_none=True)


class ShiftItem(ShiftOut):
    staff = fields.Nested(PersonOut, allow_none=True)


ShiftPage = page_of(ShiftItem, "ShiftPage", day=True)


class UnstaffedOut(Out):
    """A planned shift nobody started within the grace period (R-SEC-2)."""

    roster_id = fields.UUID()
    post = fields.String()
    staff_id = ref()
    starts_at = UtcTime()
    due_by = UtcTime()
    rule = fields.String(metadata={"example": "R-SEC-2"})


class UnstaffedList(Out):
    at = UtcTime()
    unstaffed = fields.List(fields.Nested(UnstaffedOut))
