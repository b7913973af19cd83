"""Record patrols proved at checkpoints and read them by hour (R-SEC-5).

``record_patrol`` runs inside a ``patrol.record`` mutation: the sync engine owns that
transaction (a SAVEPOINT per mutation); this module only reads and adds rows.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync import Batch, own, Principal, TimeAttribution

from ..extensions import db
from ..models.base import iso
from ..models.org import Branch, Staff
from ..models.patrol import Checkpoint, CheckpointCode, Patrol
from ..rules import calendar as RCAL
from ..rules import patrol as PR
from ..rules import compliance as RC
from ..rules import patrol_compliance as PC
from .incident import defer_incident, new_values, readable_branch
from .mutation import Affected, ensure_new, held, reject
from .shift import shifts_of

#: Namespace of the ids of patrol-raised incidents: ``uuid5(NS, str(patrol_id))``, so a
#: device can name the incident its patrol raised before syncing.
PATROL_INCIDENT_NS = uuid.UUID("6f1d7c52-8a53-4c0e-9f5b-2b8f3d0a9e11")


def patrol_incident_id(patrol_id: uuid.UUID) -> uuid.UUID:
    """The id of the incident a patrol raises (deterministic)."""
    return uuid.uuid5(PATROL_INCIDENT_NS, str(patrol_id))


def _code_of(scanned: str) -> str:
    """The secret code a scanned label carries (``""`` for a payload that is none)."""
    try:
        return PR.parse_label_payload(scanned)[1]
    except ValueError:
        return ""


def prefetch_patrols(session: Session, principal: Principal, args: list[dict[str, Any]]) -> Batch:
    """What a run of ``patrol.record`` reads, once: the guard's shifts over the run's
    times and the scanned codes with their checkpoints (a range read and a ``SELECT … IN``,
    whatever the run's length; R-SEC-5). A taken patrol id is its primary key's to refuse
    (:func:`~.mutation.ensure_new`)."""
    return Batch(
        shifts=shifts_of(session, principal.staff_id),
        codes=_codes(session, {_code_of(a["checkpoint_code"]) for a in args}),
    )


def _codes(session: Session, codes: set[str]) -> dict[str, tuple[CheckpointCode | None, Checkpoint | None]]:
    """Each scanned code's row and checkpoint (``(None, None)``: no such code), read once
    per transaction (:func:`~.mutation.held`): a guard's patrols between a push's other
    mutations scan the same labels, and nothing in a push issues or retires a code."""
    known = held(session, "checkpoint codes", dict)
    if missing := codes - known.keys():
        known.update(dict.fromkeys(missing, (None, None)))
        known.update({code_row.code: (code_row, cp) for code_row, cp in session.execute(
            select(CheckpointCode, Checkpoint)
            .join(Checkpoint, Checkpoint.id == CheckpointCode.checkpoint_id)
            .where(CheckpointCode.code.in_(sorted(missing)))
        ).all()})
    return {code: known[code] for code in codes}


def _checkpoint_for(
    batch: Batch, principal: Principal, scanned: str, times: TimeAttribution
) -> tuple[Checkpoint, bool]:
    """The checkpoint a scanned code proves, and whether the code was since rotated.

    Raises ``unknown_checkpoint`` / ``checkpoint_code_rotated`` (R-SEC-5).
    """
    code_row, cp = batch.lookup("codes")[_code_of(scanned)]
    verdict = PR.judge_code(
        found=code_row is not None,
        same_branch=cp is not None and cp.branch_id == principal.branch_id,
        active=cp is not None and cp.active,
        issued_at=code_row.issued_at if code_row else None,
        retired_at=code_row.retired_at if code_row else None,
        happened_at=times.happened_at,
        clock_suspect=times.clock_suspect,
    )
    if verdict == "unknown_checkpoint":
        reject("unknown_checkpoint", "This code is not a checkpoint of your branch.", rule=PC.RULE)
    if verdict == "checkpoint_code_rotated":
        reject("checkpoint_code_rotated", "This checkpoint's label was replaced; scan the new label.", rule=PC.RULE)
    assert cp is not None
    return cp, verdict == "was_current"


def record_patrol(session: Session, principal: Principal, times: TimeAttribution, args: dict[str, Any],
                  batch: Batch | None = None) -> Affected:
    """Record a patrol proved at a checkpoint; raise an incident on an anomaly or fault.

    Rejections (:func:`.mutation.reject`): ``not_on_shift`` (no shift of the guard at the
    patrol's ``happened_at``), ``unknown_checkpoint``, ``checkpoint_code_rotated``,
    ``duplicate_record_id`` (the patrol id is taken). Returns the patrol and the incident it
    raised (R-SEC-5 → R-SEC-4), if any, neither committed.

    With ``batch`` (:func:`prefetch_patrols` over a run that includes ``args``) it reads
    nothing and defers its rows to the batch's store; without, it prepares a batch of
    one and stores it at once (the careful path: the same code, one mutation).
    """
    batch, mine = own(batch, lambda: prefetch_patrols(session, principal, [args]))
    ensure_new(session, Patrol, args["patrol_id"], "patrol_id", batch=None if mine else batch)
    shift = batch.lookup("shifts").at(times.happened_at)
    if shift is None:
        reject("not_on_shift", "Start your shift before patrolling.", rule=PC.RULE)
    cp, rotated = _checkpoint_for(batch, principal, args["checkpoint_code"], times)
    patrol = Patrol(
        id=args["patrol_id"],
        branch_id=cp.branch_id,
        staff_id=principal.staff_id,
        shift_id=shift.id,
        checkpoint_id=cp.id,
        area=cp.area,
        checks=dict(args["checks"]),
        anomaly=(args.get("anomaly") or None),
        code_was_rotated=rotated,
    )
    patrol.stamp(times)
    incident = None
    if PR.raises_incident(patrol.checks, patrol.anomaly):
        incident = new_values(
            incident_id=patrol_incident_id(patrol.id),
            branch_id=cp.branch_id,
            reported_by=principal.staff_id,
            reported_as=principal.role,
            category=PR.PATROL_INCIDENT_CATEGORY,
            location=f"{cp.name_zh} {cp.name_en}",
            description=PR.incident_description(patrol.checks, patrol.anomaly),
            severity=PR.PATROL_INCIDENT_SEVERITY,
            digests=[],
            received={},
            times=times,
            patrol_id=patrol.id,
        )
        patrol.incident_id = incident.id
        defer_incident(batch, incident)
    batch.add(patrol)
    if mine:
        batch.store(session)
    return [("patrol", patrol)] + ([("incident", incident)] if incident is not None else [])


@dataclass(frozen=True)
class PatrolHour:
    """One guarded clock hour of a day, its R-SEC-5 verdict and the patrols in it."""

    label: str
    verdict: RC.Verdict
    patrols: list[Patrol]


def patrols_by_hour(actor: Staff, branch_id: uuid.UUID, day: date, now: datetime) -> tuple[Branch, list[PatrolHour]]:
    """The branch's patrols of local ``day``, grouped by guarded clock hour, each hour with
    the compliance engine's R-SEC-5 verdict (``services.compliance.field_verdicts``: the
    holiday variant of guarded hours, the devices' watermarks, excuses), so this grid and
    the compliance answer never disagree. Patrols of other areas are listed under their
    hour but never count as evidence.

    Raises :class:`Forbidden` / :class:`NotFound` per the permission table.
    """
    from .compliance import field_verdicts

    branch = readable_branch(actor, branch_id, "patrol")
    verdicts = [v for v in field_verdicts(branch, day, now) if v.rule == RC.PATROL]
    day_start, day_end = RCAL.day_bounds(day, branch.timezone)
    g = PC.grace(branch.settings)
    patrols = list(
        db.session.scalars(
            select(Patrol)
            .where(Patrol.branch_id == branch.id, Patrol.happened_at >= day_start, Patrol.happened_at < day_end + g)
            .order_by(Patrol.happened_at)
        )
    )
    hours = []
    for v in verdicts:
        inside = [p for p in patrols if v.window_start <= p.happened_at < v.window_end or str(p.id) in v.evidence]
        hours.append(PatrolHour(RCAL.local_clock(v.window_start, branch.timezone), v, inside))
    return branch, hours


def hour_dict(hour: PatrolHour) -> dict[str, Any]:
    """The JSON of one hour of :func:`patrols_by_hour`."""
    v = hour.verdict
    return {
        "hour": hour.label,
        "window_start": iso(v.window_start),
        "window_end": iso(v.window_end),
        "due_at": iso(v.due_at),
        "status": v.status,
        "evidence": list(v.evidence),
        "clock_suspect": v.clock_suspect,
        "patrols": [p.to_dict() for p in hour.patrols],
    }
