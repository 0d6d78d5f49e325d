"""Pegging: which incoming supply will fill which waiting line, and so when it ships.

Waiting lines are walked in serving order against open purchase-order lines in
expected-date order. A line covered by supply ships when the last supply it draws on
arrives, plus handling; a line beyond all open supply ships after a fresh order's lead
time. Every date carries the supplier's measured lateness: estimates are conservative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class Supply:
    """Open quantity of one purchase-order line, due on ``expected_date``."""

    qty: int
    expected_date: date
    lateness_days: int = 0


@dataclass(frozen=True, slots=True)
class Demand:
    """Units one waiting line needs, in serving order."""

    line_id: int
    qty: int


@dataclass(frozen=True, slots=True)
class PegResult:
    estimated_ship_date: date | None
    covered_by_supply: bool


def peg(
    demands: Sequence[Demand],
    supplies: Sequence[Supply],
    *,
    fallback: date | None,
    handling_days: int,
    not_before: date | None = None,
) -> dict[int, PegResult]:
    """The ETA of every demand (given in serving order).

    ``fallback`` is the arrival date of a new order from the chosen supplier (lateness
    included), or None when the product has no supplier. ``not_before`` (a pre-order's
    release date) is the earliest any line may ship.
    """
    queue = sorted(supplies, key=lambda s: s.expected_date)
    handling = timedelta(days=handling_days)
    index, left = 0, queue[0].qty if queue else 0
    results: dict[int, PegResult] = {}
    for demand in demands:
        need, arrives = demand.qty, None
        while need > 0 and index < len(queue):
            take = min(need, left)
            need, left = need - take, left - take
            supply = queue[index]
            arrives = supply.expected_date + timedelta(days=supply.lateness_days)
            if left == 0:
                index += 1
                left = queue[index].qty if index < len(queue) else 0
        covered = need == 0
        if not covered:
            arrives = fallback
        eta = None if arrives is None else arrives + handling
        if eta is not None and not_before is not None:
            eta = max(eta, not_before)
        results[demand.line_id] = PegResult(eta, covered)
    return results
