"""Mutators ``shift.handover``, ``shift.handover.accept``, ``handover.item.close`` and the
entities ``handover`` and ``handover_item`` (an open item's live state; the handover itself
keeps the snapshot of what was handed over) (R-SEC-2). Supervisors pull the whole
branch's; a field device pulls the records its person is a party to.
"""
from __future__ import annotations

from typing import Any

from sync import Entity, MutationContext, Registry

from ..models.shift import Handover, HandoverItem
from ..rules import permissions as P
from ..schemas import handover as HS
from ..services import handover as handover_service
from ..services.mutation import publish, published
from .compliance import rejudged


def register(registry: Registry) -> None:
    """Register the handover entities and mutators."""
    registry.add_entity(Entity(
        name="handover", serialize=Handover.to_dict,
        audiences=lambda h: P.party_audiences(h.branch_id, "handover", h.from_staff_id, h.to_staff_id),
        summary="A shift change: who to whom, items handed over, notes, acceptance (R-SEC-2).",
    ))
    registry.add_entity(Entity(
        name="handover_item", serialize=HandoverItem.to_dict, view=P.text_view,
        audiences=lambda i: P.party_audiences(i.branch_id, "handover_item", i.holder_staff_id, i.pending_staff_id),
        summary="An open item carried from shift to shift until closed (R-SEC-2).",
    ))

    @registry.mutator("shift.handover", schema=HS.ShiftHandoverArgs(), roles=P.roles_for("shift.handover"),
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
        return rejudged(ctx, published(ctx, handover_service.hand_over, args))

    @registry.mutator("shift.handover.accept", schema=HS.HandoverAcceptArgs(),
                      roles=P.roles_for("shift.handover.accept"),
                      rejection_codes=("handover_not_found", "not_handover_recipient", "handover_already_accepted"))
    def shift_handover_accept(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Accept a handover on the incoming person's own device {handover_id, notes?} (R-SEC-2).

        The handover's open items become the acceptor's; their running shift, if any,
        is linked as ``accepted_shift_id``.
        """
        return publish(ctx, handover_service.accept_handover, args)

    @registry.mutator("handover.item.close", schema=HS.HandoverItemCloseArgs(),
                      roles=P.roles_for("handover.item.close"),
                      rejection_codes=("item_not_found", "not_item_holder", "item_already_closed"))
    def handover_item_close(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Close an open handover item {item_id, resolution?}: its holder or the
        operations manager (R-SEC-2). A closed item is no longer carried forward."""
        return publish(ctx, handover_service.close_item, args)
