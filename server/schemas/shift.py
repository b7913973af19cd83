"""Schemas of shifts (R-SEC-2): mutation args and REST queries."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from .base import CODE, Args, UtcTime
from .listing import PageIn


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
