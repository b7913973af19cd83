"""Contractor entities and the badge check-in/out mutators (R-SEC-8, R-SEC-9).

Every contractor shape carries ``is_bank_staff: false`` and a ``display_name`` marked
``非本行 non-bank``. Refused check-ins are rejected mutations (kept by the engine).
"""
from __future__ import annotations

from typing import Any

from sync import Entity, MutationContext, Registry

from ..models.contractor import Contractor, ContractorVisit
from ..rules import permissions as P
from ..schemas import contractor as S
from ..services import contractor as contractor_service
from ..services.mutation import publish

BADGE_CODES = ("badge_unknown", "badge_expired", "badge_not_yet_valid", "badge_revoked")


def register(registry: Registry) -> None:
    """Register the contractor entities and mutators."""
    registry.add_entity(Entity(
        name="contractor", serialize=Contractor.to_dict,
        audiences=lambda c: P.party_audiences(c.branch_id, "contractor", c.staff_id), view=P.text_view,
        summary="A registered non-bank on-site person: employer, badge, scope, validity (R-SEC-8).",
    ))
    registry.add_entity(Entity(
        name="contractor_visit", serialize=ContractorVisit.to_dict,
        audiences=lambda v: P.party_audiences(v.branch_id, "contractor_visit", v.contractor_staff_id),
        summary="One stay on site of a contractor, check-in to check-out (R-SEC-8).",
    ))

    @registry.mutator("contractor.check_in", schema=S.ContractorCheckInArgs(),
                      roles=P.roles_for("contractor.check_in"),
                      rejection_codes=BADGE_CODES + ("badge_not_yours", "outside_scope", "already_checked_in",
                                                     "duplicate_record_id"))
    def contractor_check_in(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Check a contractor in by badge {visit_id, badge_no, area?} (R-SEC-8).

        From the contractor's own ``onsite`` device (own badge only) or a guard's. An
        unknown, revoked, expired or not-yet-valid badge is refused: the mutation is
        rejected with that code and kept by the engine with the badge number.
        """
        return publish(ctx, contractor_service.check_in, args)

    @registry.mutator("contractor.check_out", schema=S.ContractorCheckOutArgs(),
                      roles=P.roles_for("contractor.check_out"),
                      rejection_codes=("visit_not_found", "not_visit_owner", "visit_already_checked_out",
                                       "check_out_before_check_in"))
    def contractor_check_out(ctx: MutationContext, args: dict[str, Any]) -> Any:
        """Check a contractor out {visit_id} (R-SEC-8): their own device or a guard's."""
        return publish(ctx, contractor_service.check_out, args)
