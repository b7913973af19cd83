"""Schemas of incidents (R-SEC-4): mutation args and REST queries."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..rules import incident as IR
from .base import Out, UtcTime, WithheldText, attribution, free_text, ref
from .listing import page_of


def _sha256(value: str) -> None:
    if not IR.is_sha256(value):
        raise ValidationError("Must be a SHA-256: 64 lowercase hex digits.")


class IncidentReportArgs(Schema):
    """``incident.report`` (R-SEC-4): photos are SHA-256 digests uploaded separately."""

    class Meta:
        unknown = RAISE

    incident_id = fields.UUID(required=True)
    category = fields.String(required=True, validate=validate.OneOf(IR.CATEGORIES))
    location = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    severity = fields.String(required=True, validate=validate.OneOf(IR.SEVERITIES))
    photos = fields.List(
        fields.String(validate=_sha256), load_default=list, validate=validate.Length(max=IR.MAX_PHOTOS)
    )


class IncidentResolveArgs(Schema):
    """``incident.resolve``: a supervisor closes an incident with what was done."""

    class Meta:
        unknown = RAISE

    incident_id = fields.UUID(required=True)
    resolution = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class IncidentQuery(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf((*IR.STATUSES, "all")))
    severity = fields.String(load_default=None, validate=validate.OneOf(IR.SEVERITIES))
    category = fields.String(load_default=None, validate=validate.OneOf(IR.CATEGORIES))
    missing_photos = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class PhotoRef(Out):
    """A photo an incident references: ``received`` once its bytes are stored."""

    sha256 = fields.String()
    status = fields.String(metadata={"description": "received or missing"})


class IncidentOut(WithheldText):
    """An incident (R-SEC-4): the ``incident`` entity of a pull."""

    id = fields.UUID()
    branch_id = fields.UUID()
    reported_by = fields.UUID()
    category = fields.String()
    location = free_text()
    description = free_text()
    severity = fields.String()
    patrol_id = ref()
    status = fields.String()
    resolved_by = ref()
    resolved_at = UtcTime(allow_none=True)
    resolution = free_text()
    photos = fields.List(fields.Nested(PhotoRef))
    missing_photos = fields.Integer()
    updated_at = UtcTime()
    times = attribution()


IncidentPage = page_of(IncidentOut, "IncidentPage")


class UploadOut(Out):
    """Where a photo's upload stands (R-SEC-4)."""

    sha256 = fields.String()
    complete = fields.Boolean()
    received = fields.Integer(metadata={"description": "bytes the server keeps"})
    total = fields.Integer(allow_none=True)
