"""Compliance in sync (#14): entities ``obligation`` (to the branch's supervisors) and
``alert`` (to the roles its rule routes it to); mutators ``alert.acknowledge`` and
``obligation.excuse``."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync import Batch, Entity, MutationContext, Principal, Registry, TimeAttribution

from ..errors import AppError
from ..extensions import db
from ..models.alert import Alert
from ..models.compliance import Obligation
from ..models.org import Branch
from ..models.patrol import Patrol
from ..rules import patrol_compliance as PC
from ..rules.patrol import SELF_SERVICE
from ..rules import permissions as P
from ..schemas.compliance import AlertAcknowledgeArgs, ObligationExcuseArgs
from ..services import alert as alert_service
from ..services import compliance as compliance_service
from ..services.mutation import Affected, branch_row, ids, publish, reject


#: What a mutator's records can change, by the noun of its name (``compliance.FAMILIES``):
#: a shift or handover moves R-SEC-2 and who is on duty for R-SEC-5's watermark. A noun
#: not listed re-judges every family.
TOUCHES: dict[str, frozenset[str]] = {
    "patrol": frozenset({"patrol"}),
    "shift": frozenset({"staffing", "patrol"}),
    "handover": frozenset({"staffing", "patrol"}),
    "floor_round": frozenset({"rounds"}),
    "box": frozenset({"box"}),
    "statistics": frozenset({"box"}),
    "complaint": frozenset({"cases"}),
}


def rejudge_once_per_run(session: Any, principal: Any, args: list[dict[str, Any]]) -> Batch:
    """The prepare step of a mutator that reads nothing ahead (``shift.*``, ``box.*``,
    ``complaint.*``, ``statistics.file``): its batch lets :func:`rejudged` wait for the
    end of the optimistic run, once for the run's records, instead of evaluating after
    each mutation (#17). Each mutation still checks the records as they stand."""
    return Batch()


def rejudged(ctx: MutationContext, affected: Affected, *, patrol: bool = False) -> list[str]:
    """Re-judge the obligations a field record touches, in the push's transaction (#14):
    a late patrol turns its hour ``met_synced_late`` the moment it lands. ``affected``:
    the records the mutation's service returned (:func:`~server.services.mutation.published`);
    returns their ids, as :func:`~server.services.mutation.publish` does.

    In a batch (``ctx.prefetched`` is a :class:`sync.batch.Batch`, #17) the re-judging
    waits for the run's end, after its rows are written: one read of the patrol hours
    the run touches and at most one evaluation of what its records can touch, not one
    per mutation. ``patrol``: the record is a patrol, which changes nothing when every
    hour that could claim it already holds earlier evidence
    (:func:`server.rules.patrol_compliance.leaves_hours_as_is`, R-SEC-5). Without a batch
    the same runs for this one record. Only the rule families the mutator's records can
    change are re-judged (:data:`TOUCHES`), and of those only what the records touch
    (``compliance_focus.of_records``: a case, a business date, some patrol hours)."""
    branch_id, now = ctx.principal.branch_id, ctx.now
    item = (ctx.times.happened_at, patrol, TOUCHES.get(ctx.name.split(".", 1)[0]), tuple(affected))
    if isinstance(ctx.prefetched, Batch):
        ctx.prefetched.later(("rejudge", branch_id, now), lambda _s, items: _rejudge_run(branch_id, items, now), item)
    else:
        _rejudge_run(branch_id, [item], now)
    return ids(affected)


def _rejudge_run(branch_id: uuid.UUID | None, items: list[tuple[datetime, bool, frozenset[str] | None, Affected]],
                 now: datetime) -> None:
    """``compliance.rejudge`` for every record of a run at once: one evaluation of what
    they can touch, none when only patrols came and none can change a verdict."""
    branch = branch_row(db.session, branch_id) if branch_id is not None else None
    if branch is None or branch.go_live_date is None:
        return
    happened = [t for t, _, _, _ in items]
    if all(patrol for _, patrol, _, _ in items) and _hours_hold(branch, happened):
        return
    compliance_service.rejudge(branch, [(t, touched, records) for t, _, touched, records in items], now)


def _hours_hold(branch: Branch, happened: list[datetime]) -> bool:
    """Whether no patrol at these times can change a judged patrol hour of ``branch``
    (:func:`server.rules.patrol_compliance.leaves_hours_as_is`, R-SEC-5): two reads,
    whatever their count."""
    hours = db.session.execute(
        select(Obligation.window_start, Obligation.window_end, Obligation.verdict, Obligation.evidence)
        .where(Obligation.branch_id == branch.id, Obligation.rule == PC.RULE, Obligation.subject_kind == "area",
               Obligation.subject_id == SELF_SERVICE, Obligation.window_start <= max(happened),
               Obligation.window_end > min(happened) - PC.grace(branch.settings))
    ).all()
    met = {i: uuid.UUID(h.evidence[0]) for i, h in enumerate(hours) if h.verdict in PC.MET_STATUSES and h.evidence}
    seen = dict(db.session.execute(select(Patrol.id, Patrol.happened_at).where(Patrol.id.in_(set(met.values())))).all()
                ) if met else {}
    judged = [(h.window_start, h.window_end, seen.get(met[i]) if i in met else None) for i, h in enumerate(hours)]
    return all(PC.leaves_hours_as_is(judged, t, branch.settings) for t in happened)


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
        Entity(name="obligation", serialize=Obligation.to_dict, audiences=lambda o: P.obligation_audiences(o.branch_id, o.rule))
    )
    registry.add_entity(Entity(name="alert", serialize=Alert.to_dict, audiences=_alert_audiences))
