"""Who is on shift at an instant (R-SEC-2's one predicate, ``services.shift``): an open
shift runs on however old it is, an ended one until its end; a new shift's gap counts
from the post's covering or last-ended shift. The reads stay short index ranges however
long the person's or the post's history (#17)."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event

from server.extensions import db
from server.models.shift import Shift
from server.services.shift import ShiftsOf, _previous_on_post, shift_at
from tests.conftest import T0

H, D = timedelta(hours=1), timedelta(days=1)


def _shift(demo, staff, start, end=None, post="security"):
    row = Shift(id=uuid.uuid4(), branch_id=uuid.UUID(demo["branch_id"]), staff_id=staff, post=post,
                happened_at=start, device_at=start, received_at=start, skew_ms=0, clock_suspect=False, ended_at=end)
    db.session.add(row)
    return row


@pytest.fixture
def history(app, demo):
    """Guard G1's thirty ended day shifts (08:00-16:00) and today's open one; guard G2's
    shift opened forty days ago and never ended."""
    g1, g2 = (uuid.UUID(a["staff_id"]) for a in demo["accounts"].values() if a["role"] == "guard")
    with app.app_context():
        days = {n: _shift(demo, g1, T0 - n * D - 2 * H, T0 - n * D + 6 * H).id for n in range(1, 31)}
        today = _shift(demo, g1, T0 - 2 * H).id
        forgotten = _shift(demo, g2, T0 - 40 * D).id
        db.session.commit()
    return g1, g2, days, today, forgotten


def test_r_sec_2_open_shifts_run_on_and_ended_ones_stop_at_their_end(app, history):
    g1, g2, days, today, forgotten = history
    asked = {  # (who, instant): the shift running then
        (g1, T0): today, (g1, T0 - 5 * D): days[5], (g1, T0 - 5 * D + 6 * H): None,  # the end belongs to no one
        (g1, T0 - 5 * D + 10 * H): None, (g1, T0 - 30 * D - 2 * H): days[30], (g1, T0 - 40 * D): None,
        (g2, T0): forgotten, (g2, T0 - 39 * D): forgotten, (g2, T0 - 41 * D): None,
    }
    with app.app_context():
        batch = {g1: ShiftsOf(db.session, g1), g2: ShiftsOf(db.session, g2)}
        for (who, instant), expected in asked.items():
            found = shift_at(db.session, who, instant)
            assert (found.id if found else None) == expected, (who == g1, instant)
            running = batch[who].at(instant)
            assert (running.id if running else None) == expected


def test_r_sec_2_a_new_shifts_gap_counts_from_the_covering_else_the_last_ended_shift(app, demo, history):
    g1, g2, days, today, forgotten = history
    branch = uuid.UUID(demo["branch_id"])
    with app.app_context():
        cleaner = uuid.UUID(next(a["staff_id"] for a in demo["accounts"].values() if a["role"] == "cleaner"))
        cleaning = {n: _shift(demo, cleaner, T0 - n * D - 2 * H, T0 - n * D + 6 * H, "cleaning").id for n in (3, 4)}
        db.session.commit()
        asked = {  # (post, start): the previous shift
            ("security", T0 - 5 * D): days[5],  # covered by G1 (and G2's forgotten one, started earlier)
            ("security", T0 - 5 * D + 10 * H): forgotten, ("security", T0 - 41 * D): None,
            ("cleaning", T0 - 3 * D): cleaning[3], ("cleaning", T0 - 3 * D + 6 * H): cleaning[3],  # taken over at its end
            ("cleaning", T0 - 3 * D + 10 * H): cleaning[3], ("cleaning", T0): cleaning[3],  # the last to end before
            ("cleaning", T0 - 3 * D - 4 * H): cleaning[4], ("cleaning", T0 - 5 * D): None,
        }
        for (post, start), expected in asked.items():
            found = _previous_on_post(db.session, branch, post, start)
            assert (found.id if found else None) == expected, (post, start)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's plan; PostgreSQL's follows its statistics
def test_a_persons_shifts_are_read_by_their_end_not_by_every_earlier_start(app, demo, history):
    g1 = history[0]
    with app.app_context():
        reads: list[tuple[str, tuple]] = []

        def seen(conn, cursor, statement, parameters, context, executemany):
            if "FROM shift" in statement:
                reads.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            shift_at(db.session, g1, T0)
            ShiftsOf(db.session, g1).at(T0 - 5 * D)
            _previous_on_post(db.session, uuid.UUID(demo["branch_id"]), "cleaning", T0)  # uncovered: both reads
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        raw = db.session.connection().connection.driver_connection
        plans = [row[3] for statement, parameters in reads
                 for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
    searches = [p for p in plans if "shift" in p]
    assert len(searches) == 7 and all("ix_shift_staff_ended" in p or "ix_shift_branch_post_ended" in p
                                      for p in searches), plans


def test_r_sec_2_shift_starts_lock_the_person_once_per_savepoint(as_role, push, statements, clock):
    """A run of shift starts locks the person's row once (#17); a run rolled back to its
    savepoint released that lock, so its careful replay takes it again (PostgreSQL)."""
    import uuid
    from datetime import timedelta

    guard = as_role("guard")
    lock = "FROM staff WHERE staff.id = "
    at = [clock.now() - timedelta(hours=9 - h) for h in range(9)]
    shifts = [str(uuid.uuid4()) for _ in range(4)]

    def pair(k: int) -> list[tuple[str, dict, object]]:
        return [("shift.start", {"shift_id": shifts[k], "post": "security"}, at[2 * k]),
                ("shift.end", {"shift_id": shifts[k]}, at[2 * k + 1])]

    with statements() as seen:
        assert {r["status"] for r in push(guard, pair(0) + pair(1))} == {"applied"}
    assert sum(lock in q for q in seen) == 1
    refused = ("shift.start", {"shift_id": str(uuid.uuid4()), "post": "security"}, at[6])  # overlaps the next
    with statements() as seen:
        results = push(guard, pair(2) + [("shift.start", {"shift_id": shifts[3], "post": "security"}, at[6]),
                                         refused])
    assert [r["status"] for r in results] == ["applied"] * 3 + ["rejected"]
    # the run locked once and rolled back; replayed one savepoint each: shift 2's start and 3's
    # start lock again, and so does the refused start (it checks overlaps under the lock)
    assert sum(lock in q for q in seen) == 1 + 3


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite: a push begins IMMEDIATE, one writer
def test_r_sec_2_a_start_after_a_patrol_of_its_run_sees_a_start_committed_by_another_device(app, demo):
    """PostgreSQL: the run read the guard's shifts for a patrol, then another device of the
    same guard committed a shift start, then the run's own start takes the person's lock:
    it reads the shifts again under the lock and refuses the overlap (#17)."""
    from sqlalchemy.orm import Session

    from server.services.shift import shifts_of, start_shift
    from sync import Principal
    from sync.timing import attribute

    guard = next(a for a in demo["accounts"].values() if a["role"] == "guard")
    who = Principal(uuid.UUID(guard["staff_id"]), "guard", uuid.UUID(demo["branch_id"]))
    times = attribute(T0 - H, sent_at=T0, received_at=T0, previous_at=None, tolerance=timedelta(minutes=2))
    with app.app_context():
        engine = db.engine
        with Session(engine) as run, Session(engine) as other:
            run.begin_nested()  # the optimistic run's savepoint
            assert shifts_of(run, who.staff_id).at(T0 - H) is None  # a patrol's read: off shift
            start_shift(other, who, times, {"shift_id": uuid.uuid4(), "post": "security"})
            other.commit()  # the other device's start
            with pytest.raises(Exception) as refused:
                start_shift(run, who, times, {"shift_id": uuid.uuid4(), "post": "security"})
            assert getattr(refused.value, "code", None) == "shift_overlap"
            run.rollback()
