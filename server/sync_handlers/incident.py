"""Mutators ``incident.report``, ``incident.resolve`` and the pull entity ``incident`` (R-SEC-4)."""
from __future__ import annotations

from typing import Any

from sync.context import MutationContext
from sync.registry import Entity, Principal, Registry

from ..models.incident import incident_dict
from ..rules import permissions as P
from ..schemas.incident import IncidentReportArgs, IncidentResolveArgs
from ..services import incident as incident_service


def report_incident(ctx: MutationContext, args: dict[str, Any]) -> None:
    """Report an incident with category, place, description, severity and photos."""
    incident = incident_service.report_incident(ctx.session, ctx.principal, ctx.times, args, ctx.prefetched)
    ctx.put("incident", incident, created=True)


def prefetch_reports(session: Any, principal: Principal, batch: list[dict[str, Any]]) -> Any:
    """``incident.report``'s batch read: taken ids and arrived photos of the whole segment."""
    return incident_service.prefetch_reports(session, batch)


def flush_reports(session: Any, batch: Any) -> None:
    """``incident.report``'s batch write: the segment's incidents in one ``executemany``."""
    incident_service.flush_reports(session, batch)


def resolve_incident(ctx: MutationContext, args: dict[str, Any]) -> None:
    """Close an open incident of the supervisor's branch."""
    ctx.put("incident", incident_service.resolve_incident(ctx.session, ctx.principal, ctx.times, args))


def register(registry: Registry) -> None:
    """Register the incident mutators and entity."""
    registry.mutator(
        "incident.report",
        schema=IncidentReportArgs(),
        roles=P.roles_for("incident.report"),
        rejection_codes=("invalid_args", "duplicate_record_id", "no_branch"),
        prefetch=prefetch_reports,
        flush=flush_reports,
    )(report_incident)
    registry.mutator(
        "incident.resolve",
        schema=IncidentResolveArgs(),
        roles=P.roles_for("incident.resolve"),
        rejection_codes=("invalid_args", "unknown_incident", "already_resolved"),
    )(resolve_incident)
    registry.add_entity(
        Entity(name="incident", serialize=incident_dict, audiences=lambda i: {P.audience(i.branch_id, "incident")})
    )
