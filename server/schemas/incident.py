"""Schemas of incidents (R-SEC-4): mutation args and REST queries."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from ..rules import incident as IR
from .base import Args


def _sha256(value: str) -> None:
    if not IR.is_sha256(value):
        raise ValidationError("Must be a SHA-256: 64 lowercase hex digits.")


class IncidentReportArgs(Args):
    """``incident.report`` (R-SEC-4): photos are SHA-256 digests uploaded separately."""

    incident_id = fields.UUID(required=True)
    category = fields.String(required=True, validate=validate.OneOf(IR.CATEGORIES))
    location = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    severity = fields.String(required=True, validate=validate.OneOf(IR.SEVERITIES))
    photos = fields.List(
        fields.String(validate=_sha256), load_default=list, validate=validate.Length(max=IR.MAX_PHOTOS)
    )


class IncidentResolveArgs(Args):
    """``incident.resolve``: a supervisor closes an incident with what was done."""

    incident_id = fields.UUID(required=True)
    resolution = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class IncidentQuery(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf((*IR.STATUSES, "all")))
    severity = fields.String(load_default=None, validate=validate.OneOf(IR.SEVERITIES))
    category = fields.String(load_default=None, validate=validate.OneOf(IR.CATEGORIES))
    missing_photos = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
