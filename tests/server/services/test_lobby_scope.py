"""R-SEC-10 for the lobby: customer data reaches only the roles domain.md allows, in pulls."""
from __future__ import annotations

import json

import pytest

from server.services.demo import seed_demo
from tests.conftest import DEMO_PASSWORD, RoleClient, login
from tests.support.factories import regional_officer
from tests.support.pushpull import pull, push
from tests.server.services.lobby_support import box_entry, box_open, codes, complaint_open, new_id, sh

CUSTOMER = ("王小明", "13911112222", "存款被多扣了手续费")
LOBBY_ENTITIES = {"box_session", "box_entry", "box_callback", "complaint"}


@pytest.fixture
def evening(as_role):
    """An evening with a box entry, a complaint from it, and a regulator letter."""
    lobby = as_role("lobby_manager")
    box = new_id()
    _, entry = box_entry(box, sh(17, 35), kind="complaint", text=CUSTOMER[2], customer_name=CUSTOMER[0],
                         contact=CUSTOMER[1])
    _, letter = complaint_open("regulator_letter", sh(17, 40), customer_name=CUSTOMER[0], contact=CUSTOMER[1])
    assert codes(push(lobby, [box_open(box, sh(17, 30)), entry, letter])) == ["applied"] * 3
    return lobby


def _holds_customer_data(held) -> bool:
    text = json.dumps(list(held.values()), ensure_ascii=False)
    return any(value in text for value in CUSTOMER)


@pytest.mark.parametrize("role", ["guard", "cleaner", "onsite", "admin"])
def test_r_sec_10_field_roles_never_pull_the_lobby(evening, as_role, role):
    held = pull(as_role(role))
    assert not {entity for entity, _ in held} & LOBBY_ENTITIES
    assert not _holds_customer_data(held)


@pytest.mark.parametrize(
    ("role", "entities"),
    [
        ("teller", {"complaint"}),
        ("relationship_manager", {"complaint"}),
        ("lobby_manager", LOBBY_ENTITIES),
        ("service_quality_officer", LOBBY_ENTITIES),
        ("operations_manager", LOBBY_ENTITIES),
        ("branch_president", LOBBY_ENTITIES),
    ],
)
def test_r_sec_10_customer_data_roles_of_the_branch_pull_it(evening, as_role, role, entities):
    held = pull(as_role(role))
    assert {entity for entity, _ in held} & LOBBY_ENTITIES == entities
    assert _holds_customer_data(held)


def test_r_sec_10_another_branch_gets_nothing(evening, app, client, demo):
    with app.app_context():
        other = seed_demo(DEMO_PASSWORD, app.extensions["clock"].now(), code="DEMO02")
    for no, account in other["accounts"].items():
        body = login(client, no)
        held = pull(RoleClient(client, body["token"], body["staff"]))
        lobby = [data for (entity, _), data in held.items() if entity in LOBBY_ENTITIES]
        assert all(data["branch_id"] == other["branch_id"] for data in lobby), account["role"]
        assert not _holds_customer_data(held), account["role"]


def test_r_sec_10_regional_officers_get_only_cases_escalated_to_them(evening, app, client):
    held = pull(regional_officer(app, client))
    cases = [data for (entity, _), data in held.items() if entity == "complaint"]
    assert [c["channel"] for c in cases] == ["regulator_letter"]
    assert not {entity for entity, _ in held} & {"box_session", "box_entry", "box_callback"}
