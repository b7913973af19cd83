"""The batch path (``sync.batch``, #17) against the one-by-one path, on SQLite and PostgreSQL.

The same mixed pushes of a guard (patrols with and without faults or anomalies, reports,
taken ids, unknown codes) go once through the mutators' prepare steps and once with them
switched off (every mutation its own batch of one, in its own SAVEPOINT): the results,
rejection codes and pulled records must be the same (R-SEC-4, R-SEC-5). And a batch's
statements do not grow with its length.
"""
from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.rules import patrol as PR

BATCHED = ("patrol.record", "incident.report", "cleaning.record", "shift.start", "shift.end")
#: What a guard's phone may send: the kinds of one mutation of the property.
KINDS = ("patrol", "patrol_fault", "patrol_anomaly", "patrol_taken", "patrol_unknown", "report", "report_taken")


def _switch(app: Any, batched: bool, saved: dict[str, Any], names: tuple[str, ...] = BATCHED) -> None:
    """Serve the batched mutators with their prepare steps, or without (the careful path)."""
    registry = app.extensions["sync_registry"]
    for name in names:
        saved.setdefault(name, registry.mutators[name])
        registry.mutators[name] = saved[name] if batched else dataclasses.replace(saved[name], prefetch=None)


def _mutations(kinds: list[str], code: str) -> list[tuple[str, dict[str, Any]]]:
    """The push of ``kinds`` with fresh ids; ``*_taken`` reuses the last id made of its kind."""
    out: list[tuple[str, dict[str, Any]]] = []
    last = {"patrol": str(uuid.uuid4()), "report": str(uuid.uuid4())}
    for kind in kinds:
        if kind.startswith("report"):
            rid = last["report"] if kind == "report_taken" else str(uuid.uuid4())
            last["report"] = rid
            out.append(("incident.report", {"incident_id": rid, "category": "other", "location": "大堂",
                                            "description": "d", "severity": "low"}))
            continue
        pid = last["patrol"] if kind == "patrol_taken" else str(uuid.uuid4())
        last["patrol"] = pid
        checks = {item: "ok" for item in PR.CHECK_ITEMS}
        args: dict[str, Any] = {"patrol_id": pid, "checkpoint_code": "no-such-code" if kind == "patrol_unknown" else code,
                                "checks": checks}
        if kind == "patrol_fault":
            checks[next(iter(PR.CHECK_ITEMS))] = "fault"
        if kind == "patrol_anomaly":
            args["anomaly"] = "可疑人员"
        out.append(("patrol.record", args))
    return out


def _shape(results: list[dict[str, Any]]) -> list[str]:
    return [r["status"] if r["status"] != "rejected" else r["error"]["code"] for r in results]


_IDS = ("id", "staff_id", "shift_id", "incident_id", "patrol_id", "reported_by")


def _records(pulled: dict[tuple[str, str], dict[str, Any]], mutations: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """The pulled record of each mutation (its patrol or report), ids left out; ``None`` if none."""
    out = []
    for name, args in mutations:
        entity, key = ("patrol", "patrol_id") if name == "patrol.record" else ("incident", "incident_id")
        data = pulled.get((entity, args[key]))
        out.append(None if data is None else {k: v for k, v in data.items() if k not in _IDS})
    return out


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=14))
def test_r_sec_5_batched_pushes_equal_one_by_one(app, as_role, demo, push, pull, on_shift, kinds):
    """Property: for any mix of a guard's mutations, failures anywhere among them, both
    paths give the same results, codes and records (duplicates of a replay aside)."""
    saved: dict[str, Any] = {}
    first, second, om = as_role("guard"), as_role("guard", 1), as_role("operations_manager")
    started = app.extensions.setdefault("test_batch_path_on_shift", set())  # one app for every example
    for index, guard in enumerate((first, second)):
        if index not in started:
            on_shift(guard)
            started.add(index)
    code = demo["checkpoints"]["self_service"]
    outcomes = []
    try:
        for guard, batched in ((first, True), (second, False)):
            _switch(app, batched, saved)
            mutations = _mutations(kinds, code)
            results = push(guard, mutations)
            outcomes.append((_shape(results), mutations))
    finally:
        _switch(app, True, saved)
    (batched_codes, batched_muts), (careful_codes, careful_muts) = outcomes
    assert batched_codes == careful_codes
    pulled = pull(om)
    assert _records(pulled, batched_muts) == _records(pulled, careful_muts)


def test_r_sec_5_a_batch_of_patrols_runs_as_many_statements_for_10_as_for_40(app, as_role, demo, push, on_shift,
                                                                                statements, clock):
    """A run's prepare step reads once per lookup and its rows are written once per table,
    and its re-judging reads the touched hours once (#17): the statement count does not
    grow with the batch. The hour holds earlier evidence of its own part, so neither
    push re-judges more than that read (R-SEC-5)."""
    from datetime import timedelta

    guard = as_role("guard")
    on_shift(guard)
    code = demo["checkpoints"]["self_service"]
    clock.advance(timedelta(minutes=20))  # past the hour's grace part
    push(guard, _mutations(["patrol"] * 3, code))  # the hour judged met; warm
    counts = []
    for n in (10, 40):
        clock.advance(timedelta(minutes=1))
        mutations = _mutations(["patrol", "patrol_fault", "patrol", "patrol_anomaly", "patrol"] * (n // 5), code)
        with statements() as seen:
            assert set(_shape(push(guard, mutations))) == {"applied"}
        counts.append(len(seen))
        assert not [q for q in seen if q.startswith("UPDATE obligation") or "go_live_date IS NOT NULL" in q]
    assert counts[0] == counts[1], counts


#: Mutators whose new record's id only its primary key checks in an optimistic run (#17).
NEW_RECORDS = ("box.open", "box.entry", "statistics.file", "complaint.open", "shift.start", "shift.end")


def test_a_taken_id_of_a_new_record_is_rejected_alike_on_both_paths(app, as_role, push, clock):
    """``ensure_new`` reads nothing in an optimistic run: a taken id fails the run's write
    and the careful replay rejects it with ``duplicate_record_id``, as the one-by-one path
    does, the mutations around it applied (box, filing, case and shift ids taken within the push)."""
    from datetime import timedelta

    lobby, teller, guard = as_role("lobby_manager"), as_role("teller"), as_role("guard")
    saved: dict[str, Any] = {}
    shapes = []
    try:
        for n, batched in enumerate((True, False)):
            _switch(app, batched, saved, NEW_RECORDS)
            box, slip, case, shift, filing = (str(uuid.uuid4()) for _ in range(5))
            day = (clock.now() - timedelta(days=3 + 2 * n)).date()

            def entry(entry_id: str) -> dict[str, Any]:
                return {"entry_id": entry_id, "session_id": box, "source": "box", "kind": "praise", "text": "好"}

            opened = {"complaint_id": case, "channel": "oral", "summary": "排队", "customer_name": "张",
                      "contact": "13800001111"}
            at = [clock.now() - timedelta(hours=12 - 3 * n - h) for h in range(3)]
            shapes.append([
                _shape(push(lobby, [("box.open", {"session_id": box, "business_date": day.isoformat()}),
                                    ("box.entry", entry(slip)), ("box.entry", entry(slip)),
                                    ("box.entry", entry(str(uuid.uuid4()))),
                                    ("box.open", {"session_id": box, "business_date": (day - timedelta(days=1)).isoformat()}),
                                    ("statistics.file", {"filing_id": filing, "business_date": day.isoformat()}),
                                    ("statistics.file", {"filing_id": filing,
                                                         "business_date": (day - timedelta(days=1)).isoformat()})])),
                _shape(push(teller, [("complaint.open", opened), ("complaint.open", opened),
                                     ("complaint.resolve", {"complaint_id": case, "resolution": "已致歉",
                                                            "customer_response": "满意"})])),
                _shape(push(guard, [("shift.start", {"shift_id": shift, "post": "security"}, at[0]),
                                    ("shift.end", {"shift_id": shift}, at[1]),
                                    ("shift.start", {"shift_id": shift, "post": "security"}, at[2])])),
            ])
    finally:
        _switch(app, True, saved, NEW_RECORDS)
    assert shapes[0] == shapes[1] == [
        ["applied", "applied", "duplicate_record_id", "applied", "duplicate_record_id", "applied",
         "duplicate_record_id"],
        ["applied", "duplicate_record_id", "applied"],
        ["applied", "applied", "duplicate_record_id"],
    ]


def test_ids_taken_by_an_earlier_push_are_rejected_alike_on_both_paths(app, as_role, demo, push, clock):
    """A patrol, report or cleaning id stored by an earlier push: the batch reads no
    taken ids, the primary key refuses the run's write and the careful replay rejects
    the reuse ``duplicate_record_id``, the mutations around it applied, as one by one
    (R-SEC-4, R-SEC-5, R-SEC-6)."""
    from datetime import timedelta

    guard, cleaner = as_role("guard"), as_role("cleaner")
    started = clock.now() - timedelta(hours=2)
    push(guard, [("shift.start", {"shift_id": str(uuid.uuid4()), "post": "security"}, started)])
    push(cleaner, [("shift.start", {"shift_id": str(uuid.uuid4()), "post": "cleaning"}, started)])
    code = demo["checkpoints"]["self_service"]

    def cleaning() -> tuple[str, dict[str, Any]]:
        return "cleaning.record", {"cleaning_id": str(uuid.uuid4()), "area": "lobby", "task": "floor"}

    patrol, report = _mutations(["patrol", "report"], code)
    stored = cleaning()
    assert _shape(push(guard, [patrol, report])) + _shape(push(cleaner, [stored])) == ["applied"] * 3
    saved: dict[str, Any] = {}
    shapes = []
    try:
        for batched in (True, False):
            _switch(app, batched, saved)
            fresh = _mutations(["patrol", "report", "patrol"], code)
            shapes.append((_shape(push(guard, [fresh[0], patrol, fresh[1], report, fresh[2]])),
                           _shape(push(cleaner, [cleaning(), stored, cleaning()]))))
    finally:
        _switch(app, True, saved)
    taken = "duplicate_record_id"
    assert shapes[0] == shapes[1] == (["applied", taken, "applied", taken, "applied"], ["applied", taken, "applied"])


def test_r_sec_2_patrols_around_shift_changes_in_one_push_belong_to_the_shift_running(
        app, as_role, demo, push, pull, statements, clock):
    """A guard's push that ends a shift and starts the next between patrols: each patrol
    belongs to the shift running at its time, one done between the two is ``not_on_shift``,
    and a start overlapping the running shift is refused, on both paths (R-SEC-2, R-SEC-5)."""
    from datetime import timedelta

    guard = as_role("guard")
    code = demo["checkpoints"]["self_service"]
    t = [clock.now() - timedelta(hours=5) + timedelta(minutes=10 * k) for k in range(8)]
    saved: dict[str, Any] = {}
    outcomes = []
    try:
        for n, batched in enumerate((True, False)):
            _switch(app, batched, saved)
            first, second = str(uuid.uuid4()), str(uuid.uuid4())
            patrols = _mutations(["patrol"] * 3, code)
            at = [x + timedelta(hours=2 * n) for x in t]  # the second path after the first
            results = _shape(push(guard, [
                ("shift.start", {"shift_id": first, "post": "security"}, at[0]), (*patrols[0], at[1]),
                ("shift.end", {"shift_id": first}, at[2]), (*patrols[1], at[3]),
                ("shift.start", {"shift_id": second, "post": "security"}, at[4]), (*patrols[2], at[5]),
                ("shift.start", {"shift_id": str(uuid.uuid4()), "post": "security"}, at[6]),
                ("shift.end", {"shift_id": second}, at[7])]))
            pulled = pull(guard)
            outcomes.append((results, [pulled.get(("patrol", p[1]["patrol_id"]), {}).get("shift_id")
                                       for p in patrols], (first, second)))
    finally:
        _switch(app, True, saved)
    for results, shift_ids, (first, second) in outcomes:
        assert results == ["applied", "applied", "applied", "not_on_shift", "applied", "applied", "shift_overlap",
                           "applied"]
        assert shift_ids == [first, None, second]


def test_a_run_of_shift_changes_and_patrols_reads_the_guards_shifts_once(as_role, demo, push, pull, statements,
                                                                         clock):
    """The patrols, cleaning rounds and shift starts of one optimistic run share one read
    of the person's shifts (#17): the push's own starts and ends keep it exact."""
    from datetime import timedelta

    guard = as_role("guard")
    code = demo["checkpoints"]["self_service"]
    at = [clock.now() - timedelta(hours=3) + timedelta(minutes=10 * k) for k in range(8)]
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    patrols = _mutations(["patrol"] * 3, code)
    with statements() as seen:
        results = push(guard, [
            ("shift.start", {"shift_id": first, "post": "security"}, at[0]), (*patrols[0], at[1]),
            ("shift.end", {"shift_id": first}, at[2]), ("shift.start", {"shift_id": second, "post": "security"}, at[3]),
            (*patrols[1], at[4]), (*patrols[2], at[5]), ("shift.end", {"shift_id": second}, at[6])])
    assert {r["status"] for r in results} == {"applied"}
    assert sum(q.startswith("SELECT shift.id") and "shift.staff_id =" in q for q in seen) == 1
    pulled = pull(guard)
    assert [pulled[("patrol", p[1]["patrol_id"])]["shift_id"] for p in patrols] == [first, second, second]


def test_a_case_opened_promised_resolved_and_a_box_evening_are_one_segment_each(as_role, push, pull, statements,
                                                                                clock):
    """``complaint.*`` and ``box.*`` share one prepare step: a case's open, promise and
    resolve, a box's open, entries, replies and close, each push one optimistic run, its
    records written at one flush, never read back (R-CMP-3, R-BOX-1..2, #17)."""
    from datetime import timedelta

    teller, lobby = as_role("teller"), as_role("lobby_manager")
    case, due = str(uuid.uuid4()), (clock.now() + timedelta(days=2)).isoformat()
    box, slips = str(uuid.uuid4()), [str(uuid.uuid4()) for _ in range(3)]
    day = (clock.now() - timedelta(days=3)).date().isoformat()
    with statements() as seen:
        opened = push(teller, [
            ("complaint.open", {"complaint_id": case, "channel": "oral", "summary": "排队时间过长",
                                "customer_name": "张先生", "contact": "13800001111"}),
            ("complaint.promise", {"complaint_id": case, "reply_due_at": due}),
            ("complaint.resolve", {"complaint_id": case, "resolution": "已致歉", "customer_response": "满意"})])
        evening = push(lobby, [("box.open", {"session_id": box, "business_date": day}),
                               *(("box.entry", {"entry_id": e, "session_id": box, "source": "box", "kind": "praise",
                                                "text": "好"}) for e in slips),
                               *(("box.reply", {"entry_id": e, "text": "谢谢"}) for e in slips),
                               ("box.close", {"session_id": box, "slip_count": 3})])
    assert _shape(opened) + _shape(evening) == ["applied"] * 11
    assert sum(q.startswith("SAVEPOINT") for q in seen) == 2  # one run each, no replay
    assert not [q for q in seen if q.startswith(("SELECT complaint.id AS", "SELECT box_session.id AS",
                                                  "SELECT box_entry.id AS", "UPDATE complaint", "UPDATE box_entry"))]
    state = pull(teller)[("complaint", case)]
    assert (state["status"], state["version"]) == ("resolved", 3)
    pulled = pull(lobby)
    assert pulled[("box_session", box)]["status"] == "closed"
    assert all(pulled[("box_entry", e)]["reply"]["text"] == "谢谢" for e in slips)


@settings(max_examples=300)
@given(minutes=st.lists(st.integers(min_value=-30, max_value=5 * 60 + 30), max_size=12),
       new=st.integers(min_value=-30, max_value=5 * 60 + 30), gap=st.booleans(), late=st.integers(0, 400))
def test_r_sec_5_a_patrol_the_rule_says_changes_nothing_changes_no_verdict(minutes, new, gap, late):
    """``leaves_hours_as_is`` (the re-judging's shortcut, #17) is sound: whenever it says a
    new patrol leaves the hours as they are, ``judge_hours`` with it gives every hour the
    same verdict and evidence (R-SEC-5). Five hours from 10:00, the third one unguarded
    when ``gap``; patrols before, inside and after them; ``now`` ``late`` minutes on."""
    from datetime import datetime, timedelta, timezone

    from server.rules import patrol_compliance as PC

    t0 = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
    windows = [(t0 + timedelta(hours=h), t0 + timedelta(hours=h + 1)) for h in range(5) if not (gap and h == 2)]
    now = t0 + timedelta(hours=5, minutes=late)

    def patrol(i: int, m: int) -> PC.PatrolTimes:
        at = t0 + timedelta(minutes=m, seconds=i)  # distinct times: ties are ordered by id
        return PC.PatrolTimes(f"p{i:03d}", at, at + timedelta(minutes=i % 3 * 40))

    old = [patrol(i, m) for i, m in enumerate(minutes)]
    before = PC.judge_hours(windows, old, now)
    at = {p.id: p.happened_at for p in old}
    judged = [(v.window_start, v.window_end, at[v.evidence[0]] if v.evidence else None) for v in before]
    extra = patrol(len(old), new)
    if PC.leaves_hours_as_is(judged, extra.happened_at):
        assert PC.judge_hours(windows, old + [extra], now) == before
