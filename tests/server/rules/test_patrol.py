"""R-SEC-5 patrol notes, label payloads and code acceptance (pure)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from server.rules import patrol as PR

T = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)


def test_r_sec_5_fault_or_anomaly_raises_an_incident():
    assert not PR.raises_incident({"atm": "ok", "doors": "ok"}, None)
    assert not PR.raises_incident({"atm": "ok"}, "   ")
    assert PR.raises_incident({"atm": "fault"}, None)
    assert PR.raises_incident({"atm": "ok"}, "broken glass")
    assert "ATMs working" in PR.incident_description({"atm": "fault"}, "card slot loose")


def test_label_payload_round_trips():
    payload = PR.label_payload("DEMO01", "abc-_XYZ123")
    assert payload == "bfo://checkpoint?v=1&branch=DEMO01&code=abc-_XYZ123"
    assert PR.parse_label_payload(payload) == ("DEMO01", "abc-_XYZ123")
    assert PR.parse_label_payload(" abc ") == (None, "abc")


@pytest.mark.parametrize("bad", ["bfo://other?v=1&code=x", "bfo://checkpoint?v=2&code=x", "bfo://checkpoint?v=1"])
def test_label_payload_of_another_kind_is_refused(bad):
    with pytest.raises(ValueError):
        PR.parse_label_payload(bad)


def judge(**kw):
    base = dict(found=True, same_branch=True, active=True, issued_at=T, retired_at=None,
                happened_at=T + timedelta(hours=1), clock_suspect=False)
    return PR.judge_code(**{**base, **kw})


def test_r_sec_5_code_verdicts():
    assert judge() == "current"
    assert judge(found=False) == "unknown_checkpoint"
    assert judge(same_branch=False) == "unknown_checkpoint"
    assert judge(active=False) == "unknown_checkpoint"
    assert judge(retired_at=T + timedelta(minutes=30)) == "checkpoint_code_rotated"
    # made offline before the rotation, with a trustworthy clock: still proves the patrol
    assert judge(retired_at=T + timedelta(hours=2)) == "was_current"
    assert judge(retired_at=T + timedelta(hours=2), clock_suspect=True) == "checkpoint_code_rotated"
