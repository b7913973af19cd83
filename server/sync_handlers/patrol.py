"""Mutators ``patrol.record``, ``incident.report``, ``incident.resolve`` and the pull
entities ``checkpoint`` (never its code), ``patrol`` and ``incident`` (R-SEC-4, R-SEC-5)."""
from __future__ import annotations

from typing import Any

from sync.context import MutationContext
from sync.registry import Entity, Principal, Registry

from ..models.incident import incident_dict
from ..models.patrol import Checkpoint, Patrol
from ..rules import permissions as P
from ..schemas.patrol import IncidentReportArgs, IncidentResolveArgs, PatrolRecordArgs
from ..services import compliance as compliance_service
from ..services import incident as incident_service
from ..services import patrol as patrol_service


def record_patrol(ctx: MutationContext, args: dict[str, Any]) -> None:
    """Record a patrol proved at a checkpoint; an anomaly or fault raises an incident."""
    patrol, incident = patrol_service.record_patrol(ctx.session, ctx.principal, ctx.times, args)
    ctx.put("patrol", patrol)
    if incident is not None:
        ctx.put("incident", incident)
    compliance_service.rejudge(patrol.branch_id, patrol.happened_at, ctx.now)


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


def _checkpoint_audiences(cp: Checkpoint) -> set[str]:
    # An inactive checkpoint leaves devices' copies (comes back as a delete).
    return {P.audience(cp.branch_id, "checkpoint")} if cp.active else set()


def register(registry: Registry) -> None:
    """Register PART B's mutators and entities."""
    registry.mutator(
        "patrol.record",
        schema=PatrolRecordArgs(),
        roles=P.roles_for("patrol.record"),
        rejection_codes=("invalid_args", "not_on_shift", "unknown_checkpoint", "checkpoint_code_rotated", "already_exists"),
    )(record_patrol)
    registry.mutator(
        "incident.report",
        schema=IncidentReportArgs(),
        roles=P.roles_for("incident.report"),
        rejection_codes=("invalid_args", "already_exists", "no_branch"),
        prefetch=prefetch_reports,
        flush=flush_reports,
    )(report_incident)
    registry.mutator(
        "incident.resolve",
        schema=IncidentResolveArgs(),
        roles=P.roles_for("incident.resolve"),
        rejection_codes=("invalid_args", "unknown_incident", "already_resolved"),
    )(resolve_incident)
    registry.add_entity(Entity(name="checkpoint", serialize=Checkpoint.public_dict, audiences=_checkpoint_audiences))
    registry.add_entity(
        Entity(name="patrol", serialize=Patrol.to_dict, audiences=lambda p: {P.audience(p.branch_id, "patrol")})
    )
    registry.add_entity(
        Entity(name="incident", serialize=incident_dict, audiences=lambda i: {P.audience(i.branch_id, "incident")})
    )
