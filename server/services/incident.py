"""Incidents (R-SEC-4): reported on duty or raised by a patrol, resolved by supervisors.

The mutation functions run inside the sync engine's per-mutation SAVEPOINT and do not
commit; the read functions serve the REST API.
"""
from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import Session

from sync import Batch, own, Principal, TimeAttribution

from ..extensions import db
from ..models.base import time_columns
from ..models.incident import Incident, IncidentPhoto, NewIncident, NewPhoto
from ..models.photo import PhotoUpload
from ..models.org import Branch, Staff
from ..rules import incident as IR
from ..rules import permissions as P
from .access import require_role
from .mutation import Affected, ensure_new, reject

RULE = "R-SEC-4"


def new_values(
    *,
    incident_id: uuid.UUID,
    branch_id: uuid.UUID,
    reported_by: uuid.UUID,
    category: str,
    location: str,
    description: str,
    severity: str,
    digests: list[str],
    received: Mapping[str, datetime],
    times: TimeAttribution,
    reported_as: str,
    patrol_id: uuid.UUID | None = None,
) -> NewIncident:
    """An open incident as plain values; photo ``digests`` (no repeats) are marked
    received per ``received`` (digest -> when its bytes arrived)."""
    return NewIncident(
        id=incident_id,
        branch_id=branch_id,
        reported_by=reported_by,
        category=category,
        location=location,
        description=description,
        severity=severity,
        patrol_id=patrol_id,
        status=IR.OPEN,
        reported_as=reported_as,
        updated_at=times.received_at,
        **time_columns(times),
        photos=[NewPhoto(incident_id, d, i, received.get(d)) for i, d in enumerate(digests)],
    )


def new_incident(
    session: Session,
    *,
    photos: Iterable[str],
    **fields: Any,
) -> Incident:
    """Add an open incident to ``session`` (``fields`` as :func:`new_values` takes them);
    each photo reference is marked received if it was uploaded in the incident's branch."""
    digests = list(dict.fromkeys(photos))  # keep order, drop repeats
    received = _received_photos(session, digests, fields["branch_id"])
    incident = new_values(digests=digests, received=received, **fields).to_orm()
    session.add(incident)
    return incident


@dataclass(frozen=True)
class PhotoOwnership:
    """What a branch may claim of some digests: when the branch's own uploads of them
    arrived (``received``), and which of them were uploaded, but only elsewhere
    (``foreign``: another branch's photos, R-SEC-10, #12)."""

    received: dict[str, datetime] = field(default_factory=dict)
    foreign: frozenset[str] = frozenset()


def photo_ownership(session: Session, digests: Iterable[str], branch_id: uuid.UUID | None) -> PhotoOwnership:
    """Who uploaded the photos among ``digests``, as seen from ``branch_id`` (each digest
    locked first, :func:`lock_photos`: the answer holds until commit).

    A photo belongs to the branch that uploaded it (R-SEC-10, #12): a digest uploaded in
    ``branch_id`` is ``received``; one only other branches uploaded is ``foreign`` (the
    reference is refused, :func:`refuse_foreign_photos`); one nobody uploaded yet is
    neither, and stays ``missing`` until the branch's own upload of those bytes arrives.
    """
    digests = list(digests)
    if not digests or branch_id is None:
        return PhotoOwnership()
    lock_photos(session, digests)
    rows = session.execute(
        select(PhotoUpload.sha256, PhotoUpload.branch_id, PhotoUpload.received_at).where(PhotoUpload.sha256.in_(digests))
    ).all()
    received: dict[str, datetime] = {}
    for sha256, owner, at in rows:
        if owner == branch_id and (sha256 not in received or at < received[sha256]):
            received[sha256] = at
    return PhotoOwnership(received, frozenset(sha256 for sha256, _, _ in rows) - received.keys())


def refuse_foreign_photos(digests: Iterable[str], ownership: PhotoOwnership) -> None:
    """Reject (``photo_not_yours``) a reference to a digest that was uploaded, but by
    nobody of the pusher's branch (R-SEC-10, #12). No existence oracle: a SHA-256 names
    bytes only someone who held them, or a record naming them, can know."""
    foreign = [d for d in digests if d in ownership.foreign]
    if foreign:
        reject("photo_not_yours", f"Photo {foreign[0]} was not uploaded in your branch; upload your own copy.",
               rule="R-SEC-10", field="photos")


def _received_photos(session: Session, digests: Iterable[str], branch_id: uuid.UUID | None) -> dict[str, datetime]:
    """``{digest: received_at}`` of the photos among ``digests`` uploaded in ``branch_id``
    (see :func:`photo_ownership`)."""
    return photo_ownership(session, digests, branch_id).received


#: PostgreSQL advisory lock class of photo digests (the first key of the two-key form).
PHOTO_LOCK_CLASS = 0x5EC4  # R-SEC-4
_LOCK_PHOTOS = text("SELECT pg_advisory_xact_lock(:lock_class, k) FROM unnest(CAST(:keys AS integer[])) AS k")


def lock_photos(session: Session, digests: Iterable[str]) -> None:
    """Lock ``digests`` until the transaction ends (PostgreSQL; SQLite needs nothing).

    A push that reads whether its photos arrived and an upload that marks the references
    to its photo received would otherwise miss each other under READ COMMITTED: the
    upload cannot see the push's uncommitted references, the push read before the upload
    committed, and the incident kept "missing" for a photo the server holds (R-SEC-4).
    Both take this lock first, so the later one reads after the earlier one committed.
    Keys are locked in ascending order (no deadlock between two pushes); two digests
    sharing a key only serialise more. SQLite writers already run one at a time (the
    push and the upload both begin ``IMMEDIATE``).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({zlib.crc32(d.encode()) - 2**31 for d in digests})
    if keys:
        session.execute(_LOCK_PHOTOS, {"lock_class": PHOTO_LOCK_CLASS, "keys": keys})


def defer_incident(batch: Batch, incident: NewIncident) -> None:
    """Defer a new incident and its photo references to the batch's store (one
    ``executemany`` per table for the whole run)."""
    batch.insert(Incident.__table__, incident.row())
    for row in incident.photo_rows():
        batch.insert(IncidentPhoto.__table__, row)


def prefetch_reports(session: Session, args: list[dict[str, Any]], branch_id: uuid.UUID | None) -> Batch:
    """Read for a run of ``incident.report`` args what each would query: which of their
    photos arrived in the reporter's branch ``branch_id``, and when, and which only
    another branch uploaded (``photos``, a :class:`PhotoOwnership`): one ``IN`` read at
    most. A taken incident id is its primary key's to refuse (:func:`~.mutation.ensure_new`)."""
    return Batch(
        photos=photo_ownership(session, dict.fromkeys(d for a in args for d in a.get("photos") or []), branch_id),
    )


def report_incident(
    session: Session, principal: Principal, times: TimeAttribution, args: dict[str, Any],
    batch: Batch | None = None,
) -> Affected:
    """``incident.report`` (R-SEC-4). Rejections: ``duplicate_record_id``, ``no_branch``,
    ``photo_not_yours`` (a photo uploaded, but not in the reporter's branch: R-SEC-10, #12).

    With ``batch`` (:func:`prefetch_reports` over args that include ``args``) it reads
    nothing and defers its rows to the batch's store; without, it prepares and stores a
    batch of one (the careful path, the same code). Affects the incident's values (what
    the feed serialises), not an ORM object.
    """
    batch, mine = own(batch, lambda: prefetch_reports(session, [args], principal.branch_id))
    incident_id = args["incident_id"]
    ensure_new(session, Incident, incident_id, "incident_id", batch=None if mine else batch)
    if principal.branch_id is None:
        reject("no_branch", "Only staff of a branch report incidents.", rule=RULE)
    digests = list(dict.fromkeys(args.get("photos") or []))  # keep order, drop repeats
    photos = batch.lookup("photos")
    refuse_foreign_photos(digests, photos)
    incident = new_values(
        incident_id=incident_id,
        branch_id=principal.branch_id,
        reported_by=principal.staff_id,
        category=args["category"],
        location=args["location"],
        description=args["description"],
        severity=args["severity"],
        reported_as=principal.role,
        digests=digests,
        received=photos.received,
        times=times,
    )
    defer_incident(batch, incident)
    if mine:
        batch.store(session)
    return [("incident", incident)]


def resolve_incident(session: Session, principal: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """``incident.resolve``: close an open incident of the supervisor's branch.

    Rejections: ``unknown_incident`` (none, or another branch's), ``already_resolved``.
    """
    incident = session.get(Incident, args["incident_id"])
    if incident is None or incident.branch_id != principal.branch_id:
        reject("unknown_incident", "No such incident in your branch.")
    if incident.status == IR.RESOLVED:
        reject("already_resolved", "This incident is already resolved.")
    incident.status = IR.RESOLVED
    incident.resolved_by = principal.staff_id
    incident.resolved_at = times.happened_at
    incident.resolution = args["resolution"]
    incident.resolved_as = principal.role
    incident.updated_at = times.received_at
    session.flush()
    return [("incident", incident)]


def mark_photo_received(session: Session, sha256: str, at: datetime, branch_id: uuid.UUID) -> list[Incident]:
    """Set ``received_at`` on every reference to ``sha256`` by an incident of ``branch_id``
    (the uploader's: another branch's incidents are not theirs to complete, #12); return
    the incidents changed."""
    refs = list(session.scalars(
        select(IncidentPhoto)
        .join(Incident, Incident.id == IncidentPhoto.incident_id)
        .where(IncidentPhoto.sha256 == sha256, IncidentPhoto.received_at.is_(None), Incident.branch_id == branch_id)
    ))
    for ref in refs:
        ref.received_at = at
    ids = {ref.incident_id for ref in refs}
    if not ids:
        return []
    incidents = list(session.scalars(select(Incident).where(Incident.id.in_(ids))))
    for incident in incidents:
        incident.updated_at = at
    session.flush()
    return incidents


def list_incidents(actor: Staff, branch_id: uuid.UUID, query: dict[str, Any]) -> tuple[list[Incident], int]:
    """A page of the branch's incidents, newest first, and the total matching.

    Filters: ``status`` (``open``/``resolved``/``all``), ``severity``, ``category``,
    ``missing_photos`` (only incidents with a photo that never arrived). Readers per
    ``ENTITY_READERS["incident"]``; others get :class:`Forbidden`/:class:`NotFound`.
    """
    readable_branch(actor, branch_id, "incident")
    q = select(Incident).where(Incident.branch_id == branch_id)
    if query["status"] != "all":
        q = q.where(Incident.status == query["status"])
    for key in ("severity", "category"):
        if query.get(key):
            q = q.where(getattr(Incident, key) == query[key])
    if query.get("missing_photos"):
        q = q.where(
            exists().where(IncidentPhoto.incident_id == Incident.id, IncidentPhoto.received_at.is_(None))
        )
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.session.scalars(
        q.order_by(Incident.happened_at.desc(), Incident.id).limit(query["limit"]).offset(query["offset"])
    )
    return list(rows), total


def readable_branch(actor: Staff, branch_id: uuid.UUID, entity: str) -> Branch:
    """The branch, if ``actor`` may read its ``entity`` records over REST (the pull table,
    R-SEC-10): :class:`Forbidden` for a role that never reads them, :class:`NotFound` for
    a branch that is not the actor's (or does not exist)."""
    readers = P.ENTITY_READERS.get(entity, frozenset())
    return require_role(actor, branch_id, readers, f"Your role does not see {entity} records.")


def may_see_photo(actor: Staff, sha256: str) -> bool:
    """A photo is visible to whoever uploaded it, and to readers of incidents of a branch
    that uploaded it and whose incident references it (R-SEC-10, #12): knowing a digest
    another branch uploaded gets nobody its bytes."""
    if db.session.get(PhotoUpload, (sha256, actor.id)) is not None:
        return True
    if actor.role not in P.ENTITY_READERS["incident"]:
        return False
    branches = db.session.scalars(
        select(Incident.branch_id)
        .join(IncidentPhoto, IncidentPhoto.incident_id == Incident.id)
        .join(PhotoUpload, (PhotoUpload.sha256 == IncidentPhoto.sha256) & (PhotoUpload.branch_id == Incident.branch_id))
        .where(IncidentPhoto.sha256 == sha256)
    ).all()
    return any(P.may_read_branch(actor.role, actor.branch_id, b, "incident") for b in set(branches))
