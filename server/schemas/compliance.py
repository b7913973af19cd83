"""Arguments of the compliance reads and mutations (#14)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .base import Args, Day, Out, UtcTime, ref


class ComplianceDayQuery(Schema):
    """``?date=YYYY-MM-DD``: a branch-local day."""

    date = fields.Date(required=True)


class AlertAcknowledgeArgs(Args):
    """``alert.acknowledge``: which alert, and an optional note."""

    alert_id = fields.UUID(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class ObligationExcuseArgs(Args):
    """``obligation.excuse``: which obligation, why; ``withdraw`` takes an excuse back."""

    obligation_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    withdraw = fields.Boolean(load_default=False)


# --- Shapes of the compliance reads and entities (#14).


class Subject(Out):
    kind = fields.String(metadata={"description": "what the obligation is about: area, roster_shift, floor_slot, …"})
    id = fields.String()


class ObligationOut(Out):
    """One obligation of a branch-local day as the contract says (sync-protocol: ``rule``,
    ``subject``, window, due, status, evidence): the ``obligation`` entity of a pull."""

    id = fields.UUID()
    branch_id = fields.UUID()
    rule = fields.String(metadata={"example": "R-SEC-5"})
    rule_version = fields.Integer()
    subject = fields.Nested(Subject)
    business_date = Day()
    window_start = UtcTime(allow_none=True)
    window_end = UtcTime(allow_none=True)
    due_at = UtcTime(allow_none=True)
    status = fields.String()
    verdict = fields.String(allow_none=True)
    evidence = fields.List(fields.String())
    clock_suspect = fields.Boolean()
    detail = fields.Dict(metadata={"description": "what the rule saw (rule-specific)"})
    judged_at = UtcTime(allow_none=True)


class AlertOut(Out):
    """An alert routed to roles (never customer data, R-SEC-10): the ``alert`` entity."""

    id = fields.UUID()
    branch_id = fields.UUID()
    obligation_id = ref()
    kind = fields.String()
    rule = fields.String(allow_none=True, metadata={"description": "null for an alert about no rule's "
                                                    "obligation (calendar_unknown: a year the calendar lacks)"})
    roles = fields.List(fields.String())
    message = fields.String()
    raised_at = UtcTime()
    resolved_at = UtcTime(allow_none=True)
    is_open = fields.Boolean()
    acknowledged_at = UtcTime(allow_none=True)
    acknowledged_by = ref()
    ack_note = fields.String(allow_none=True)


class DeviceWatermark(Out):
    """How far a device of the branch has synced: records before it are known."""

    client_id = fields.UUID()
    staff_id = fields.UUID()
    synced_until = UtcTime(allow_none=True)


class Stretch(Out):
    from_ = UtcTime(data_key="from")
    to = UtcTime()


class PatrolCoverage(Out):
    hours = fields.Integer()
    hours_met = fields.Integer()
    coverage = fields.Float(allow_none=True)
    longest_unwatched = fields.Nested(Stretch, allow_none=True)
    longest_unwatched_minutes = fields.Integer()


class ComplianceDay(Out):
    """A branch's day: every obligation, each device's watermark, the patrol coverage."""

    branch_id = fields.UUID()
    date = fields.String(metadata={"format": "date"})
    obligations = fields.List(fields.Nested(ObligationOut))
    devices = fields.List(fields.Nested(DeviceWatermark))
    patrol = fields.Nested(PatrolCoverage)


class PatrolHourStatus(Out):
    hour = fields.String()
    status = fields.String()
    due_at = UtcTime(allow_none=True)
    evidence = fields.List(fields.String())


class RejectedBrief(Out):
    """What identifies a rejected mutation (its args may carry customer data)."""

    client_id = fields.UUID()
    id = fields.Integer()
    name = fields.String()
    staff_id = ref()
    received_at = UtcTime(allow_none=True)
    happened_at = UtcTime(allow_none=True)
    code = fields.String(allow_none=True)


class RejectedSummary(Out):
    count = fields.Integer()
    items = fields.List(fields.Nested(RejectedBrief))


class BoxSessionBrief(Out):
    id = fields.UUID()
    status = fields.String()
    opened_late = fields.Boolean()
    opened_at = UtcTime(allow_none=True)
    closed_at = UtcTime(allow_none=True)
    slip_count = fields.Integer(allow_none=True)
    empty = fields.Boolean(allow_none=True)


class BoxGlance(Out):
    """The evening box of the day (R-BOX-1..3): counts and states, no customer field."""

    business_date = Day()
    status = fields.String(allow_none=True, metadata={"description": "the R-BOX-1 obligation's status"})
    due_at = UtcTime(allow_none=True)
    session = fields.Nested(BoxSessionBrief, allow_none=True)
    entries = fields.Integer()
    replies_missing = fields.Integer()
    callbacks_open = fields.Integer()


class CaseBrief(Out):
    """An open complaint case by its nearest deadline (R-CMP-2/6, the regulator's clock)."""

    id = fields.UUID()
    channel = fields.String()
    level = fields.String()
    owner_role = fields.String(allow_none=True)
    owner_id = ref()
    opened_at = UtcTime()
    due_at = UtcTime(allow_none=True)
    due_clock = fields.String(allow_none=True)
    overdue = fields.Boolean()
    deadline_unknown = fields.String(allow_none=True, metadata={"description": "why no deadline is given (never a guess)"})


class OpenCases(Out):
    count = fields.Integer()
    nearest_due_at = UtcTime(allow_none=True)
    items = fields.List(fields.Nested(CaseBrief))


class TodayOut(Out):
    """Supervisors' "today at a glance"."""

    branch_id = fields.UUID()
    date = fields.String(metadata={"format": "date"})
    timezone = fields.String()
    patrol_hours = fields.List(fields.Nested(PatrolHourStatus))
    patrol = fields.Nested(PatrolCoverage)
    obligations = fields.List(fields.Nested(ObligationOut))
    alerts = fields.List(fields.Nested(AlertOut))
    box = fields.Nested(BoxGlance)
    complaints = fields.Nested(OpenCases)
    rejected_mutations = fields.Nested(RejectedSummary)
    devices = fields.List(fields.Nested(DeviceWatermark))


class RegionalBranch(Out):
    branch_id = fields.UUID()
    code = fields.String()
    name = fields.String()
    rules = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()),
                        metadata={"description": "rule -> status -> count"})


class RegionalDay(Out):
    """Every branch's obligations of a day counted by rule and status."""

    date = fields.String(metadata={"format": "date"})
    branches = fields.List(fields.Nested(RegionalBranch))
