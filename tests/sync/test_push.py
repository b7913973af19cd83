"""sync-protocol "Push" clauses, one test (or more) each, on SQLite and PostgreSQL."""
from __future__ import annotations

import logging
import uuid
from typing import Any

from sync_testing import load_note

from server.extensions import db
from server.services.auth import hash_token


def notes_in_db(app):
    from sync_testing import note_table

    with app.app_context():
        return {str(r.id): r.text for r in db.session.execute(note_table.select())}


def log_of(app, client_id):
    with app.app_context():
        return app.extensions["sync_engine"].list_mutations(db.session, client_id=client_id, limit=1000)


def test_applied_mutations_answer_one_result_each_in_order(device, notes):
    guard = device("guard")
    body = guard.push(guard.note("a"), guard.note("b"), guard.note("c"))
    assert body["results"] == [{"id": i, "status": "applied"} for i in (1, 2, 3)]
    assert body["last_mutation_id"] == 3
    assert body["server_time"] == "2026-11-28T02:00:00Z"
    assert sorted(notes_in_db(notes).values()) == ["a", "b", "c"]


def test_last_mutation_id_is_0_before_the_first_push(device):
    assert device("guard").pull(cursor=None)["last_mutation_id"] == 0


def test_duplicate_is_not_applied_again_and_repeats_the_original_outcome(device, notes):
    guard = device("guard")
    batch = [guard.note("a"), guard.note("reject"), guard.note("c")]
    first = guard.push(*batch)
    again = guard.push(*batch)
    assert again["last_mutation_id"] == 3
    for old, new in zip(first["results"], again["results"]):
        assert new == {**old, "duplicate": True}
    assert again["results"][1]["status"] == "rejected"
    assert len(log_of(notes, guard.client_id)) == 3
    assert sorted(notes_in_db(notes).values()) == ["a", "c"]


def test_batch_mixing_duplicates_and_new_ids_applies_only_the_new(device, notes):
    guard = device("guard")
    m1, m2 = guard.note("a"), guard.note("b")
    guard.push(m1)
    body = guard.push(m1, m2)
    assert body["results"] == [{"id": 1, "status": "applied", "duplicate": True}, {"id": 2, "status": "applied"}]
    assert len(notes_in_db(notes)) == 2


def test_gap_refuses_the_whole_batch_409_with_last_mutation_id(device, notes):
    guard = device("guard")
    guard.push(guard.note("a"))
    guard.next_id = 3  # id 2 never sent
    resp = guard.push_raw([guard.note("c"), guard.note("d")])
    assert resp.status_code == 409
    problem = resp.get_json()
    assert problem["code"] == "mutation_gap" and problem["last_mutation_id"] == 1
    assert sorted(notes_in_db(notes).values()) == ["a"]
    assert len(log_of(notes, guard.client_id)) == 1


def test_first_push_starting_above_1_is_a_gap(device):
    guard = device("guard")
    guard.next_id = 2
    resp = guard.push_raw([guard.note()])
    assert resp.status_code == 409 and resp.get_json()["last_mutation_id"] == 0


def test_unknown_mutation_is_rejected_and_consumes_its_id(device):
    guard = device("guard")
    body = guard.push(guard.mutation("no.such", {}), guard.note("after"))
    assert body["results"][0]["status"] == "rejected"
    assert body["results"][0]["error"]["code"] == "unknown_mutation"
    assert body["results"][1] == {"id": 2, "status": "applied"}
    assert body["last_mutation_id"] == 2


def test_role_not_allowed_is_rejected_forbidden(device):
    guard = device("guard")
    body = guard.push(guard.mutation("note.secret", {"note_id": str(uuid.uuid4()), "text": "x"}))
    assert body["results"][0]["error"]["code"] == "forbidden"
    manager = device("lobby_manager")
    assert manager.push(manager.mutation("note.secret", {"note_id": str(uuid.uuid4()), "text": "x"}))["results"][0][
        "status"
    ] == "applied"


def test_args_failing_the_schema_are_rejected_invalid_args_with_errors(device):
    guard = device("guard")
    body = guard.push(guard.mutation("note.put", {"note_id": "nope"}), guard.mutation("note.put", ["x"]))
    first, second = body["results"]
    assert first["error"]["code"] == "invalid_args"
    assert set(first["error"]["errors"]) == {"note_id", "text"}
    assert second["error"]["code"] == "invalid_args" and "args" in second["error"]["errors"]


def test_bad_at_is_rejected_invalid_at(device):
    guard = device("guard")
    body = guard.push(guard.note(at="not a time"), guard.note(at="2026-11-28T10:00:00"))  # 2nd: no offset
    assert [r["error"]["code"] for r in body["results"]] == ["invalid_at", "invalid_at"]


def test_business_rule_rejection_carries_code_rule_and_undoes_the_write(device, notes):
    guard = device("guard")
    note_id = uuid.uuid4()
    body = guard.push(guard.note("reject", note_id=note_id))
    assert body["results"][0]["status"] == "rejected"
    assert body["results"][0]["error"] == {"code": "note_rejected", "message": "Notes may not say 'reject'.", "rule": "R-TEST-1"}
    with notes.app_context():
        assert load_note(db.session, note_id) is None
    assert [c for c in guard.pull(cursor=None)["changes"] if c["entity"] == "note"] == []  # its ctx.put was undone too


def test_handler_bug_is_rejected_internal_error_logged_and_rolled_back(device, notes, caplog):
    guard = device("guard")
    with caplog.at_level(logging.ERROR, logger="sync.engine"):
        body = guard.push(guard.note("boom"), guard.note("fine"))
    assert body["results"][0]["status"] == "rejected"
    assert body["results"][0]["error"]["code"] == "internal_error"
    assert body["results"][1]["status"] == "applied"
    assert any("failed in its handler" in r.message and r.exc_info for r in caplog.records)
    assert list(notes_in_db(notes).values()) == ["fine"]


def test_rejected_mutation_is_kept_raw_with_error_actor_and_times(device, notes):
    guard = device("guard")
    garbage = {"id": 1, "name": ["not", "a", "name"], "at": 17, "args": "??", "extra": {"kept": True}}
    guard.push_raw([garbage])
    (entry,) = log_of(notes, guard.client_id)
    assert entry["raw"] == garbage
    assert entry["status"] == "rejected" and entry["error"]["code"] == "unknown_mutation"
    assert entry["staff_id"] == guard.rc.staff["id"]
    assert entry["session_id"] is not None
    assert entry["received_at"] == "2026-11-28T02:00:00Z" and entry["sent_at"] == "2026-11-28T02:00:00Z"


def test_supervisors_list_rejected_mutations_of_their_branch(device, as_role, demo):
    guard = device("guard")
    guard.push(guard.note("reject"), guard.note("ok"), guard.mutation("nope", {}))
    manager = as_role("operations_manager")
    resp = manager.get(f"/api/branches/{demo['branch_id']}/rejected-mutations?limit=1")
    assert resp.status_code == 200
    page = resp.get_json()
    assert len(page["items"]) == 1 and page["next_offset"] == 1
    rest = manager.get(f"/api/branches/{demo['branch_id']}/rejected-mutations?offset=1").get_json()
    codes = {i["error"]["code"] for i in page["items"] + rest["items"]}
    assert codes == {"note_rejected", "unknown_mutation"} and rest["next_offset"] is None
    log = manager.get(f"/api/sync/clients/{guard.client_id}/mutations").get_json()
    assert [i["id"] for i in log["items"]] == [3, 2, 1] and log["client"]["last_mutation_id"] == 3


def test_rejected_mutations_listing_is_for_supervisors_of_the_branch(device, as_role, demo):
    guard = device("guard")
    guard.push(guard.note("reject"))
    assert as_role("guard").get(f"/api/branches/{demo['branch_id']}/rejected-mutations").status_code == 403
    assert as_role("lobby_manager").get(f"/api/sync/clients/{guard.client_id}/mutations").status_code == 403
    other = as_role("operations_manager").get(f"/api/branches/{uuid.uuid4()}/rejected-mutations")
    assert other.status_code == 404
    assert as_role("admin").get(f"/api/sync/clients/{uuid.uuid4()}/mutations").status_code == 404


def test_client_id_of_another_staff_member_is_403_client_owned_by_other(device):
    first = device("guard")
    first.push(first.note())
    thief = device("guard", index=1, client_id=first.client_id)
    resp = thief.push_raw([thief.note()])
    assert resp.status_code == 403 and resp.get_json()["code"] == "client_owned_by_other"
    assert thief.pull_raw(cursor=None).get_json()["code"] == "client_owned_by_other"


def test_first_pull_binds_the_client_id_too(device):
    first = device("guard")
    first.pull(cursor=None)
    thief = device("guard", index=1, client_id=first.client_id)
    assert thief.push_raw([thief.note()]).status_code == 403


def test_revoked_token_gets_401_on_push_and_pull_at_once(device, notes):
    guard = device("guard")
    guard.push(guard.note())
    with notes.app_context():
        from server.models.org import DeviceSession

        session = db.session.scalar(
            db.select(DeviceSession).where(DeviceSession.token_hash == hash_token(guard.rc.token))
        )
        session.revoked_at = notes.extensions["clock"].now()
        db.session.commit()
    for resp in (guard.push_raw([guard.note()]), guard.pull_raw(cursor=None)):
        assert resp.status_code == 401 and resp.get_json()["code"] == "unauthenticated"


def test_no_token_is_401(client):
    assert client.post("/api/sync/push", json={}).status_code == 401
    assert client.post("/api/sync/pull", json={}).status_code == 401


def test_engine_reports_when_each_device_last_synced(device, notes, clock):
    guard = device("guard")
    guard.push(guard.note())
    clock.advance(minutes=5)
    guard.pull(cursor=None)
    with notes.app_context():
        (info,) = notes.extensions["sync_engine"].clients(db.session, staff_ids=[uuid.UUID(guard.rc.staff["id"])])
    assert info["client_id"] == guard.client_id and info["last_mutation_id"] == 1
    assert info["last_push_at"] < info["last_pull_at"] == info["synced_at"] == clock.now()


def test_a_database_error_mid_batch_rejects_only_its_mutation(device, notes, caplog):
    """The engine applies a run of mutations under one SAVEPOINT and replays the run with
    one SAVEPOINT each when a handler fails: a failed statement (which aborts the
    transaction on PostgreSQL) in the middle leaves only its log row; the others apply,
    each once, with their feed rows."""
    from sqlalchemy import text as sql
    from sync_testing import ROLES, NotePutArgs, note_put

    from sync.registry import Mutator

    def broken(ctx: Any, args: dict[str, Any]) -> None:
        note_put(ctx, {**args, "text": "never"})
        ctx.session.execute(sql("SELECT * FROM sync_no_such_table"))

    registry = notes.extensions["sync_registry"]
    registry.add_mutator(Mutator("note.broken", NotePutArgs(), broken, frozenset(ROLES)))
    guard = device("guard")
    first, second = guard.note("a"), guard.note("b")
    bad = guard.mutation("note.broken", {"note_id": str(uuid.uuid4()), "text": "x", "tags": ["public"]})
    last = guard.note("c")
    with caplog.at_level(logging.ERROR, logger="sync.engine"):
        body = guard.push(first, second, bad, last)
    assert [r["status"] for r in body["results"]] == ["applied", "applied", "rejected", "applied"]
    assert body["results"][2]["error"]["code"] == "internal_error"
    assert sorted(notes_in_db(notes).values()) == ["a", "b", "c"]
    pulled = [c["data"]["text"] for c in guard.pull(cursor=None)["changes"] if c["entity"] == "note"]
    assert sorted(pulled) == ["a", "b", "c"]
    log = sorted(log_of(notes, guard.client_id), key=lambda e: e["id"])
    assert [e["status"] for e in log] == ["applied", "applied", "rejected", "applied"]
    assert any("failed in its handler" in r.message for r in caplog.records)
