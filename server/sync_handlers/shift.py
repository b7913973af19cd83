"""Mutators ``shift.start``, ``shift.end`` and the entities ``shift`` and ``roster_shift``
(the plan, written over REST) (R-SEC-2). Supervisors pull the whole branch's; a field
device pulls the records its person is a party to.
"""
from __future__ import annotations

from typing import Any

from sync import Entity, MutationContext, Registry

from ..models.shift import RosterShift, Shift
from ..rules import permissions as P
from ..schemas import shift as S
from ..services import shift as shift_service
from ..services.mutation import published
from .compliance import rejudge_once_per_run, rejudged


def register(registry: Registry) -> None:
    """Register the shift entities and the ``shift.start`` / ``shift.end`` mutators."""
    registry.add_entity(Entity(
        name="shift", serialize=Shift.to_dict,
        audiences=lambda s: P.party_audiences(s.branch_id, "shift", s.staff_id),
        summary="A person's shift on a post, with start/end times and the post gap (R-SEC-2).",
    ))
    registry.add_entity(Entity(
        name="roster_shift", serialize=RosterShift.to_dict, view=P.text_view,
        audiences=lambda r: P.party_audiences(r.branch_id, "roster_shift", r.staff_id),
        summary="A planned shift on a post (the roster), kept over REST (R-SEC-2).",
    ))
    @registry.mutator("shift.start", schema=S.ShiftStartArgs(), roles=P.roles_for("shift.start"),
                      rejection_codes=("unknown_post", "post_not_for_role", "shift_overlap", "duplicate_record_id",
                                       "badge_unknown", "badge_expired", "badge_not_yet_valid", "badge_revoked",
                                       "no_branch"), prefetch=rejudge_once_per_run)
    def shift_start(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Start a shift {shift_id, post} at the mutation's time (R-SEC-2).

        The post must be one of the branch's posts that the role staffs
        (``branch.settings.shift_posts``). The new shift records ``gap_minutes`` since
        the post was last covered and ``post_gap`` when that exceeds the tolerance.
        An ``onsite`` account needs a valid registered badge (R-SEC-8).
        """
        return rejudged(ctx, published(ctx, shift_service.start_shift, args, batch=ctx.prefetched))

    @registry.mutator("shift.end", schema=S.ShiftEndArgs(), roles=P.roles_for("shift.end"),
                      rejection_codes=("shift_not_found", "not_shift_owner", "shift_already_ended",
                                       "shift_end_before_start"), prefetch=rejudge_once_per_run)
    def shift_end(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """End one's own shift {shift_id} at the mutation's time (R-SEC-2)."""
        return rejudged(ctx, published(ctx, shift_service.end_shift, args))
