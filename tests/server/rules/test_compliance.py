"""The compliance verdicts (#14): every boundary of the status ladder, per rule."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from server.rules import compliance as RC
from server.rules import settings as FS
from server.rules import patrol_compliance as PC

UTC = timezone.utc
SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 28)
#: 10:00 local (Asia/Shanghai) on DAY.
TEN = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def rec(rid: str, happened: datetime, received: datetime | None = None, suspect: bool = False) -> RC.Record:
    return RC.Record(rid, happened, received or happened, suspect)


def no_devices(_due):
    return None, []


def devices_until(t: datetime):
    return lambda _due: (t, [{"client_id": "c1", "staff_id": "g1", "synced_until": t.isoformat()}])


# ---------------------------------------------------------------- the ladder


@pytest.mark.parametrize(
    "now, complete, expected",
    [
        (TEN - timedelta(microseconds=1), None, RC.PENDING),
        (TEN, None, RC.MISSED),  # due reached: no longer pending
        (TEN + H, TEN - M, RC.UNCONFIRMED),
        (TEN + H, TEN, RC.UNCONFIRMED),  # synced *at* the deadline is not past it
        (TEN + H, TEN + timedelta(microseconds=1), RC.MISSED),
        (TEN + H, None, RC.MISSED),  # nobody's device is known: nothing can still come
    ],
)
def test_judge_absent_boundaries(now, complete, expected):
    assert RC.judge_absent(now, TEN, complete) == expected


@pytest.mark.parametrize(
    "happened, received, late_allowed, expected",
    [
        (TEN - M, TEN, False, RC.MET),  # received exactly at the due time is in time
        (TEN - M, TEN + timedelta(microseconds=1), False, RC.MET_SYNCED_LATE),
        (TEN, TEN, True, RC.MET),  # done at the due time is not late
        (TEN + timedelta(microseconds=1), TEN + H, True, RC.LATE),
        (TEN + M, TEN + M, False, RC.MET_SYNCED_LATE),  # without late_allowed, never "late"
    ],
)
def test_judge_done_boundaries(happened, received, late_allowed, expected):
    assert RC.judge_done(rec("x", happened, received), TEN, late_allowed=late_allowed) == expected


@pytest.mark.parametrize(
    "action, expected", [("excuse", RC.EXCUSED), ("withdraw", RC.MISSED), (None, RC.MISSED)]
)
def test_an_excuse_shows_over_the_verdict_and_a_withdrawal_restores_it(action, expected):
    assert RC.shown_status(RC.MISSED, action) == expected


def test_settings_default_and_override_and_unknown_key():
    # Compliance reads its settings through the one reader, rules/settings.py (#11).
    assert FS.value(None, "handover_grace_minutes") == 15
    assert FS.value({"handover_grace_minutes": 5}, "handover_grace_minutes") == 5
    assert FS.value({"handover_grace_minutes": None}, "handover_grace_minutes") == 15
    with pytest.raises(KeyError):
        FS.value({}, "no_such_setting")


# ---------------------------------------------------------------- R-SEC-5


def three_hours():
    return [(TEN, TEN + H), (TEN + H, TEN + 2 * H), (TEN + 2 * H, TEN + 3 * H)]


def test_r_sec_5_late_sync_is_met_synced_late_with_window_and_due():
    patrol = rec("p1", TEN + 5 * M, received=TEN + 2 * H + 30 * M)
    day = RC.patrol_verdicts(DAY, three_hours(), [patrol], TEN + 2 * H + 30 * M, {}, no_devices)
    first = day.verdicts[0]
    assert (first.rule, first.subject_kind, first.subject_id) == ("R-SEC-5", "area", "self_service")
    assert (first.window_start, first.window_end, first.due_at) == (TEN, TEN + H, TEN + H + 10 * M)
    assert first.status == RC.MET_SYNCED_LATE and first.evidence == ("p1",)
    assert first.version == RC.RULE_VERSIONS["R-SEC-5"]


def test_r_sec_5_received_at_the_due_time_is_met():
    patrol = rec("p1", TEN + 5 * M, received=TEN + H + 10 * M)
    first = RC.patrol_verdicts(DAY, three_hours(), [patrol], TEN + 3 * H, {}, no_devices).verdicts[0]
    assert first.status == RC.MET


def test_r_sec_5_silent_phone_is_unconfirmed_then_missed():
    now = TEN + H + 20 * M
    silent = RC.patrol_verdicts(DAY, three_hours(), [], now, {}, devices_until(TEN + 40 * M)).verdicts
    assert [v.status for v in silent] == [RC.UNCONFIRMED, RC.PENDING, RC.PENDING]
    assert silent[0].detail["devices"][0]["client_id"] == "c1"
    assert (silent[1].window_start, silent[1].due_at) == (TEN + H, TEN + 2 * H + 10 * M)
    synced = RC.patrol_verdicts(DAY, three_hours(), [], now, {}, devices_until(TEN + H + 15 * M)).verdicts
    assert [v.status for v in synced] == [RC.MISSED, RC.PENDING, RC.PENDING]
    assert (synced[0].window_start, synced[0].window_end, synced[0].due_at) == (TEN, TEN + H, TEN + H + 10 * M)


def test_r_sec_5_one_patrol_never_proves_two_hours():
    # one patrol in the 10:00 hour's grace period of the 11:00 hour: it proves its own hour only
    only = rec("p1", TEN + H + 5 * M)
    verdicts = RC.patrol_verdicts(DAY, three_hours(), [only], TEN + 4 * H, {}, no_devices).verdicts
    assert [v.status for v in verdicts] == [RC.MISSED, RC.MET, RC.MISSED]
    assert verdicts[1].evidence == ("p1",)


def test_r_sec_5_a_second_patrol_in_the_grace_makes_up_for_the_hour_before():
    a, b = rec("a", TEN + H + 2 * M), rec("b", TEN + H + 40 * M)
    verdicts = RC.patrol_verdicts(DAY, three_hours(), [a, b], TEN + 3 * H, {}, no_devices).verdicts
    assert [v.evidence for v in verdicts[:2]] == [("a",), ("b",)]


def test_r_sec_5_branch_grace_moves_the_due_time():
    verdicts = RC.patrol_verdicts(DAY, three_hours(), [], TEN, {"patrol_grace_minutes": 25}, no_devices).verdicts
    assert verdicts[0].due_at == TEN + H + 25 * M


def test_r_sec_5_clock_suspect_patrol_still_counts_and_shows_the_flag():
    patrol = rec("p1", TEN + 50 * M, suspect=True)
    first = RC.patrol_verdicts(DAY, three_hours(), [patrol], TEN + H, {}, no_devices).verdicts[0]
    assert first.status == RC.MET and first.clock_suspect is True


def test_r_sec_5_coverage_and_longest_unwatched_stretch():
    patrols = [rec("a", TEN + 10 * M), rec("b", TEN + 2 * H + 30 * M)]
    day = RC.patrol_verdicts(DAY, three_hours(), patrols, TEN + 3 * H + 30 * M, {}, no_devices)
    assert (day.hours, day.hours_met) == (3, 2)
    assert day.coverage == pytest.approx(2 / 3)
    assert day.longest_unwatched == (TEN + 10 * M, TEN + 2 * H + 30 * M)
    assert day.longest_unwatched_minutes == 140


def test_longest_unwatched_is_cut_at_now_and_counts_from_the_stretch_start():
    assert RC.longest_unwatched(three_hours(), [], TEN + 20 * M) == (TEN, TEN + 20 * M)
    assert RC.longest_unwatched(three_hours(), [], TEN - M) is None
    split = [(TEN, TEN + H), (TEN + 2 * H, TEN + 3 * H)]  # two guarded stretches
    assert RC.longest_unwatched(split, [TEN + 50 * M], TEN + 5 * H) == (TEN + 2 * H, TEN + 3 * H)
    assert RC.patrol_verdicts(DAY, [], [], TEN, {}, no_devices).coverage is None


def test_r_sec_5_holiday_variant_of_guarded_hours():
    hours = {"sat": [["09:00", "12:00"]], "holiday": [["10:00", "11:00"]]}
    saturday = date(2026, 11, 28)
    holiday = PC.guarded_hour_windows(saturday, hours, SH, key="holiday")
    assert holiday == [(TEN, TEN + H)]
    assert len(PC.guarded_hour_windows(saturday, hours, SH, key="sat")) == 3
    # a holiday the branch has no special hours for keeps the weekday's
    assert len(PC.guarded_hour_windows(saturday, {"sat": [["09:00", "12:00"]]}, SH, key="holiday")) == 3
    # an adjusted working weekend (调休) takes the weekday the branch names
    assert PC.guarded_hour_windows(saturday, {"mon": [["10:00", "11:00"]]}, SH, key="mon") == [(TEN, TEN + H)]


# ---------------------------------------------------------------- R-SEC-2


G, E = 10 * M, 30 * M


def plan(pid="r1", start=TEN, end=TEN + 8 * H, staff="g1", post="security"):
    return RC.Plan(pid, post, start, end, staff)


def shift(sid="s1", staff="g1", start=TEN, received=None, ended=None, handover=None, post="security", end_received=None):
    return RC.ShiftRecord(sid, staff, post, start, received or start, ended, False, handover, end_received)


def test_match_roster_own_shift_first_then_a_stand_in_and_the_window_edges():
    plans = [plan("r1", staff="g1"), plan("r2", staff="g2")]
    stand_in, own = shift("s2", staff="g9", start=TEN - M), shift("s1", staff="g1", start=TEN + M)
    assert RC.match_roster(plans, [stand_in, own], G, E) == {"r1": own, "r2": stand_in}
    assert RC.match_roster([plan()], [shift(start=TEN - E)], G, E)["r1"] is not None
    assert RC.match_roster([plan()], [shift(start=TEN - E - M)], G, E)["r1"] is None
    assert RC.match_roster([plan()], [shift(start=TEN + G)], G, E)["r1"] is not None
    assert RC.match_roster([plan()], [shift(start=TEN + G + M)], G, E)["r1"] is None
    assert RC.match_roster([plan()], [shift(post="cleaning")], G, E)["r1"] is None


def test_r_sec_2_unstaffed_post_statuses():
    p = plan()
    late_sync = shift(start=TEN + M, received=TEN + H)
    v = RC.staffing_verdicts(DAY, [p], {"r1": late_sync}, TEN + H, G, lambda _p: no_devices)[0]
    assert (v.rule, v.subject_kind, v.subject_id, v.status, v.evidence) == ("R-SEC-2", "roster_shift", "r1",
                                                                           RC.MET_SYNCED_LATE, ("s1",))
    assert (v.window_start, v.window_end, v.due_at) == (TEN, TEN + 8 * H, TEN + G)
    assert RC.staffing_verdicts(DAY, [p], {"r1": None}, TEN + G - M, G, lambda _p: no_devices)[0].status == RC.PENDING
    silent = RC.staffing_verdicts(DAY, [p], {"r1": None}, TEN + H, G, lambda _p: devices_until(TEN))[0]
    assert silent.status == RC.UNCONFIRMED and silent.detail["post"] == "security"
    assert RC.staffing_verdicts(DAY, [p], {"r1": None}, TEN + H, G, lambda _p: no_devices)[0].status == RC.MISSED


def test_r_sec_2_overrun_without_handover_statuses():
    p, due = plan(), TEN + 8 * H + 15 * M
    handed = shift(handover=rec("h1", TEN + 8 * H, TEN + 9 * H))
    v = RC.handover_verdicts(DAY, [p], {"r1": handed}, TEN + 9 * H, 15 * M, lambda _s: no_devices)[0]
    assert (v.subject_kind, v.subject_id, v.due_at, v.status, v.evidence) == ("shift", "s1", due,
                                                                              RC.MET_SYNCED_LATE, ("h1",))
    ended = shift(ended=TEN + 8 * H + 5 * M, end_received=TEN + 8 * H + 5 * M)
    assert RC.handover_verdicts(DAY, [p], {"r1": ended}, due, 15 * M, lambda _s: no_devices)[0].status == RC.MET
    overran = shift(ended=due + M)
    assert RC.handover_verdicts(DAY, [p], {"r1": overran}, due + H, 15 * M, lambda _s: no_devices)[0].status == RC.LATE
    still_on = shift()
    assert RC.handover_verdicts(DAY, [p], {"r1": still_on}, due - M, 15 * M,
                                lambda _s: no_devices)[0].status == RC.PENDING
    assert RC.handover_verdicts(DAY, [p], {"r1": still_on}, due + H, 15 * M,
                                lambda _s: devices_until(due - M))[0].status == RC.UNCONFIRMED
    assert RC.handover_verdicts(DAY, [p], {"r1": still_on}, due + H, 15 * M,
                                lambda _s: devices_until(due + M))[0].status == RC.MISSED
    assert RC.handover_verdicts(DAY, [p], {"r1": None}, due + H, 15 * M, lambda _s: no_devices) == []


# ---------------------------------------------------------------- R-OPS-1


def test_r_ops_1_floor_round_statuses_and_windows():
    slots = {"0930": TEN - 30 * M, "1130": TEN + 90 * M, "1600": TEN + 6 * H}
    tol = 30 * M
    rounds = {"0930": rec("f1", TEN - 20 * M, TEN - 20 * M), "1130": rec("f2", TEN + 2 * H + M)}
    vs = RC.floor_round_verdicts(DAY, slots, rounds, TEN + 3 * H, tol, devices_until(TEN))
    assert [(v.subject_id, v.status) for v in vs] == [("0930", RC.MET), ("1130", RC.LATE), ("1600", RC.PENDING)]
    assert (vs[0].window_start, vs[0].window_end, vs[0].due_at) == (TEN - H, TEN, TEN)
    later = RC.floor_round_verdicts(DAY, slots, {}, TEN + 7 * H, tol, devices_until(TEN + 6 * H))
    assert [v.status for v in later] == [RC.MISSED, RC.MISSED, RC.UNCONFIRMED]


# ---------------------------------------------------------------- R-BOX-1..3


CLOSE, END = TEN + 7 * H, TEN + 14 * H  # 17:00 and midnight local


def test_r_box_1_box_opened_after_close_by_the_end_of_the_day():
    opened = rec("s1", CLOSE + 20 * M, CLOSE + 3 * H)
    v = RC.box_open_verdict(DAY, CLOSE, END, opened, END + H, no_devices, branch_id="b1")
    assert (v.rule, v.subject_kind, v.subject_id, v.status, v.evidence) == ("R-BOX-1", "branch", "b1", RC.MET, ("s1",))
    assert (v.window_start, v.window_end, v.due_at) == (CLOSE, END, END)
    late = RC.box_open_verdict(DAY, CLOSE, END, rec("s1", END + H), END + 2 * H, no_devices, branch_id="b1")
    assert late.status == RC.LATE  # box.open for an earlier business date: done late
    synced_late = RC.box_open_verdict(DAY, CLOSE, END, rec("s1", END - M, END + M), END + H, no_devices, branch_id="b")
    assert synced_late.status == RC.MET_SYNCED_LATE
    assert RC.box_open_verdict(DAY, CLOSE, END, None, END - M, no_devices, branch_id="b").status == RC.PENDING
    assert RC.box_open_verdict(DAY, CLOSE, END, None, END + M, devices_until(END - H),
                               branch_id="b").status == RC.UNCONFIRMED
    assert RC.box_open_verdict(DAY, CLOSE, END, None, END + M, no_devices, branch_id="b").status == RC.MISSED


def test_r_box_2_and_3_one_obligation_per_entry_and_rule():
    entries = [
        RC.BoxEntryRecord("e1", CLOSE + 30 * M, True, reply=rec("e1r", CLOSE + H), first_callback=None),
        RC.BoxEntryRecord("e2", CLOSE + 40 * M, False, reply=None),
    ]
    vs = RC.box_entry_verdicts(DAY, entries, END, END + M, no_devices)
    assert [(v.rule, v.subject_id, v.status) for v in vs] == [
        ("R-BOX-2", "e1", RC.MET), ("R-BOX-3", "e1", RC.MISSED), ("R-BOX-2", "e2", RC.MISSED)]
    assert (vs[0].window_start, vs[0].due_at) == (CLOSE + 30 * M, END)
    called_late = RC.BoxEntryRecord("e3", CLOSE + 30 * M, True, reply=rec("r", CLOSE + H),
                                    first_callback=rec("c", END + 10 * M))
    assert [v.status for v in RC.box_entry_verdicts(DAY, [called_late], END, END + H, no_devices)] == [
        RC.MET, RC.LATE]


# ---------------------------------------------------------------- whole verdicts (every field asserted)


def recording(result):
    """A watermark factory that records what it was asked about."""
    asked = []

    def factory(subject):
        asked.append(subject)
        return result

    return factory, asked


def test_r_sec_2_staffing_verdicts_in_full():
    p = plan()
    suspect = RC.ShiftRecord("s1", "g1", "security", TEN + M, TEN + M, None, True)
    assert RC.staffing_verdicts(DAY, [p], {"r1": suspect}, TEN + H, G, lambda _p: no_devices) == [
        RC.Verdict("R-SEC-2", "roster_shift", "r1", DAY, TEN, TEN + 8 * H, TEN + G, RC.MET, ("s1",), True,
                   {"post": "security"})]
    factory, asked = recording(devices_until(TEN))
    [v] = RC.staffing_verdicts(DAY, [p], {"r1": None}, TEN + H, G, factory)
    assert asked == [p]
    assert v == RC.Verdict("R-SEC-2", "roster_shift", "r1", DAY, TEN, TEN + 8 * H, TEN + G, RC.UNCONFIRMED, (), False,
                           {"post": "security", "devices": [{"client_id": "c1", "staff_id": "g1",
                                                             "synced_until": TEN.isoformat()}]})
    [gone] = RC.staffing_verdicts(DAY, [p], {}, TEN + H, G, lambda _p: no_devices)
    assert (gone.status, gone.evidence, gone.clock_suspect, gone.detail) == (RC.MISSED, (), False, {"post": "security"})


def test_r_sec_2_handover_verdicts_in_full():
    p, due = plan(), TEN + 8 * H + 15 * M
    handed = shift(handover=RC.Record("h1", TEN + 8 * H, TEN + 8 * H, True))
    assert RC.handover_verdicts(DAY, [p], {"r1": handed}, due, 15 * M, lambda _s: no_devices) == [
        RC.Verdict("R-SEC-2", "shift", "s1", DAY, TEN, TEN + 8 * H, due, RC.MET, ("h1",), True,
                   {"post": "security", "handover": True})]
    # an end without its own receipt time falls back to the shift's
    ended = RC.ShiftRecord("s1", "g1", "security", TEN, TEN, TEN + 8 * H, True, None, None)
    [v] = RC.handover_verdicts(DAY, [p], {"r1": ended}, due, 15 * M, lambda _s: no_devices)
    assert (v.status, v.evidence, v.clock_suspect) == (RC.MET, ("s1",), True)
    ended_synced_late = RC.ShiftRecord("s1", "g1", "security", TEN, TEN, TEN + 8 * H, False, None, due + M)
    assert RC.handover_verdicts(DAY, [p], {"r1": ended_synced_late}, due + H, 15 * M,
                                lambda _s: no_devices)[0].status == RC.MET_SYNCED_LATE
    still_on = shift()
    factory, asked = recording(no_devices)
    unmatched = plan("r0", staff="g0")
    verdicts = RC.handover_verdicts(DAY, [unmatched, p], {"r0": None, "r1": still_on}, due + H, 15 * M, factory)
    assert asked == [still_on]  # an unstaffed plan has no shift to hand over, the next one still counts
    assert verdicts == [RC.Verdict("R-SEC-2", "shift", "s1", DAY, TEN, TEN + 8 * H, due, RC.MISSED, (), False,
                                   {"post": "security", "handover": True})]


def test_r_ops_1_and_r_box_verdicts_in_full():
    slot = {"0930": TEN}
    suspect = RC.Record("f1", TEN, TEN, True)
    assert RC.floor_round_verdicts(DAY, slot, {"0930": suspect}, TEN, 30 * M, no_devices) == [
        RC.Verdict("R-OPS-1", "floor_slot", "0930", DAY, TEN - 30 * M, TEN + 30 * M, TEN + 30 * M, RC.MET,
                   ("f1",), True, {})]
    # at the due time itself no longer pending; no phone known: missed, and no device detail
    assert RC.floor_round_verdicts(DAY, slot, {}, TEN + 30 * M, 30 * M, no_devices) == [
        RC.Verdict("R-OPS-1", "floor_slot", "0930", DAY, TEN - 30 * M, TEN + 30 * M, TEN + 30 * M, RC.MISSED)]
    asked = []
    RC.floor_round_verdicts(DAY, slot, {}, TEN + H, 30 * M, lambda due: asked.append(due) or (None, []))
    assert asked == [TEN + 30 * M]  # the watermark is asked about the due time
    opened = RC.Record("s1", CLOSE + M, CLOSE + M, True)
    assert RC.box_open_verdict(DAY, CLOSE, END, opened, END, no_devices, branch_id="b1") == RC.Verdict(
        "R-BOX-1", "branch", "b1", DAY, CLOSE, END, END, RC.MET, ("s1",), True, {})
    assert RC.box_open_verdict(DAY, CLOSE, END, None, END + M, no_devices, branch_id="b1") == RC.Verdict(
        "R-BOX-1", "branch", "b1", DAY, CLOSE, END, END, RC.MISSED)
    entry = RC.BoxEntryRecord("e1", CLOSE + M, True, reply=RC.Record("r1", CLOSE + H, CLOSE + H, True))
    assert RC.box_entry_verdicts(DAY, [entry], END, END + M, no_devices) == [
        RC.Verdict("R-BOX-2", "box_entry", "e1", DAY, CLOSE + M, END, END, RC.MET, ("r1",), True, {}),
        RC.Verdict("R-BOX-3", "box_entry", "e1", DAY, CLOSE + M, END, END, RC.MISSED, (), False, {}),
    ]


def test_r_sec_5_hour_verdict_in_full_and_windows_in_utc():
    [v] = RC.patrol_verdicts(DAY, [(TEN, TEN + H)], [], TEN, {}, no_devices).verdicts
    assert v == RC.Verdict("R-SEC-5", "area", "self_service", DAY, TEN, TEN + H, TEN + H + 10 * M, RC.PENDING)
    windows = PC.guarded_hour_windows(DAY, {"sat": [["09:30", "11:00"]]}, SH)
    assert [(s.hour, s.minute, e.hour, e.minute) for s, e in windows] == [(1, 30, 2, 0), (2, 0, 3, 0)]  # UTC hours
    assert all(s.utcoffset() == timedelta(0) == e.utcoffset() for s, e in windows)
    holiday = {"sat": [["09:00", "12:00"]], "holiday": [["10:00", "11:00"]]}
    assert PC.guarded_hour_windows(DAY, holiday, SH, is_holiday=True) == [(TEN, TEN + H)]
    assert len(PC.guarded_hour_windows(DAY, holiday, SH)) == 3  # not a holiday unless the calendar says so


def test_longest_unwatched_ties_keep_the_first_and_nothing_before_guarded_time():
    assert RC.longest_unwatched(three_hours(), [TEN + 90 * M], TEN + 3 * H) == (TEN, TEN + 90 * M)
    assert RC.longest_unwatched(three_hours(), [], TEN) is None  # guarded time starts now: none has passed


def test_setting_names_the_unknown_key_and_due_soon_follows_the_branch():
    with pytest.raises(KeyError, match="no_such_setting"):
        FS.value({}, "no_such_setting")


def test_judge_done_is_never_late_unless_the_rule_allows_it():
    assert RC.judge_done(rec("x", TEN + M), TEN) == RC.MET_SYNCED_LATE


def test_unconfirmed_verdicts_carry_the_devices_for_every_rule():
    marks = [{"client_id": "c1", "staff_id": "g1", "synced_until": (TEN - H).isoformat()}]
    silent = devices_until(TEN - H)
    [floor] = RC.floor_round_verdicts(DAY, {"0930": TEN}, {}, TEN + H, 30 * M, silent)
    assert (floor.status, floor.detail) == (RC.UNCONFIRMED, {"devices": marks})
    box = RC.box_open_verdict(DAY, TEN - 8 * H, TEN, None, TEN + M, silent, branch_id="b")
    assert (box.status, box.detail) == (RC.UNCONFIRMED, {"devices": marks})
    [reply] = RC.box_entry_verdicts(DAY, [RC.BoxEntryRecord("e", TEN - H, False)], TEN, TEN + M, silent)
    assert (reply.status, reply.detail) == (RC.UNCONFIRMED, {"devices": marks})


def test_floor_rounds_come_in_time_order_whatever_their_slot_ids():
    slots = {"b": TEN, "a": TEN + H}
    assert [v.subject_id for v in RC.floor_round_verdicts(DAY, slots, {}, TEN, 30 * M, no_devices)] == ["b", "a"]


def test_r_sec_5_a_patrol_exactly_on_the_hour_belongs_to_the_new_hour():
    on_the_hour = rec("p", TEN + H)
    verdicts = RC.patrol_verdicts(DAY, three_hours()[:2], [on_the_hour], TEN + 3 * H, {}, no_devices).verdicts
    assert [(v.status, v.evidence) for v in verdicts] == [(RC.MISSED, ()), (RC.MET, ("p",))]


def test_r_sec_5_an_hour_with_its_own_patrol_never_takes_one_from_its_grace():
    own, early_next, later_next = rec("own", TEN + 30 * M), rec("early", TEN + H + 5 * M), rec("late", TEN + H + 30 * M)
    verdicts = RC.patrol_verdicts(DAY, three_hours()[:2], [own, early_next, later_next], TEN + 3 * H, {},
                                  no_devices).verdicts
    assert [v.evidence for v in verdicts] == [("own",), ("late",)]
