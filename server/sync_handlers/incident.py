"""Mutators ``incident.report``, ``incident.resolve`` and the pull entity ``incident`` (R-SEC-4)."""
from __future__ import annotations

from typing import Any

from sync import Entity, MutationContext, Principal, Registry

from ..models.incident import incident_dict
from ..rules import permissions as P
from ..schemas.incident import IncidentReportArgs, IncidentResolveArgs
from ..services import incident as incident_service
from ..services.mutation import publish


def prefetch_reports(session: Any, principal: Principal, batch: list[dict[str, Any]]) -> Any:
    """``incident.report``'s prepare step: taken ids and arrived photos of the whole run
    (a :class:`sync.batch.Batch`: the engine stores its incidents at the run's end)."""
    return incident_service.prefetch_reports(session, batch, principal.branch_id)


def register(registry: Registry) -> None:
    """Register the incident entity and the ``incident.*`` mutators."""
    registry.add_entity(
        Entity(name="incident", serialize=incident_dict, audiences=lambda i: P.party_audiences(i.branch_id, "incident"),
               view=P.text_view)
    )

    @registry.mutator("incident.report", schema=IncidentReportArgs(), roles=P.roles_for("incident.report"),
                      rejection_codes=("invalid_args", "duplicate_record_id", "no_branch", "photo_not_yours"),
                      prefetch=prefetch_reports)
    def report_incident(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Report an incident with category, place, description, severity and photos."""
        return publish(ctx, incident_service.report_incident, args, created=True, batch=ctx.prefetched)

    @registry.mutator("incident.resolve", schema=IncidentResolveArgs(), roles=P.roles_for("incident.resolve"),
                      rejection_codes=("invalid_args", "unknown_incident", "already_resolved"))
    def resolve_incident(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Close an open incident of the supervisor's branch."""
        return publish(ctx, incident_service.resolve_incident, args)
