"""Schemas of checkpoints (R-SEC-5): REST input."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..rules import patrol as PR


class CheckpointIn(Schema):
    area = fields.String(required=True, validate=validate.OneOf(tuple(PR.AREAS)))
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=100))
