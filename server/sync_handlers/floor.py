"""Floor-round and coaching mutators and entities (R-OPS-1, R-OPS-2)."""
from __future__ import annotations

from typing import Any

from sync import Entity, MutationContext, Registry

from ..models.floor import Coaching, FloorRound
from ..rules import permissions as P
from ..schemas import floor as S
from ..services import floor
from ..services.mutation import publish, published
from .compliance import rejudged


def register(registry: Registry) -> None:
    """Register the floor entities and mutators."""
    registry.add_entity(Entity(
        name="floor_round", serialize=FloorRound.to_dict,
        audiences=lambda r: {P.audience(r.branch_id, "floor_round")},
        summary="One of the operations manager's three daily floor rounds, with findings (R-OPS-1).",
    ))
    registry.add_entity(Entity(
        name="coaching", serialize=Coaching.to_dict,
        audiences=lambda c: {P.audience(c.branch_id, "coaching")},
        summary="A coaching demonstration, scheduled or on a problem seen (R-OPS-2).",
    ))

    @registry.mutator("floor_round.record", schema=S.FloorRoundArgs(), roles=P.roles_for("floor_round.record"),
                      rejection_codes=("unknown_slot", "slot_already_recorded", "duplicate_record_id"))
    def floor_round_record(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Record a floor round {round_id, slot, findings, posts_checked?} (R-OPS-1).

        ``slot`` is one of ``branch.settings.floor_round_slots`` (default 0930, 1130,
        1600), once per business day; ``minutes_from_slot`` says how far off time it was.
        """
        return rejudged(ctx, published(ctx, floor.record_round, args))  # R-OPS-1 (#14)

    @registry.mutator("coaching.record", schema=S.CoachingArgs(), roles=P.roles_for("coaching.record"),
                      rejection_codes=("duplicate_record_id",))
    def coaching_record(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Record a coaching demonstration {demo_id, topic, notes?, trigger?} (R-OPS-2);
        ``trigger`` is ``scheduled`` (default) or ``problem_seen``."""
        return publish(ctx, floor.record_coaching, args)
