"""Args of the ``complaint.*`` mutations (R-CMP-1..9; sync-protocol "Mutations v1").

State changes take ``seen_version``: the case's ``version`` the device acted on, so a
change that lost a race is refused with what happened instead of overwriting it.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from ..rules import complaint as CR

_TEXT = validate.Length(min=1, max=4000)
_CODE = validate.Length(min=1, max=8)


class _Args(Schema):
    class Meta:
        unknown = EXCLUDE


class _Case(_Args):
    complaint_id = fields.UUID(required=True)


class _StateChange(_Case):
    seen_version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    event_id = fields.UUID(load_default=None, allow_none=True)


class ComplaintOpenArgs(_Case):
    channel = fields.String(required=True, validate=validate.OneOf(CR.CHANNELS))
    summary = fields.String(required=True, validate=_TEXT)
    customer_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    contact = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    hotline_ticket = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    #: A phone complaint settled on the call gets no reply deadline (R-CMP-6).
    settled = fields.Boolean(load_default=False)
    consumer = fields.Boolean(load_default=True)
    complex = fields.Boolean(load_default=False)
    promised_reply_at = fields.AwareDateTime(load_default=None, allow_none=True)
    jrt_channel = fields.String(load_default=None, allow_none=True, validate=_CODE)
    jrt_business = fields.String(load_default=None, allow_none=True, validate=_CODE)
    jrt_cause = fields.String(load_default=None, allow_none=True, validate=_CODE)


class ComplaintEscalateArgs(_StateChange):
    #: A level of R-CMP-4's chain (``lobby_manager`` … ``regional_officer``).
    to_role = fields.String(required=True, validate=validate.OneOf(CR.CHAIN[1:]))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    skip_level = fields.Boolean(load_default=False)
    to_staff_id = fields.UUID(load_default=None, allow_none=True)


class ComplaintHandoverArgs(_StateChange):
    to_staff_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ComplaintPromiseArgs(_StateChange):
    reply_due_at = fields.AwareDateTime(required=True)


class ComplaintExtendArgs(_StateChange):
    complex = fields.Boolean(load_default=False)
    approved_by = fields.UUID(load_default=None, allow_none=True)
    customer_told = fields.Boolean(load_default=False)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ComplaintAppraisalArgs(_StateChange):
    state = fields.String(required=True, validate=validate.OneOf(("start", "end")))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ComplaintResolveArgs(_StateChange):
    resolution = fields.String(required=True, validate=_TEXT)
    customer_response = fields.String(required=True, validate=validate.Length(max=4000))


class ComplaintTextArgs(_Case):
    """``complaint.contact`` (each contact with the customer), ``complaint.note``,
    ``complaint.report`` (the report back to the regulator, R-CMP-7)."""

    event_id = fields.UUID(load_default=None, allow_none=True)
    text = fields.String(required=True, validate=_TEXT)


class StatisticsFileArgs(_Args):
    """``statistics.file``: the lobby manager filed the day's forms and statistics (R-CMP-10)."""

    filing_id = fields.UUID(required=True)
    business_date = fields.Date(required=True)


class ComplaintQuery(_Args):
    """``?status=&channel=&date=&overdue=&limit=&offset=``."""

    status = fields.String(load_default="all", validate=validate.OneOf((*CR.STATUSES, "all")))
    channel = fields.String(load_default=None, validate=validate.OneOf(CR.CHANNELS))
    date = fields.Date(load_default=None)
    overdue = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class StatsQuery(_Args):
    """``?date=YYYY-MM-DD&format=json|csv|xlsx`` (R-CMP-10)."""

    date = fields.Date(required=True)
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "xlsx")))


class CodeCorrection(_Args):
    """An administrator's correction of one JR/T 0169-2018 code."""

    zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    active = fields.Boolean(load_default=True)
