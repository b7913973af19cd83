"""The ``cleaning.record`` mutator and the ``cleaning`` entity (R-SEC-6)."""
from __future__ import annotations

from typing import Any

from sync import Entity, MutationContext, Registry

from ..models.cleaning import CleaningRecord
from ..rules import permissions as P
from ..schemas import cleaning as S
from ..services import cleaning
from ..services.mutation import publish


def register(registry: Registry) -> None:
    """Register the cleaning entity and mutator."""
    registry.add_entity(Entity(
        name="cleaning", serialize=CleaningRecord.to_dict,
        audiences=lambda c: P.party_audiences(c.branch_id, "cleaning", c.staff_id),
        summary="A cleaning task done in an area during a cleaner's shift (R-SEC-6).",
    ))

    @registry.mutator("cleaning.record", schema=S.CleaningRecordArgs(), roles=P.roles_for("cleaning.record"),
                      rejection_codes=("no_branch", "not_on_shift", "duplicate_record_id"),
                      prefetch=cleaning.prefetch_cleaning)
    def cleaning_record(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Record a cleaning task {cleaning_id, area, task, notes?}; the cleaner must be on
        shift at the mutation's time (R-SEC-6). Batched (``sync.batch``): one read of ids
        and shifts and one write per run."""
        return publish(ctx, cleaning.record_cleaning, args, created=True, batch=ctx.prefetched)
