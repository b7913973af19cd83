"""On-site contractor rules (R-SEC-8, R-SEC-9): registered badges only, always shown
as non-bank staff."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

#: Marks a contractor's name wherever it is shown (R-SEC-8: clearly distinguishable;
#: R-SEC-9: never posing under the bank's name).
NON_BANK_MARK = "非本行 non-bank"


@dataclass(frozen=True)
class Badge:
    """A registered badge as the rules see it."""

    badge_no: str
    valid_from: date
    valid_to: date
    revoked: bool = False
    scope: Sequence[str] = ()


def badge_refusal(badge: Badge | None, on: date) -> str | None:
    """Why a check-in with ``badge`` on local date ``on`` is refused (R-SEC-8), or ``None``.

    Codes: ``badge_unknown`` (not registered in the branch), ``badge_revoked``,
    ``badge_not_yet_valid`` (before ``valid_from``), ``badge_expired`` (after
    ``valid_to``; both dates count as valid days).
    """
    if badge is None:
        return "badge_unknown"
    if badge.revoked:
        return "badge_revoked"
    if on < badge.valid_from:
        return "badge_not_yet_valid"
    if on > badge.valid_to:
        return "badge_expired"
    return None


def is_outside_scope(badge: Badge, area: str | None) -> bool:
    """True when ``area`` is named and the badge's authorised scope (R-SEC-8) lists
    areas that do not include it. An empty scope authorises no particular area check."""
    return bool(area) and bool(badge.scope) and area not in badge.scope


def display_name(name: str, employer: str | None) -> str:
    """A contractor's name as every screen shows it: with employer and the non-bank mark
    (R-SEC-8, R-SEC-9), e.g. ``赵工 Zhao（ATM 维保公司 · 非本行 non-bank）``."""
    who = f"{employer} · {NON_BANK_MARK}" if employer else NON_BANK_MARK
    return f"{name}（{who}）"
