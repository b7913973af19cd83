"""The suggestion box through the sync engine (R-BOX-1..4): offline batches, rejections."""
from __future__ import annotations

import uuid

import pytest

from server.services.suggestion import COMPLAINT_OF_ENTRY
from tests.support.pushpull import push, push_one, visible
from tests.server.services.lobby_support import (
    EVENING, box_callback, box_close, box_entry, box_open, box_reply, codes, new_id, sh,
)


@pytest.fixture
def lobby(as_role):
    return as_role("lobby_manager")


def test_r_box_1_opened_after_close_of_business_and_late_shows(lobby):
    early, on_time, late = new_id(), new_id(), new_id()
    results = push(lobby, [
        box_open(early, sh(16, 30)),
        box_open(on_time, sh(17, 30), photo="a" * 64),
        box_open(late, sh(9, 0, EVENING.replace(day=28)), business_date=EVENING.replace(day=25)),
        box_open(new_id(), sh(18, 0)),
        box_open(new_id(), sh(9, 0, EVENING.replace(day=28)), business_date=EVENING.replace(day=29)),
    ])
    assert codes(results) == [
        "before_close_of_business", "applied", "applied", "session_exists", "future_business_date"]
    sessions = visible(lobby, "box_session")
    assert sessions[on_time]["opened_late"] is False and sessions[on_time]["photo_sha256"] == "a" * 64
    assert sessions[late]["opened_late"] is True and sessions[late]["business_date"] == "2026-11-25"
    assert sessions[on_time]["due_at"] == "2026-11-26T16:00:00Z"  # 24:00 local: the same day
    assert sessions[on_time]["times"]["happened_at"] == "2026-11-26T09:30:00Z"


def test_r_box_2_close_refused_with_the_entries_missing_a_reply(lobby):
    box = new_id()
    first, m1 = box_entry(box, sh(17, 35))
    second, m2 = box_entry(box, sh(17, 36), source="book", kind="praise", text="柜员很耐心")
    results = push(lobby, [box_open(box, sh(17, 30)), m1, m2, box_reply(first, sh(17, 40)), box_close(box, sh(17, 50), 1)])
    assert codes(results) == ["applied"] * 4 + ["replies_missing"]
    error = results[-1]["error"]
    assert error["code"] == "replies_missing" and error["errors"] == {"entries": [second]}
    assert error["rule"] == "R-BOX-2"
    again = push(lobby, [box_reply(second, sh(17, 52)), box_reply(second, sh(17, 53)), box_close(box, sh(17, 55), 1)])
    assert codes(again) == ["applied", "already_replied", "applied"]
    assert visible(lobby, "box_session")[box]["status"] == "closed"


def test_r_box_3_callbacks_every_attempt_kept_and_open_ones_need_a_reason(lobby):
    box = new_id()
    called, m1 = box_entry(box, sh(17, 35), contact="13900002222", customer_name="李女士")
    silent, m2 = box_entry(box, sh(17, 36), source="book")
    results = push(lobby, [
        box_open(box, sh(17, 30)), m1, m2, box_reply(called, sh(17, 40)), box_reply(silent, sh(17, 41)),
        box_callback(silent, "reached", sh(17, 45)),
        box_callback(called, "no_answer", sh(17, 46)),
        box_close(box, sh(17, 50), 1),
        box_callback(called, "no_answer", sh(18, 10)),
        box_callback(called, "reached", sh(18, 40), notes="客户表示满意"),
        box_callback(called, "no_answer", sh(18, 41)),
    ])
    assert codes(results) == ["applied"] * 5 + [
        "no_contact", "applied", "callbacks_open", "applied", "applied", "callback_done"]
    assert results[7]["error"]["errors"] == {"entries": [called]}
    calls = sorted((c for c in visible(lobby, "box_callback").values() if c["entry_id"] == called),
                   key=lambda c: c["attempt"])
    assert [(c["attempt"], c["outcome"]) for c in calls] == [(1, "no_answer"), (2, "no_answer"), (3, "reached")]
    entry = visible(lobby, "box_entry")[called]
    assert entry["callback_status"] == "reached" and entry["callback_attempts"] == 3
    assert entry["customer_name"] == "李女士"


def test_r_box_3_close_with_a_callback_open_when_a_reason_is_given(lobby):
    box = new_id()
    called, m1 = box_entry(box, sh(17, 35), contact="13900002222")
    results = push(lobby, [
        box_open(box, sh(17, 30)), m1, box_reply(called, sh(17, 40)), box_callback(called, "no_answer", sh(17, 46)),
        box_close(box, sh(17, 50), 1, callbacks_reason="客户电话关机，明日再拨"),
        box_entry(box, sh(17, 55))[1],
    ])
    assert codes(results) == ["applied"] * 5 + ["session_closed"]
    session = visible(lobby, "box_session")[box]
    assert session["open_callbacks"] == 1 and session["callbacks_reason"] == "客户电话关机，明日再拨"
    assert session["end_times"]["happened_at"] == "2026-11-26T09:50:00Z"


def test_r_box_1_an_empty_day_is_stated_never_silent(lobby):
    box = new_id()
    results = push(lobby, [
        box_open(box, sh(17, 30)), box_close(box, sh(17, 31), 0), box_close(box, sh(17, 32), 0, empty=True),
    ])
    assert codes(results) == ["applied", "empty_not_stated", "applied"]
    session = visible(lobby, "box_session")[box]
    assert session["empty"] is True and session["slip_count"] == 0


def test_r_box_4_a_complaint_entry_opens_its_case_in_the_same_push(lobby):
    box = new_id()
    entry_id, m = box_entry(box, sh(17, 35), kind="complaint", text="ATM吞卡无人处理", contact="13700003333")
    results = push(lobby, [box_open(box, sh(17, 30)), m])
    assert codes(results) == ["applied", "applied"]
    case_id = str(uuid.uuid5(COMPLAINT_OF_ENTRY, entry_id))
    entry = visible(lobby, "box_entry")[entry_id]
    assert entry["complaint_id"] == case_id and entry["follow_up"] == "open_case"
    case = visible(lobby, "complaint")[case_id]
    assert case["channel"] == "suggestion_box" and case["entry_id"] == entry_id
    assert case["owner_role"] == "lobby_manager" and case["level"] == "lobby_manager"
    assert case["summary"] == "ATM吞卡无人处理" and case["events"][0]["kind"] == "opened"


def test_unknown_session_and_entry_are_refused(lobby):
    results = push(lobby, [box_entry(new_id(), sh(17, 35))[1], box_reply(new_id(), sh(17, 36))])
    assert codes(results) == ["unknown_session", "unknown_entry"]


@pytest.mark.parametrize("role", ["guard", "teller", "operations_manager"])
def test_only_the_lobby_manager_keeps_the_box(as_role, role):
    [result] = [push_one(as_role(role), "box.open", {"session_id": new_id(), "business_date": "2026-11-26"}, sh(17, 30))]
    assert result["status"] == "rejected" and result["error"]["code"] == "forbidden"


def test_r_box_1_the_photo_of_the_opened_box_reaches_the_box_readers_only(lobby, as_role):
    from tests.support.helpers import make_image, sha

    data = make_image("PNG", seed=7)
    assert lobby.put(f"/api/photos/{sha(data)}", data=data, content_type="image/png").status_code == 201
    box = new_id()
    assert codes(push(lobby, [box_open(box, sh(17, 30), photo=sha(data))])) == ["applied"]
    assert as_role("service_quality_officer").get(f"/api/photos/{sha(data)}").data == data
    assert as_role("guard").get(f"/api/photos/{sha(data)}").status_code == 404
