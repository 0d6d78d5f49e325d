"""Pegging: which incoming supply will fill which waiting line, and so when it ships.

Waiting lines are walked in serving order against open purchase-order lines in
expected-date order. A line covered by supply ships when the last supply it draws on
arrives, plus handling; a line beyond all open supply ships after a fresh order's lead
time. Every date carries the supplier's measured lateness: estimates are conservative.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Supply:
    """Units due on ``expected_date``: the open rest of a purchase-order line, or stock on
    hand that a pre-order holds until its release (``source="stock"``)."""

    qty: int
    expected_date: date
    lateness_days: int = 0
    source: str = "purchase_order"


class Demand(NamedTuple):
    """Units one waiting line needs, in serving order. (A tuple: a queue can hold
    100,000 of them.)"""

    line_id: int
    qty: int


class PegResult(NamedTuple):
    """A line's ETA and what it rests on: purchase_order, stock, lead_time, release, or
    None when no date can be given."""

    estimated_ship_date: date | None
    source: str | None

    @property
    def covered_by_supply(self) -> bool:
        return self.source in ("purchase_order", "stock")


def peg(
    demands: Iterable[tuple[int, int]],
    supplies: Sequence[Supply],
    *,
    fallback: date | None,
    handling_days: int,
    not_before: date | None = None,
) -> dict[int, PegResult]:
    """The ETA of every demand, (line_id, qty) pairs given in serving order.

    ``fallback`` is the arrival date of a new order from the chosen supplier (lateness
    included), or None when nothing is known. ``not_before`` (a pre-order's release date)
    is the earliest any line may ship, and the ETA of a line nothing else dates.
    """
    queue = sorted(supplies, key=lambda s: s.expected_date)
    handling = timedelta(days=handling_days)
    index, left = 0, queue[0].qty if queue else 0
    dated: dict[int, PegResult] = {}  # by supply index, -1 beyond all supply
    results: dict[int, PegResult] = {}
    for line_id, qty in demands:
        need, last = qty, -1
        while need > 0 and index < len(queue):
            take = min(need, left)
            need, left, last = need - take, left - take, index
            if left == 0:
                index += 1
                left = queue[index].qty if index < len(queue) else 0
        if need:
            last = -1
        if last not in dated:
            supply = queue[last] if last >= 0 else None
            dated[last] = _dated(supply, fallback, handling=handling, not_before=not_before)
        results[line_id] = dated[last]
    return results


def _dated(
    supply: Supply | None, fallback: date | None, *, handling: timedelta, not_before: date | None
) -> PegResult:
    if supply is not None:
        arrives: date | None = supply.expected_date + timedelta(days=supply.lateness_days)
        source: str | None = supply.source
    else:
        arrives, source = fallback, "lead_time" if fallback is not None else None
    eta = None if arrives is None else arrives + handling
    if not_before is not None and (eta is None or eta < not_before):
        return PegResult(not_before, source or "release")
    return PegResult(eta, source)


def eta_after(
    ahead: int,
    qty: int,
    supplies: Sequence[Supply],
    *,
    fallback: date | None,
    handling_days: int,
    not_before: date | None = None,
) -> PegResult:
    """The ETA of ``qty`` units queued behind ``ahead`` waiting units: what a new line at
    the end of the queue gets, without reading the lines ahead of it."""
    results = peg(
        [Demand(-1, ahead), Demand(0, qty)],
        supplies,
        fallback=fallback,
        handling_days=handling_days,
        not_before=not_before,
    )
    return results[0]


def is_delay(promised: date | None, estimated: date | None) -> bool:
    """A line is delayed when its ETA moves past the date the customer was given, or no
    date can be given any more."""
    return promised is not None and (estimated is None or estimated > promised)
