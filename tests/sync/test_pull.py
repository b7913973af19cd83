"""sync-protocol "Pull" clauses: reset, pages, cursors, tombstones, scope."""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

from conftest import Device, signed_in
from sync_testing import Note, save_note

from server.extensions import db
from server.models.org import Staff
from server.sync_setup import record_delete, record_put
from sync.cursor import Cursor, CursorCodec


def test_first_pull_is_a_reset_snapshot_of_the_whole_scope(device):
    guard = device("guard")
    guard.push(guard.note("a"), guard.note("b"))
    page = guard.pull(cursor=None)
    assert page["reset"] is True and page["has_more"] is False
    assert sorted(n["text"] for n in guard.notes().values()) == ["a", "b"]
    assert page["server_time"] == "2026-11-28T02:00:00Z"
    assert page["last_mutation_id"] == 2


def test_pages_follow_while_has_more_and_reset_comes_only_on_the_first(device):
    guard = device("guard")
    guard.push(*[guard.note(str(i)) for i in range(5)])
    pages = [guard.pull(cursor=None, limit=2)]
    while pages[-1]["has_more"]:
        pages.append(guard.pull(limit=2))
    assert [p["reset"] for p in pages] == [True] + [False] * (len(pages) - 1)
    assert all(len(p["changes"]) <= 2 for p in pages)
    assert sorted(n["text"] for n in guard.notes().values()) == [str(i) for i in range(5)]
    seen = [(c["entity"], c["id"]) for p in pages for c in p["changes"]]
    assert len(seen) == len(set(seen))


def test_pull_from_a_cursor_returns_later_changes_once_in_order(device):
    guard = device("guard")
    keep = uuid.uuid4()
    guard.push(guard.note("a", note_id=keep), guard.note("b"))
    guard.sync()
    guard.push(guard.note("c"), guard.note("a2", note_id=keep))
    page = guard.pull()
    assert page["reset"] is False
    assert [c["data"]["text"] for c in page["changes"]] == ["c", "a2"]
    again = guard.pull()
    assert again["changes"] == [] and again["has_more"] is False


def test_a_delete_reaches_the_client_as_a_tombstone(device):
    guard = device("guard")
    gone = uuid.uuid4()
    guard.push(guard.note("x", note_id=gone))
    guard.sync()
    guard.push(guard.mutation("note.delete", {"note_id": str(gone)}))
    page = guard.pull()
    assert page["changes"] == [{"entity": "note", "id": str(gone), "op": "delete"}]
    assert str(gone) not in guard.notes()


def test_a_record_made_and_deleted_in_one_push_leaves_nothing_in_the_feed(device):
    guard, other = device("guard"), device("guard", index=1)
    other.sync()
    short = uuid.uuid4()
    guard.push(guard.note("x", note_id=short), guard.mutation("note.delete", {"note_id": str(short)}))
    assert other.pull()["changes"] == []


def test_a_reset_snapshot_may_skip_tombstones(device):
    guard = device("guard")
    gone = uuid.uuid4()
    guard.push(guard.note("x", note_id=gone))
    guard.push(guard.mutation("note.delete", {"note_id": str(gone)}))
    page = guard.pull(cursor=None)
    assert all(c["op"] == "put" for c in page["changes"])


def test_rows_leaving_a_scope_come_back_as_deletes(device):
    guard, manager = device("guard"), device("lobby_manager")
    moving = uuid.uuid4()
    guard.push(guard.note("first public", note_id=moving))
    guard.sync()
    manager.sync()
    manager.push(manager.note("now customer data", note_id=moving, tags=["customer"]))
    assert guard.pull()["changes"] == [{"entity": "note", "id": str(moving), "op": "delete"}]
    page = manager.pull()  # left "public", entered "customer": both in its scope
    assert [(c["op"], c["data"]["text"]) for c in page["changes"]] == [("put", "now customer data")]
    assert manager.notes()[str(moving)]["tags"] == ["customer"]


def test_leaving_one_audience_for_another_in_scope_across_pages_ends_as_a_put(device):
    guard, manager = device("guard"), device("lobby_manager")
    moving = uuid.uuid4()
    guard.push(guard.note("public", note_id=moving))
    manager.sync()
    manager.push(manager.note("customer", note_id=moving, tags=["customer"]))
    page = manager.pull(limit=1)  # the tombstone of "public" (lower seq) first
    assert page["has_more"] is True and page["changes"][0]["op"] == "delete"
    manager.sync(limit=1)
    assert manager.notes()[str(moving)]["text"] == "customer"


def test_same_record_in_two_audiences_of_a_scope_appears_once_per_page(device):
    manager = device("lobby_manager")
    manager.push(manager.note("both", tags=["public", "customer"]))
    page = manager.pull(cursor=None)
    assert [c["data"]["text"] for c in page["changes"] if c["entity"] == "note"] == ["both"]


def test_nothing_outside_the_scope_reaches_a_device(device, notes, client, clock):
    guard, manager = device("guard"), device("lobby_manager")
    manager.push(manager.note("customer name: 王", tags=["customer"]))
    with notes.app_context():
        from server.services import org

        other = org.create_branch("OTHER1", "Other branch", clock.now())
        org.create_staff("OTHER-G1", "Other guard", "guard", other.id, "other-pass-1", clock.now())
        db.session.commit()
    stranger = Device(signed_in(client, "OTHER-G1", "other-pass-1"), clock)
    stranger.push(stranger.note("other branch public"))
    guard.sync()
    assert [n["text"] for n in guard.notes().values()] == []
    assert all(d.get("branch_id") in (None, guard.rc.staff["branch_id"]) for (e, _), d in guard.copy.items() if e == "staff")
    stranger.sync()
    assert [n["text"] for n in stranger.notes().values()] == ["other branch public"]
    manager.sync()
    assert [n["text"] for n in manager.notes().values()] == ["customer name: 王"]


def test_a_guard_pull_never_carries_customer_data(device):
    guard, manager = device("guard"), device("lobby_manager")
    manager.push(manager.mutation("note.secret", {"note_id": str(uuid.uuid4()), "text": "13800000000"}))
    for page in guard.sync():
        assert "13800000000" not in str(page)


def test_a_cursor_not_ours_is_400_bad_cursor(device, notes):
    guard = device("guard")
    guard.sync()
    scope_fp = Cursor(1, 0, "x")
    forged = CursorCodec("another-secret").encode(scope_fp)
    tampered = guard.cursor[:-2] + ("AA" if guard.cursor[-2:] != "AA" else "BB")
    for bad in ("garbage", forged, tampered, "a.b", "c2.1.0.x.\ud800", guard.cursor + "\ud800"):
        resp = guard.pull_raw(cursor=bad)
        assert resp.status_code == 400 and resp.get_json()["code"] == "bad_cursor", bad


def test_a_cursor_issued_before_format_2_continues_without_a_reset(device, notes):
    from itsdangerous import URLSafeSerializer

    from sync.cursor import SALT

    guard = device("guard")
    guard.push(guard.note("a"))
    guard.sync()
    held = notes.extensions["sync_engine"].cursors.decode(guard.cursor)
    old = URLSafeSerializer(notes.extensions["settings"].secret_key, salt=SALT).dumps([held.protocol, held.seq, held.fingerprint])
    guard.push(guard.note("b"))
    page = guard.pull(cursor=old)
    assert page["reset"] is False and [c["data"]["text"] for c in page["changes"]] == ["b"]
    assert guard.cursor.startswith("c2.")
    # Nothing new: an empty poll answers the cursor it was sent, but never an old-format one.
    current = guard.cursor
    assert guard.pull()["cursor"] == current
    held = notes.extensions["sync_engine"].cursors.decode(current)
    old = URLSafeSerializer(notes.extensions["settings"].secret_key, salt=SALT).dumps([held.protocol, held.seq, held.fingerprint])
    page = guard.pull(cursor=old)
    assert page["changes"] == [] and page["reset"] is False and page["cursor"] == current


def test_scope_change_resets(device, notes):
    guard = device("guard")
    guard.push(guard.note("x"))
    guard.sync()
    assert guard.pull()["reset"] is False
    with notes.app_context():
        staff = db.session.get(Staff, uuid.UUID(guard.rc.staff["id"]))
        staff.role = "lobby_manager"
        db.session.commit()
    page = guard.pull()
    assert page["reset"] is True


def test_branch_change_resets_and_drops_the_old_branch(device, notes, clock):
    guard = device("guard")
    guard.push(guard.note("old branch"))
    guard.sync()
    with notes.app_context():
        from server.services import org

        other = org.create_branch("MOVED1", "New branch", clock.now())
        staff = db.session.get(Staff, uuid.UUID(guard.rc.staff["id"]))
        staff.branch_id = other.id
        db.session.commit()
    page = guard.pull()
    assert page["reset"] is True
    assert guard.notes() == {}


def test_cursor_from_another_protocol_version_resets(device, notes):
    guard = device("guard")
    guard.sync()
    codec = notes.extensions["sync_engine"].cursors
    old = codec.decode(guard.cursor)
    assert guard.pull(cursor=codec.encode(replace(old, protocol=0)))["reset"] is True


def test_cursor_older_than_the_compaction_horizon_resets(device, notes, clock):
    engine = notes.extensions["sync_engine"]
    engine.settings = replace(engine.settings, tombstone_horizon=timedelta(days=1))
    guard = device("guard")
    gone = uuid.uuid4()
    guard.push(guard.note("x", note_id=gone))
    guard.sync()
    old_cursor = guard.cursor
    guard.push(guard.mutation("note.delete", {"note_id": str(gone)}))
    clock.advance(days=2)
    guard.push(guard.note("y"))
    fresh = guard.sync() and guard.cursor
    with notes.app_context():
        assert notes.extensions["sync_engine"].compact(db.session) == 1
    assert guard.pull(cursor=old_cursor)["reset"] is True  # it would need the compacted delete
    assert guard.pull(cursor=fresh)["reset"] is False


def test_limit_is_capped_by_the_setting(device, notes):
    engine = notes.extensions["sync_engine"]
    engine.settings = replace(engine.settings, pull_max_limit=2)
    guard = device("guard")
    guard.push(*[guard.note(str(i)) for i in range(3)])
    page = guard.pull(cursor=None, limit=100)
    assert page["has_more"] is True and len(page["changes"]) <= 2


def test_last_mutation_id_lets_the_client_drop_acknowledged_mutations(device):
    guard = device("guard")
    guard.push(guard.note(), guard.note("reject"))
    assert guard.pull(cursor=None)["last_mutation_id"] == 2


def test_changes_published_by_a_service_outside_a_push_reach_pulls(device, notes, demo):
    guard = device("guard")
    guard.sync()
    branch = uuid.UUID(demo["branch_id"])
    kept, dropped = Note(uuid.uuid4(), branch, "from a service", ["public"]), Note(uuid.uuid4(), branch, "rolled back", ["public"])
    with notes.test_request_context():
        save_note(db.session, kept)
        record_put("note", kept)
        db.session.commit()
        save_note(db.session, dropped)
        record_put("note", dropped)
        db.session.rollback()
    assert [c["data"]["text"] for c in guard.pull()["changes"]] == ["from a service"]
    with notes.test_request_context():
        record_delete("note", kept.id)
        db.session.commit()
    assert guard.pull()["changes"] == [{"entity": "note", "id": str(kept.id), "op": "delete"}]


def test_after_paging_the_copy_equals_the_server_view_of_the_scope(device, notes):
    guard, manager = device("guard"), device("lobby_manager")
    ids = [uuid.uuid4() for _ in range(6)]
    manager.push(*[manager.note(f"n{i}", note_id=n, tags=["public"] if i % 2 else ["customer"]) for i, n in enumerate(ids)])
    guard.sync(limit=2)
    manager.push(manager.note("moved", note_id=ids[0], tags=["public"]), manager.note("hidden", note_id=ids[1], tags=["customer"]),
                 manager.mutation("note.delete", {"note_id": str(ids[3])}))
    guard.sync(limit=2)
    assert sorted(n["text"] for n in guard.notes().values()) == ["moved", "n5"]


def test_flask_sync_compact_drops_old_tombstones_only(device, notes, clock):
    guard = device("guard")
    gone, kept = uuid.uuid4(), uuid.uuid4()
    guard.push(guard.note("x", note_id=gone), guard.note("y", note_id=kept))
    guard.push(guard.mutation("note.delete", {"note_id": str(gone)}))
    runner = notes.test_cli_runner()
    assert runner.invoke(args=["sync", "compact"]).output.strip() == '{"compacted": 0}'
    engine = notes.extensions["sync_engine"]
    engine.settings = replace(engine.settings, tombstone_horizon=timedelta(hours=1))
    clock.advance(hours=2)
    assert runner.invoke(args=["sync", "compact"]).output.strip() == '{"compacted": 1}'
    assert runner.invoke(args=["sync", "compact"]).output.strip() == '{"compacted": 0}'
    assert [c["data"]["text"] for c in guard.pull(cursor=None)["changes"] if c["entity"] == "note"] == ["y"]


def test_the_scheduled_job_compacts_like_the_command(device, notes, clock):
    """``sync.compact_tombstones`` runs in the leading scheduler (hourly) and drops what
    ``flask sync compact`` drops; a device behind it gets a reset."""
    from server.jobs import all_jobs
    from server.jobs.runner import LeaderScheduler

    guard = device("guard")
    gone = uuid.uuid4()
    guard.push(guard.note("x", note_id=gone), guard.note("y"))
    guard.sync()
    old_cursor = guard.cursor
    guard.push(guard.mutation("note.delete", {"note_id": str(gone)}))
    job = next(j for j in all_jobs() if j.id == "sync.compact_tombstones")
    scheduler = LeaderScheduler(notes, holder="test")
    assert scheduler.heartbeat()
    assert scheduler.run_job(job) == 0
    engine = notes.extensions["sync_engine"]
    engine.settings = replace(engine.settings, tombstone_horizon=timedelta(hours=1))
    clock.advance(hours=2)
    assert scheduler.heartbeat()  # a leader whose lease ran out acts only after renewing it
    assert scheduler.run_job(job) == 1
    assert scheduler.run_job(job) == 0
    page = guard.pull(cursor=old_cursor)
    assert page["reset"] is True and [c["data"]["text"] for c in page["changes"] if c["entity"] == "note"] == ["y"]


def test_both_page_strategies_return_the_same_pages(device, monkeypatch):
    from sync import store

    manager = device("lobby_manager")
    manager.push(*[manager.note(str(i), tags=[["public"], ["customer"], ["public", "customer"]][i % 3]) for i in range(9)])
    manager.cursor = None
    merged = [p["changes"] for p in manager.sync(limit=2)]
    monkeypatch.setattr(store, "MERGE_MAX_AUDIENCES", 0)
    manager.cursor = None
    scanned = [p["changes"] for p in manager.sync(limit=2)]
    # A record in two audiences may come once per page it spans; the client applies puts idempotently.
    assert merged == scanned and len({c["id"] for p in merged for c in p if c["entity"] == "note"}) == 9


def _last_pull_at(notes, device):
    with notes.app_context():
        (info,) = notes.extensions["sync_engine"].clients(db.session, staff_ids=[uuid.UUID(device.rc.staff["id"])])
        return info["last_pull_at"]


def test_last_pull_at_is_written_at_most_once_per_interval(device, notes, clock):
    """sync-protocol "Supervision": a pull within 10 s of the recorded one is a pure read."""
    guard = device("guard")
    guard.sync()
    first = clock.now()
    assert _last_pull_at(notes, guard) == first
    clock.advance(seconds=5)
    guard.pull()
    assert _last_pull_at(notes, guard) == first
    clock.advance(seconds=6)
    guard.pull()
    assert _last_pull_at(notes, guard) == clock.now()


def test_a_pull_after_a_branch_change_records_it_at_once(device, notes, clock):
    guard = device("guard")
    guard.sync()
    with notes.app_context():
        from server.services import org

        other = org.create_branch("MOVED2", "New branch", clock.now()).id
        db.session.get(Staff, uuid.UUID(guard.rc.staff["id"])).branch_id = other
        db.session.commit()
    clock.advance(seconds=1)
    assert guard.pull()["reset"] is True
    assert _last_pull_at(notes, guard) == clock.now()
    with notes.app_context():
        (info,) = notes.extensions["sync_engine"].clients(db.session, staff_ids=[uuid.UUID(guard.rc.staff["id"])])
        assert info["branch_id"] == other


def test_another_members_client_id_is_403_on_every_kind_of_pull(device):
    owner = device("guard")
    owner.sync()
    thief = device("guard", index=1, client_id=owner.client_id)
    for resp in (thief.pull_raw(cursor=None), thief.pull_raw(cursor=owner.cursor),
                 thief.pull_raw(cursor=owner.cursor, wait=1)):
        assert resp.status_code == 403 and resp.get_json()["code"] == "client_owned_by_other", resp.get_json()
