"""One rule for every mutation's args (#11): an unknown key is refused the same way by
every mutator (``invalid_args``, the key named in ``errors``), never ignored by some and
refused by others."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

from server.schemas.base import Args
from tests.support.factories import new_id
from tests.server.services import lobby_support
from tests.support.pushpull import push_one


def test_every_mutator_refuses_an_unknown_key(app):
    mutators = app.extensions["sync_registry"].mutators
    assert len(mutators) >= 25
    for name, mutator in sorted(mutators.items()):
        assert isinstance(mutator.schema, Args), name  # the one base, with the one Meta
        with pytest.raises(ValidationError) as exc:
            mutator.schema.load({"not_an_arg": 1})
        assert exc.value.messages.get("not_an_arg") == ["Unknown field."], name


@pytest.mark.parametrize("role, name, args", [
    ("operations_manager", "coaching.record", lambda: {"demo_id": new_id(), "topic": "问候 greeting", "notes": "ok"}),
    ("guard", "incident.report", lambda: {"incident_id": new_id(), "category": "disorder", "location": "大堂",
                                          "description": "争执", "severity": "low"}),
    ("lobby_manager", "box.open", lambda: {"session_id": new_id(), "business_date": lobby_support.EVENING.isoformat()}),
])
def test_an_unknown_key_rejects_the_mutation_with_invalid_args(as_role, demo, role, name, args):
    actor = as_role(role)
    at = lobby_support.sh(17, 40) if name.startswith("box.") else None  # the box opens after close (R-BOX-1)
    res = push_one(actor, name, {**args(), "colour": "blue"}, at)
    assert res["status"] == "rejected" and res["error"]["code"] == "invalid_args", res
    assert res["error"]["errors"] == {"colour": ["Unknown field."]}
    assert push_one(actor, name, args(), at)["status"] == "applied"  # the same args without it
