"""Schemas of floor rounds and coaching (R-OPS-1, R-OPS-2): mutation args and REST queries."""
from __future__ import annotations

from marshmallow import fields, validate

from ..rules.floor import COACHING_TRIGGERS
from .base import CODE, NAME, TEXT, Args, Day, Out, UtcTime, attribution, free_text
from .listing import PageIn, page_of
from .org import PersonOut


class FloorRoundArgs(Args):
    round_id = fields.UUID(required=True)
    slot = fields.String(required=True, validate=validate.Length(min=1, max=8))
    findings = fields.String(required=True, validate=TEXT)
    posts_checked = fields.List(fields.String(validate=CODE), load_default=list, validate=validate.Length(max=50))


class CoachingArgs(Args):
    demo_id = fields.UUID(required=True)
    topic = fields.String(required=True, validate=NAME)
    notes = fields.String(load_default="", allow_none=True, validate=TEXT)
    trigger = fields.String(load_default="scheduled", validate=validate.OneOf(COACHING_TRIGGERS))

class FloorQuery(PageIn):
    slot = fields.String(load_default=None)


class FloorRoundOut(Out):
    """A floor round (R-OPS-1): the ``floor_round`` entity of a pull."""

    id = fields.UUID()
    branch_id = fields.UUID()
    staff_id = fields.UUID()
    business_date = Day()
    slot = fields.String()
    scheduled_at = UtcTime(allow_none=True)
    minutes_from_slot = fields.Integer(allow_none=True)
    findings = free_text()
    posts_checked = fields.List(fields.String())
    times = attribution()


class CoachingOut(Out):
    """A coaching demonstration (R-OPS-2): the ``coaching`` entity of a pull."""

    id = fields.UUID()
    branch_id = fields.UUID()
    staff_id = fields.UUID()
    business_date = Day()
    topic = free_text()
    notes = free_text()
    trigger = fields.String()
    times = attribution()


class FloorRoundItem(FloorRoundOut):
    staff = fields.Nested(PersonOut, allow_none=True)


class CoachingItem(CoachingOut):
    staff = fields.Nested(PersonOut, allow_none=True)


FloorRoundPage = page_of(FloorRoundItem, "FloorRoundPage", day=True)
CoachingPage = page_of(CoachingItem, "CoachingPage", day=True)
