"""Mutators and entities of shifts and handovers (R-SEC-2).

Entities: ``shift``, ``roster_shift`` (the plan, written over REST), ``handover``, ``handover_item`` (an open item's live state; the
handover itself keeps the snapshot of what was handed over). Supervisors pull the whole
branch's; a field device pulls the records its person is a party to.
"""
from __future__ import annotations

from typing import Any

from sync.context import MutationContext
from sync.registry import Entity, Registry

from ..models.shift import Handover, HandoverItem, RosterShift, Shift
from ..rules import permissions as P
from ..schemas import field_mutations as S
from ..services import compliance as compliance_service
from ..services import handovers, shifts
from .field_common import publish


def _rejudged(ctx: MutationContext, affected: Any) -> Any:
    """Re-judge R-SEC-2 (and the patrol hours' on-duty phones) in the push (#14)."""
    compliance_service.rejudge(ctx.principal.branch_id, ctx.times.happened_at, ctx.now)
    return affected


def register(registry: Registry) -> None:
    """Register the shift entities and the ``shift.*`` / ``handover.*`` mutators."""
    registry.add_entity(Entity(
        name="shift", serialize=Shift.to_dict,
        audiences=lambda s: P.party_audiences(s.branch_id, "shift", s.staff_id),
        summary="A person's shift on a post, with start/end times and the post gap (R-SEC-2).",
    ))
    registry.add_entity(Entity(
        name="roster_shift", serialize=RosterShift.to_dict,
        audiences=lambda r: P.party_audiences(r.branch_id, "roster_shift", r.staff_id),
        summary="A planned shift on a post (the roster), kept over REST (R-SEC-2).",
    ))
    registry.add_entity(Entity(
        name="handover", serialize=Handover.to_dict,
        audiences=lambda h: P.party_audiences(h.branch_id, "handover", h.from_staff_id, h.to_staff_id),
        summary="A shift change: who to whom, items handed over, notes, acceptance (R-SEC-2).",
    ))
    registry.add_entity(Entity(
        name="handover_item", serialize=HandoverItem.to_dict,
        audiences=lambda i: P.party_audiences(i.branch_id, "handover_item", i.holder_staff_id, i.pending_staff_id),
        summary="An open item carried from shift to shift until closed (R-SEC-2).",
    ))

    @registry.mutator("shift.start", schema=S.ShiftStartArgs(), roles=P.roles_for("shift.start"),
                      rejection_codes=("unknown_post", "post_not_for_role", "shift_overlap", "duplicate_record_id",
                                       "badge_unknown", "badge_expired", "badge_not_yet_valid", "badge_revoked",
                                       "no_branch"))
    def shift_start(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Start a shift {shift_id, post} at the mutation's time (R-SEC-2).

        The post must be one of the branch's posts that the role staffs
        (``branch.settings.shift_posts``). The new shift records ``gap_minutes`` since
        the post was last covered and ``post_gap`` when that exceeds the tolerance.
        An ``onsite`` account needs a valid registered badge (R-SEC-8).
        """
        return _rejudged(ctx, publish(ctx, shifts.start_shift, args))

    @registry.mutator("shift.end", schema=S.ShiftEndArgs(), roles=P.roles_for("shift.end"),
                      rejection_codes=("shift_not_found", "not_shift_owner", "shift_already_ended",
                                       "shift_end_before_start"))
    def shift_end(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """End one's own shift {shift_id} at the mutation's time (R-SEC-2)."""
        return _rejudged(ctx, publish(ctx, shifts.end_shift, args))

    @registry.mutator("shift.handover", schema=S.ShiftHandoverArgs(), roles=P.roles_for("shift.handover"),
                      rejection_codes=("shift_not_found", "not_shift_owner", "shift_already_handed_over",
                                       "handover_to_self", "recipient_not_in_branch", "duplicate_record_id"))
    def shift_handover(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Hand one's shift over {handover_id, shift_id, to_staff_id, open_items, notes} (R-SEC-2).

        ``open_items`` are strings or ``{item_id?, text}``; an item without an id gets
        ``uuid5(handover_id, "item-<n>")``. Every item the outgoing person still holds
        open is carried forward onto this handover too. Items pass to the recipient when
        they accept (``shift.handover.accept``) and stay open, carried from holder to
        holder, until closed (``handover.item.close``). One handover per shift.
        """
        return _rejudged(ctx, publish(ctx, handovers.hand_over, args))

    @registry.mutator("shift.handover.accept", schema=S.HandoverAcceptArgs(),
                      roles=P.roles_for("shift.handover.accept"),
                      rejection_codes=("handover_not_found", "not_handover_recipient", "handover_already_accepted"))
    def shift_handover_accept(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Accept a handover on the incoming person's own device {handover_id, notes?} (R-SEC-2).

        The handover's open items become the acceptor's; their running shift, if any,
        is linked as ``accepted_shift_id``.
        """
        return publish(ctx, handovers.accept_handover, args)

    @registry.mutator("handover.item.close", schema=S.HandoverItemCloseArgs(),
                      roles=P.roles_for("handover.item.close"),
                      rejection_codes=("item_not_found", "not_item_holder", "item_already_closed"))
    def handover_item_close(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Close an open handover item {item_id, resolution?}: its holder or the
        operations manager (R-SEC-2). A closed item is no longer carried forward."""
        return publish(ctx, handovers.close_item, args)
