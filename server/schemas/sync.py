"""Schemas of the sync supervision endpoints (the push/pull envelope is ``sync.protocol``)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate


class MutationPageIn(Schema):
    """``?limit=&offset=&status=`` of a mutation log listing."""

    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
    status = fields.String(load_default=None, validate=validate.OneOf(["applied", "rejected"]))
