"""Shift handovers (交接班) and their open items (R-SEC-2), run by mutators inside a push.

Design: a handover has two parties. The outgoing person records it (``shift.handover``)
with new open items and notes; every item they still hold open is carried forward onto
it automatically. Items stay the outgoing person's until the incoming person accepts
on their own device (``shift.handover.accept``), which makes them the holder. An item
stays open — and keeps carrying forward from holder to holder — until its holder (or
the operations manager) closes it with ``handover.item.close``.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from sync import Principal, TimeAttribution

from ..models.org import Branch, Staff
from ..models.shift import (
    HANDOVER_ACCEPTED,
    ITEM_CLOSED,
    ITEM_OPEN,
    Handover,
    HandoverItem,
)
from ..rules import roles as R
from .listing import page, person
from .mutation import Affected, branch_of, ensure_new, reject
from .shift import branch_member, own_shift, shift_at


def item_ids(handover_id: uuid.UUID, items: list[dict[str, Any]]) -> list[uuid.UUID]:
    """Ids of new items: the device's own, else derived from the handover id and position
    (stable across replays, so a re-sent push makes the same ids)."""
    return [item.get("item_id") or uuid.uuid5(handover_id, f"item-{n}") for n, item in enumerate(items)]


def hand_over(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """Record the handover of the actor's shift to ``to_staff_id`` (R-SEC-2).

    Rejects ``shift_not_found``, ``not_shift_owner``, ``shift_already_handed_over``,
    ``handover_to_self``, ``recipient_not_in_branch`` (unknown, inactive or another
    branch's person), ``duplicate_record_id``.
    """
    branch = branch_of(session, who)
    ensure_new(session, Handover, args["handover_id"], "handover_id")
    shift = own_shift(session, who, args["shift_id"])
    if session.scalar(select(Handover.id).where(Handover.shift_id == shift.id)) is not None:
        reject("shift_already_handed_over", f"Shift {shift.id} was already handed over.", rule="R-SEC-2", field="shift_id")
    if args["to_staff_id"] == who.staff_id:
        reject("handover_to_self", "A handover goes to the next person, not oneself.", rule="R-SEC-2", field="to_staff_id")
    if branch_member(session, branch, args["to_staff_id"]) is None:
        reject("recipient_not_in_branch", "The recipient is not an active member of this branch.",
               rule="R-SEC-2", field="to_staff_id")
    handover = Handover(
        id=args["handover_id"], branch_id=branch.id, shift_id=shift.id, post=shift.post,
        from_staff_id=who.staff_id, to_staff_id=args["to_staff_id"], notes=args.get("notes") or "",
    )
    handover.stamp(times)
    session.add(handover)
    session.flush()  # the items' foreign keys need the handover row
    affected: Affected = [("handover", handover)]
    snapshot: list[dict[str, Any]] = []
    for item in _carried_items(session, who):
        item.handover_id, item.pending_staff_id = handover.id, handover.to_staff_id
        item.carried_count += 1
        snapshot.append({"id": str(item.id), "text": item.text, "carried": True})
        affected.append(("handover_item", item))
    new_items = args.get("open_items") or []
    ids = item_ids(handover.id, new_items)
    if len(set(ids)) != len(ids):
        reject("duplicate_record_id", "Two open items share one item_id.", field="open_items")
    for item_id, item in zip(ids, new_items):
        ensure_new(session, HandoverItem, item_id, "open_items")
        row = HandoverItem(
            id=item_id, branch_id=branch.id, origin_handover_id=handover.id, handover_id=handover.id,
            holder_staff_id=who.staff_id, pending_staff_id=handover.to_staff_id, text=item["text"],
        )
        row.stamp(times)
        session.add(row)
        snapshot.append({"id": str(item_id), "text": item["text"], "carried": False})
        affected.append(("handover_item", row))
    handover.items = snapshot
    return affected


def _carried_items(session: Session, who: Principal) -> list[HandoverItem]:
    return list(session.scalars(
        select(HandoverItem)
        .where(HandoverItem.holder_staff_id == who.staff_id, HandoverItem.status == ITEM_OPEN)
        .order_by(HandoverItem.happened_at, HandoverItem.id)
    ))


def accept_handover(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """The incoming person accepts a handover on their own device (R-SEC-2): its open
    items become theirs. Links the accepting person's running shift, if any.

    Rejects ``handover_not_found``, ``not_handover_recipient``, ``handover_already_accepted``.
    """
    handover = session.get(Handover, args["handover_id"])
    if handover is None or handover.branch_id != who.branch_id:
        reject("handover_not_found", f"No handover {args['handover_id']} in this branch.", rule="R-SEC-2", field="handover_id")
    if handover.to_staff_id != who.staff_id:
        reject("not_handover_recipient", "Only the person handed over to can accept.", rule="R-SEC-2", field="handover_id")
    if handover.status == HANDOVER_ACCEPTED:
        reject("handover_already_accepted", "This handover was already accepted.", rule="R-SEC-2", field="handover_id")
    running = shift_at(session, who.staff_id, times.happened_at)
    handover.status = HANDOVER_ACCEPTED
    handover.accepted_at, handover.accepted_received_at = times.happened_at, times.received_at
    handover.accepted_clock_suspect = times.clock_suspect
    handover.accepted_shift_id = running.id if running else None
    handover.accept_notes = args.get("notes")
    affected: Affected = [("handover", handover)]
    items = session.scalars(
        select(HandoverItem).where(HandoverItem.handover_id == handover.id, HandoverItem.status == ITEM_OPEN)
    )
    for item in items:
        item.holder_staff_id, item.pending_staff_id = who.staff_id, None
        affected.append(("handover_item", item))
    return affected


def close_item(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """Close an open handover item with an optional resolution (R-SEC-2): its holder, or
    the branch's operations manager.

    Rejects ``item_not_found``, ``not_item_holder``, ``item_already_closed``.
    """
    item = session.get(HandoverItem, args["item_id"])
    if item is None or item.branch_id != who.branch_id:
        reject("item_not_found", f"No handover item {args['item_id']} in this branch.", rule="R-SEC-2", field="item_id")
    if item.holder_staff_id != who.staff_id and who.role != R.OPERATIONS_MANAGER:
        reject("not_item_holder", "Only the item's current holder can close it.", rule="R-SEC-2", field="item_id")
    if item.status == ITEM_CLOSED:
        reject("item_already_closed", "This item is already closed.", rule="R-SEC-2", field="item_id")
    item.status, item.closed_at, item.closed_by = ITEM_CLOSED, times.happened_at, who.staff_id
    item.pending_staff_id = None
    item.resolution = args.get("resolution")
    item.closed_as = who.role  # a manager's resolution reaches field devices without its text (R-SEC-10)
    return [("handover_item", item)]

def list_handovers(branch: Branch, start: datetime, end: datetime, *, limit: int, offset: int,
              status: str | None = None, **_: Any) -> dict[str, Any]:
    """Handovers recorded during ``[start, end)`` (R-SEC-2), both parties named."""
    giver, taker = aliased(Staff), aliased(Staff)
    q = (select(Handover, giver, taker).join(giver, giver.id == Handover.from_staff_id)
         .join(taker, taker.id == Handover.to_staff_id)
         .where(Handover.branch_id == branch.id, Handover.happened_at >= start, Handover.happened_at < end))
    if status:
        q = q.where(Handover.status == status)
    q = q.order_by(Handover.happened_at, Handover.id)
    return page(q, limit, offset, lambda r: r[0].to_dict() | {"from_staff": person(r[1]), "to_staff": person(r[2])})
