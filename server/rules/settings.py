"""Per-branch values of the rules, with their defaults (domain.md: every time or count a
rule gives is a default, configurable per branch in ``branch.settings``).

``value(branch, name)`` is the one way rules and services read them (a pure rule passes
the branch's ``settings`` mapping instead), so a default is written exactly once, here.
A new feature adds its settings to ``DEFAULTS``.
"""
from __future__ import annotations

from typing import Any, Mapping

#: Defaults of the per-branch settings (R-SEC-2, R-SEC-5, R-SEC-8, R-OPS-1, R-OPS-2).
DEFAULTS: dict[str, Any] = {
    # R-SEC-5: an hour's patrol is due this long after the hour ends.
    "patrol_grace_minutes": 10,
    # R-SEC-2: posts a shift can be taken on, and which roles may take each post.
    "shift_posts": {"security": ["guard"], "cleaning": ["cleaner"], "onsite": ["onsite"]},
    # R-SEC-2: a planned shift with no start this long after its start time is unstaffed.
    "unstaffed_grace_minutes": 10,
    # R-SEC-2: a start this long before the planned time still staffs the planned shift.
    "shift_early_start_minutes": 30,
    # R-SEC-2: a post left uncovered longer than this between two shifts is a gap.
    "post_gap_grace_minutes": 5,
    # R-SEC-2: how far back the previous shift of a post is looked for.
    "post_gap_lookback_hours": 24,
    # R-OPS-1: the three floor rounds (三巡), slot id -> local time.
    "floor_round_slots": {"0930": "09:30", "1130": "11:30", "1600": "16:00"},
    # R-OPS-2: the scheduled coaching demonstration (两示范), local time.
    "coaching_times": ["10:30"],
    # Working days: whose weekly hours a weekend worked by the national calendar (调休上班) keeps.
    "adjusted_workday_hours": "mon",
    # R-CMP-5: a teller hands an oral complaint to the lobby manager after about 3 minutes,
    # the lobby manager to the service quality officer after about 10.
    "complaint_teller_handoff_minutes": 3,
    "complaint_lobby_handoff_minutes": 10,
    # R-CMP-5 judged (compliance): "about" — a hand-off this long after its time is still met.
    "complaint_handoff_grace_minutes": 2,
    # R-CMP-6: a phone complaint not settled on the call is answered within 1 working day.
    "complaint_phone_reply_working_days": 1,
    # The regulator's clock for consumer complaints: a decision within 15 days, 30 when
    # complex, a further 30 with a recorded approver; counted as calendar days (the
    # stricter reading) unless the branch says "working".
    "complaint_regulator_days": 15,
    "complaint_regulator_complex_days": 30,
    "complaint_regulator_extension_days": 30,
    "complaint_regulator_day_basis": "calendar",
    # Compliance (#14). R-SEC-2: a planned shift's holder hands over within this long after its end.
    "handover_grace_minutes": 15,
    # R-OPS-1: a floor round this close to its slot time is on time.
    "floor_round_tolerance_minutes": 30,
    # Alerts: a pending obligation this close to its due time raises ``due_soon``.
    "compliance_due_soon_minutes": 30,
    # Alerts: this many missed obligations in a day (patrol hours, box, complaints, ...)
    # alert the branch president.
    "repeated_miss_threshold": 3,
    # R-BOX-1: the box of a business day is opened after close of business and by this
    # local time of that day ("24:00": its end, "the same day").
    "box_open_deadline": "24:00",
    # R-BOX-2, R-BOX-3: every entry is answered and every customer phoned by this local
    # time of the entry's business day ("the same day").
    "box_entry_deadline": "24:00",
    # R-CMP-10: the day's forms and statistics are filed after close, by this local time.
    "statistics_filing_deadline": "24:00",
    # The regulator's clock (days long) warns this long before its due time (3 days).
    "complaint_regulator_due_soon_minutes": 3 * 24 * 60,
}


def value(branch: Any, key: str) -> Any:
    """The value of ``key`` for ``branch`` (a :class:`~server.models.org.Branch`, or its
    ``settings`` mapping), else the default. Unknown keys are a bug (KeyError)."""
    if key not in DEFAULTS:
        raise KeyError(f"unknown branch setting {key!r}")
    # ``dict`` first: ``isinstance(x, Mapping)`` is an ABC check, slow in the engine's loops.
    settings: Mapping[str, Any] | None = (
        branch if branch is None or isinstance(branch, dict) or isinstance(branch, Mapping) else branch.settings)
    if settings and key in settings and settings[key] is not None:
        return settings[key]
    return DEFAULTS[key]
