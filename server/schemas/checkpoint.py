"""Schemas of checkpoints (R-SEC-5): REST input."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..rules import patrol as PR
from .base import Out, UtcTime


class CheckpointIn(Schema):
    area = fields.String(required=True, validate=validate.OneOf(tuple(PR.AREAS)))
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=100))


class CheckpointOut(Out):
    """A checkpoint with its current secret code (administrators, operations managers)."""

    id = fields.UUID()
    branch_id = fields.UUID()
    area = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    code = fields.String()
    active = fields.Boolean()
    updated_at = UtcTime()


class CheckpointList(Out):
    checkpoints = fields.List(fields.Nested(CheckpointOut))


class CheckpointEntity(Out):
    """A checkpoint as devices pull it (the ``checkpoint`` entity): never its secret code,
    which proves presence (R-SEC-5)."""

    id = fields.UUID()
    branch_id = fields.UUID()
    area = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    active = fields.Boolean()
    updated_at = UtcTime()
