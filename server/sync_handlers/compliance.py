"""Compliance in sync (#14): entities ``obligation`` (to the branch's supervisors) and
``alert`` (to the roles its rule routes it to); mutators ``alert.acknowledge`` and
``obligation.excuse``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sync.context import MutationContext, TimeAttribution
from sync.registry import Entity, Principal, Registry

from ..errors import AppError
from ..models.alert import Alert
from ..models.compliance import Obligation
from ..rules import permissions as P
from ..schemas.compliance import AlertAcknowledgeArgs, ObligationExcuseArgs
from ..services import alert as alert_service
from ..services import compliance as compliance_service
from ..services.mutation import Affected, publish, reject


def rejudged(ctx: MutationContext, affected: Any) -> Any:
    """Re-judge the obligations a field record touches, in the push's transaction (#14):
    a late patrol turns its hour ``met_synced_late`` the moment it lands."""
    compliance_service.rejudge(ctx.principal.branch_id, ctx.times.happened_at, ctx.now)
    return affected


def _alert_audiences(alert: Alert) -> set[str]:
    return {P.role_audience(alert.branch_id, "alert", role) for role in alert.roles or ()}


def _acknowledge(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """``alert.acknowledge`` in the mutation services' shape (``unknown_alert``: none, of
    another branch, or not routed to the role, R-SEC-10)."""
    alert = alert_service.acknowledge(who.staff_id, who.role, who.branch_id, args["alert_id"], args.get("note"),
                                      times.happened_at)
    return [("alert", alert)]


def _excuse(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any], *,
            now: datetime) -> Affected:
    """``obligation.excuse`` in the mutation services' shape: the REST service's refusals
    become rejections with their codes (404, another branch's too, is ``unknown_obligation``,
    R-SEC-10). Stamped with the server clock ``now``, as the REST excuse is."""
    try:
        row = compliance_service.excuse_obligation(who.staff_id, args["obligation_id"], args["reason"], now,
                                                   withdraw=args["withdraw"], commit=False)
    except AppError as exc:
        reject("unknown_obligation" if exc.status == 404 else exc.code, exc.detail or exc.title)
    return [("obligation", row)]


def acknowledge_alert(ctx: MutationContext, args: dict[str, Any]) -> Any:
    """Acknowledge an alert routed to one's role {alert_id, note?}: who, when, note."""
    return publish(ctx, _acknowledge, args)


def excuse_obligation(ctx: MutationContext, args: dict[str, Any]) -> Any:
    """Excuse an obligation of one's branch with a reason, or withdraw an excuse
    {obligation_id, reason, withdraw?}; appended, never deleted. Re-judges its day."""
    return publish(ctx, _excuse, args, now=ctx.now)


def register(registry: Registry) -> None:
    """Register the ``obligation`` and ``alert`` entities and the compliance mutators."""
    registry.mutator(
        "alert.acknowledge", schema=AlertAcknowledgeArgs(), roles=P.roles_for("alert.acknowledge"),
        rejection_codes=("invalid_args", "unknown_alert"),
    )(acknowledge_alert)
    registry.mutator(
        "obligation.excuse", schema=ObligationExcuseArgs(), roles=P.roles_for("obligation.excuse"),
        rejection_codes=("invalid_args", "unknown_obligation", "forbidden", "validation_failed"),
    )(excuse_obligation)
    registry.add_entity(
        Entity(name="obligation", serialize=Obligation.to_dict, audiences=lambda o: {P.audience(o.branch_id, "obligation")})
    )
    registry.add_entity(Entity(name="alert", serialize=Alert.to_dict, audiences=_alert_audiences))
