"""Schemas of floor rounds and coaching (R-OPS-1, R-OPS-2): mutation args and REST queries."""
from __future__ import annotations

from marshmallow import fields, validate

from ..rules.floor import COACHING_TRIGGERS
from .base import CODE, NAME, TEXT, Args
from .listing import PageIn


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
