"""The ``complaint.*`` mutators and the ``complaint`` entity (R-CMP-1..9).

``statistics.file`` (R-CMP-10: the day's forms and statistics filed) is registered here
too, the complaint chapter's last rule. A case is pulled with its whole event history. Its audiences: the customer-data roles
of its branch, and regional officers once it reached the parent branch (R-SEC-10).
"""
from __future__ import annotations

from typing import Any

from sync import Entity, MutationContext, Registry

from ..models.complaint import Complaint
from ..rules import permissions as P
from ..schemas import complaint as S
from ..services import complaint as cases
from ..services import statistics
from ..services.mutation import published
from .compliance import rejudge_once_per_run, rejudged

_STATE = ("unknown_complaint", "not_owner", "case_escalated", "case_handed_over", "case_already_resolved")


def _audiences(case: Complaint) -> set[str]:
    keys = {P.audience(case.branch_id, "complaint")}
    if case.level == "regional_officer":
        keys.add(P.REGIONAL_COMPLAINTS)
    return keys


def register(registry: Registry) -> None:
    """Register the complaint entity and mutators."""
    registry.add_entity(Entity(
        name="complaint", serialize=Complaint.to_dict, audiences=_audiences,
        summary="A complaint case: the intake form, both clocks and its append-only events (R-CMP-3).",
    ))
    table = (
        ("complaint.open", S.ComplaintOpenArgs, cases.record_open,
         ("duplicate_record_id", "not_a_taker", "hotline_ticket_required", "unknown_code", "no_branch")),
        ("complaint.escalate", S.ComplaintEscalateArgs, cases.record_escalate,
         (*_STATE, "unknown_level", "not_higher", "level_skipped", "skip_reason_required", "not_a_skip", "unknown_staff")),
        ("complaint.handover", S.ComplaintHandoverArgs, cases.record_handover, (*_STATE, "unknown_staff")),
        ("complaint.promise", S.ComplaintPromiseArgs, cases.record_promise, _STATE),
        ("complaint.extend", S.ComplaintExtendArgs, cases.record_extend, (*_STATE, "customer_not_told", "unknown_staff")),
        ("complaint.appraisal", S.ComplaintAppraisalArgs, cases.record_appraisal, (*_STATE, "appraisal_state")),
        ("complaint.resolve", S.ComplaintResolveArgs, cases.record_resolve, _STATE),
    )
    for name, schema, service, codes in table:
        registry.mutator(name, schema=schema(), roles=P.roles_for(name), rejection_codes=codes,
                         prefetch=rejudge_once_per_run,
                         summary=(service.__doc__ or "").strip().split("\n")[0])(
                             _handler(service, batched=service is cases.record_open))  # a new case
    registry.mutator("statistics.file", schema=S.StatisticsFileArgs(), roles=P.roles_for("statistics.file"),
                     rejection_codes=("duplicate_record_id", "already_filed", "future_business_date", "no_branch"),
                     prefetch=rejudge_once_per_run, summary="File a business day's forms and statistics (R-CMP-10).")(
        _handler(statistics.file_day, batched=True))
    for name, kind in (("complaint.contact", "contact"), ("complaint.note", "note"), ("complaint.report", "reported")):
        registry.mutator(name, schema=S.ComplaintTextArgs(), roles=P.roles_for(name),
                         rejection_codes=("unknown_complaint", "duplicate_record_id"),
                         prefetch=rejudge_once_per_run, summary=f"Append a {kind} event to a case (never refused as stale).")(_text_handler(kind))


def _handler(service: Any, *, batched: bool = False) -> Any:
    """The handler of a case service; ``batched``: it takes the optimistic run's batch
    (it makes a new record, whose id its primary key checks, #17)."""
    def handle(ctx: MutationContext, args: dict[str, Any]) -> Any:
        extra = {"batch": ctx.prefetched} if batched else {}
        return rejudged(ctx, published(ctx, service, args, **extra))  # its deadlines, in the push (#14)

    return handle


def _text_handler(kind: str) -> Any:
    def handle(ctx: MutationContext, args: dict[str, Any]) -> Any:
        return rejudged(ctx, published(ctx, cases.record_contact, {**args, "kind": kind}))  # a contact replies

    return handle
