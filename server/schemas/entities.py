"""The ``data`` of each entity a pull carries, by entity name (docs/entities.md).

The OpenAPI document lists them (``x-entities``, each a component schema) beside the
mutators' args schemas (``x-mutations``), so an integrator writes a client from the
document alone; tests/server/test_openapi.py validates real pulls against them.
"""
from __future__ import annotations

from marshmallow import Schema

from .checkpoint import CheckpointEntity
from .cleaning import CleaningOut
from .complaint import ComplaintCase
from .compliance import AlertOut, ObligationOut
from .contractor import ContractorOut, VisitOut
from .floor import CoachingOut, FloorRoundOut
from .handover import HandoverItemOut, HandoverOut
from .incident import IncidentOut
from .org import BranchOut, StaffEntity
from .patrol import PatrolOut
from .roster import RosterOut
from .shift import ShiftOut
from .suggestion import BoxCallbackOut, BoxEntryOut, BoxSessionOut

#: Entity name -> the schema of its ``data``.
ENTITY_DATA: dict[str, type[Schema]] = {
    "branch": BranchOut, "staff": StaffEntity, "shift": ShiftOut, "roster_shift": RosterOut,
    "handover": HandoverOut, "handover_item": HandoverItemOut, "cleaning": CleaningOut,
    "contractor": ContractorOut, "contractor_visit": VisitOut, "floor_round": FloorRoundOut,
    "coaching": CoachingOut, "checkpoint": CheckpointEntity, "patrol": PatrolOut, "incident": IncidentOut,
    "box_session": BoxSessionOut, "box_entry": BoxEntryOut, "box_callback": BoxCallbackOut,
    "complaint": ComplaintCase, "obligation": ObligationOut, "alert": AlertOut,
}
