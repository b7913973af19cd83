"""Mutator ``patrol.record`` and the pull entities ``checkpoint`` (never its code) and
``patrol`` (R-SEC-5)."""
from __future__ import annotations

from typing import Any

from sync import Entity, MutationContext, Registry

from ..models.patrol import Checkpoint, Patrol
from ..rules import permissions as P
from ..schemas.patrol import PatrolRecordArgs
from ..services import patrol as patrol_service
from ..services.mutation import published
from .compliance import rejudged


def _checkpoint_audiences(cp: Checkpoint) -> set[str]:
    # An inactive checkpoint leaves devices' copies (comes back as a delete).
    return {P.audience(cp.branch_id, "checkpoint")} if cp.active else set()


def register(registry: Registry) -> None:
    """Register the checkpoint and patrol entities and the ``patrol.record`` mutator."""
    registry.add_entity(Entity(name="checkpoint", serialize=Checkpoint.public_dict, audiences=_checkpoint_audiences))
    registry.add_entity(
        Entity(name="patrol", serialize=Patrol.to_dict, audiences=lambda p: {P.audience(p.branch_id, "patrol")})
    )

    @registry.mutator("patrol.record", schema=PatrolRecordArgs(), roles=P.roles_for("patrol.record"),
                      rejection_codes=("invalid_args", "not_on_shift", "unknown_checkpoint", "checkpoint_code_rotated",
                                       "duplicate_record_id"),
                      prefetch=patrol_service.prefetch_patrols)
    def record_patrol(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Record a patrol proved at a checkpoint; an anomaly or fault raises an incident.

        Batched (``sync.batch``): a run reads its ids, shifts and codes once, writes its
        patrols and incidents once, and re-judges the obligations it touched once."""
        return rejudged(ctx, published(ctx, patrol_service.record_patrol, args, created=True, batch=ctx.prefetched),
                        patrol=True)
