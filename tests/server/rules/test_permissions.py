"""The permission table walked as data (R-SEC-8, R-SEC-10)."""
from __future__ import annotations

import uuid

import pytest

from server import create_app
from server.rules import permissions as P
from server.rules import roles as R
from server.sync_handlers.org import scope_for
from sync.registry import Principal

PART_A_MUTATIONS = {"shift.start", "shift.end", "shift.handover", "shift.handover.accept", "handover.item.close",
                    "cleaning.record", "contractor.check_in", "contractor.check_out", "floor_round.record",
                    "coaching.record"}
PART_A_ENTITIES = {"shift", "roster_shift", "handover", "handover_item", "cleaning", "contractor", "contractor_visit",
                   "floor_round", "coaching"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    path = tmp_path_factory.mktemp("perm") / "x.sqlite3"
    app = create_app({"database_url": f"sqlite:///{path}", "testing": True, "secret_key": "t"})
    return app.extensions["sync_registry"]


def test_every_part_a_mutator_is_registered_with_the_table_roles(registry):
    for name in PART_A_MUTATIONS:
        mutator = registry.get_mutator(name)
        assert mutator is not None and mutator.roles == P.roles_for(name) != frozenset()
        assert mutator.rejection_codes, name


def test_every_part_a_entity_is_registered_and_has_readers(registry):
    for name in PART_A_ENTITIES:
        registry.get_entity(name)
        assert P.ENTITY_READERS[name]
    assert set(P.OWN_RECORD_READERS) <= PART_A_ENTITIES | {"staff"}


def test_r_sec_10_field_roles_never_read_floor_rounds_or_coaching():
    for entity in ("floor_round", "coaching"):
        assert not (P.ENTITY_READERS[entity] & R.FIELD_ROLES)
        assert entity not in P.OWN_RECORD_READERS
        assert P.ENTITY_READERS[entity] <= R.CUSTOMER_DATA_ROLES


def test_r_sec_8_onsite_reads_nothing_branch_wide_but_the_org():
    assert P.readable_entities(R.ONSITE) == {"branch", "staff"}


def test_r_sec_10_field_roles_read_only_their_own_shifts():
    for role in R.FIELD_ROLES:
        assert "shift" not in P.readable_entities(role)
        assert role in P.OWN_RECORD_READERS["shift"]


@pytest.mark.parametrize("role", sorted(R.ROLES))
def test_scope_has_own_audiences_only_for_listed_roles(role):
    branch, me = uuid.uuid4(), uuid.uuid4()
    scope = scope_for(Principal(me, role, branch))
    own = {a for a in scope.audiences if "/staff/" in a}
    expected = {P.own_audience(branch, e, me) for e, roles in P.OWN_RECORD_READERS.items() if role in roles}
    assert own == expected


def test_own_and_branch_audiences_never_collide():
    branch, someone = uuid.uuid4(), uuid.uuid4()
    keys = P.party_audiences(branch, "shift", someone, None)
    assert keys == {f"{branch}/shift", f"{branch}/shift/staff/{someone}"}
