"""The ``box.*`` mutators and the ``box_session``, ``box_entry``, ``box_callback`` entities
(R-BOX-1..4). Customer fields reach only ``ENTITY_READERS`` of the box (R-SEC-10).
Every box mutation re-judges R-BOX-1..3 in the push's transaction (``rejudged``, #14)."""
from __future__ import annotations

from typing import Any

from sync import Entity, MutationContext, Registry

from ..models.suggestion import BoxCallback, BoxEntry, BoxSession
from ..rules import permissions as P
from ..schemas import suggestion as S
from ..services import suggestion as box
from ..services.mutation import published
from .compliance import rejudge_once_per_run, rejudged

_COMPLAINT_CODES = ("not_a_taker", "unknown_code")


def register(registry: Registry) -> None:
    """Register the box entities and mutators."""
    for name, model, summary in (
        ("box_session", BoxSession, "One evening's opening of the suggestion box (R-BOX-1)."),
        ("box_entry", BoxEntry, "A slip or book entry with its written reply and callback state (R-BOX-2/3)."),
        ("box_callback", BoxCallback, "One attempt to phone the customer of an entry (R-BOX-3)."),
    ):
        registry.add_entity(Entity(
            name=name, serialize=model.to_dict, summary=summary,
            audiences=lambda r, name=name: {P.audience(r.branch_id, name)},
        ))

    @registry.mutator("box.open", schema=S.BoxOpenArgs(), roles=P.roles_for("box.open"), rejection_codes=(
        "duplicate_record_id", "session_exists", "future_business_date", "before_close_of_business", "no_branch",
        "photo_not_yours"), prefetch=rejudge_once_per_run)
    def box_open(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Open the day's box after close of business {session_id, business_date, photo?} (R-BOX-1)."""
        return rejudged(ctx, published(ctx, box.record_open, args, batch=ctx.prefetched))

    @registry.mutator("box.entry", schema=S.BoxEntryArgs(), roles=P.roles_for("box.entry"), rejection_codes=(
        "unknown_session", "session_closed", "duplicate_record_id", *_COMPLAINT_CODES),
                      prefetch=rejudge_once_per_run)
    def box_entry(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Record a slip or book entry; a complaint opens its case (R-BOX-2, R-BOX-4)."""
        return rejudged(ctx, published(ctx, box.record_entry, args, batch=ctx.prefetched))

    @registry.mutator("box.reply", schema=S.BoxReplyArgs(), roles=P.roles_for("box.reply"),
                      rejection_codes=("unknown_entry", "already_replied"), prefetch=rejudge_once_per_run)
    def box_reply(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Record the written reply to an entry (R-BOX-2)."""
        return rejudged(ctx, published(ctx, box.record_reply, args))

    @registry.mutator("box.callback", schema=S.BoxCallbackArgs(), roles=P.roles_for("box.callback"),
                      rejection_codes=("unknown_entry", "no_contact", "callback_done", "duplicate_record_id"),
                      prefetch=rejudge_once_per_run)
    def box_callback(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Record one callback attempt: reached, no_answer (may retry), wrong_number (R-BOX-3)."""
        return rejudged(ctx, published(ctx, box.record_callback, args, batch=ctx.prefetched))

    @registry.mutator("box.close", schema=S.BoxCloseArgs(), roles=P.roles_for("box.close"), rejection_codes=(
        "unknown_session", "session_closed", "replies_missing", "callbacks_open", "empty_not_stated",
        "box_not_empty", "slip_count_mismatch"), prefetch=rejudge_once_per_run)
    def box_close(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Close the day's box {session_id, slip_count, empty?, callbacks_reason?, photo?} (R-BOX-1..3)."""
        return rejudged(ctx, published(ctx, box.record_close, args))
