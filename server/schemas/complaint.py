"""Args of the ``complaint.*`` mutations (R-CMP-1..9; sync-protocol "Mutations v1").

State changes take ``seen_version``: the case's ``version`` the device acted on, so a
change that lost a race is refused with what happened instead of overwriting it.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from ..rules import complaint as CR
from .base import Args, Out, UtcTime, attribution, free_text, ref
from .listing import page_of

_TEXT = validate.Length(min=1, max=4000)
_CODE = validate.Length(min=1, max=8)


class _Args(Schema):
    class Meta:
        unknown = EXCLUDE


class _Case(Args):  # mutation args refuse unknown keys (#11); queries and bodies below keep _Args
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


class StatisticsFileArgs(Args):
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


# --- Shapes of cases as pulled and listed (R-CMP-3..9). Customer fields are ``null`` for
# readers outside the customer-data roles (R-SEC-10).


class Classification(Out):
    """The case's JR/T 0169-2018 codes on each axis."""

    channel = fields.String(allow_none=True)
    business = fields.String(allow_none=True)
    cause = fields.String(allow_none=True)


class ManualClock(Out):
    """The bank's own clock (R-CMP-5, R-CMP-6): hand-off and reply deadlines."""

    handoff_due_at = UtcTime(allow_none=True)
    handoff_to = fields.String(allow_none=True)
    reply_due_at = UtcTime(allow_none=True)
    reply_due_calendar = fields.String(allow_none=True, metadata={"description": "the calendar the deadline was counted by"})
    promised_reply_at = UtcTime(allow_none=True)


class RegulatorClock(Out):
    """The regulator's clock of a consumer complaint (R-CMP-8)."""

    due_at = UtcTime(allow_none=True)
    calendar = fields.String(allow_none=True)
    complex = fields.Boolean()
    extended = fields.Boolean()
    paused_seconds = fields.Integer()
    in_appraisal = fields.Boolean()


class Clocks(Out):
    manual = fields.Nested(ManualClock)
    regulator = fields.Nested(RegulatorClock, allow_none=True, metadata={"description": "null for a non-consumer case"})
    due_at = UtcTime(allow_none=True, metadata={"description": "the earlier of the two clocks"})
    due_clock = fields.String(allow_none=True, metadata={"description": "manual or regulator"})
    deadline_unknown = fields.String(allow_none=True, metadata={"description": "why a deadline could not be counted"})
    deadline_unknown_year = fields.Integer(
        allow_none=True, metadata={"description": "the calendar year a deadline still needs (null: every deadline counted)"})


class ComplaintEventOut(Out):
    """One event of a case: the ``complaint_event`` entity of a pull."""

    id = fields.UUID()
    complaint_id = fields.UUID()
    branch_id = fields.UUID()
    kind = fields.String()
    actor_id = fields.UUID()
    version = fields.Integer()
    from_level = fields.String(allow_none=True)
    to_level = fields.String(allow_none=True)
    to_staff_id = ref()
    skipped = fields.List(fields.String())
    rule = fields.String(allow_none=True)
    reason = free_text()
    text = free_text()
    times = attribution()


class ComplaintOut(Out):
    """A case's intake form and state (R-CMP-3): the ``complaint`` entity of a pull."""

    id = fields.UUID()
    branch_id = fields.UUID()
    channel = fields.String()
    summary = free_text()
    customer_name = free_text()
    contact = free_text()
    hotline_ticket = free_text()
    entry_id = ref()
    taken_by = fields.UUID()
    taker_role = fields.String()
    settled_on_contact = fields.Boolean()
    level = fields.String()
    owner_role = fields.String()
    owner_id = ref()
    escalated = fields.Boolean()
    status = fields.String()
    version = fields.Integer()
    classification = fields.Nested(Classification)
    clocks = fields.Nested(Clocks)
    report_to_regulator = fields.Boolean()
    regulator_reported_at = UtcTime(allow_none=True)
    resolution = free_text()
    customer_response = free_text()
    resolved_by = ref()
    resolved_at = UtcTime(allow_none=True)
    times = attribution()
    updated_at = UtcTime()


class ComplaintCase(ComplaintOut):
    """A case as the REST reads show it: with every event."""

    events = fields.List(fields.Nested(ComplaintEventOut))


ComplaintPage = page_of(ComplaintCase, "ComplaintPage")


class CodeLabel(Out):
    zh = fields.String()
    en = fields.String()
    active = fields.Boolean()


def _axis(**kwargs: object) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Nested(CodeLabel), **kwargs)


class CodeTable(Out):
    """The JR/T 0169-2018 classification in use: per axis, ``{code: {zh, en, active}}``."""

    channel = _axis()
    business = _axis()
    cause = _axis()


def _counts(description: str) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()),
                       metadata={"description": description})


class BranchStats(Out):
    branch_id = fields.UUID()
    code = fields.String()
    views = _counts("view -> key -> count (``summary``: the day's totals)")


class DailyStats(Out):
    """The lobby's statistics of a day (R-CMP-10), as ``?format=json`` answers them."""

    date = fields.String(metadata={"format": "date"})
    branches = fields.List(fields.Nested(BranchStats))
    total = _counts("view -> key -> count, over the branches")
    labels = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.String()),
                         metadata={"description": "axis -> JR/T code -> zh-CN label"})
