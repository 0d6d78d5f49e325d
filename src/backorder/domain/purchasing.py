"""Buying: which supplier, how much to order, and how late a supplier tends to be."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class SupplierOffer:
    """What one supplier asks for one product."""

    supplier_id: int
    cost: Decimal
    lead_time_days: int
    min_order_qty: int = 1
    pack_size: int = 1
    preferred: bool = False


def choose_supplier(offers: Sequence[SupplierOffer]) -> SupplierOffer | None:
    """The preferred offer; with none preferred, the shortest lead time, then the lowest
    cost, then the lowest supplier id (so the choice is stable)."""
    if not offers:
        return None
    return min(offers, key=lambda o: (not o.preferred, o.lead_time_days, o.cost, o.supplier_id))


def order_quantity(need: int, offer: SupplierOffer) -> int:
    """``need`` raised to the minimum order quantity and rounded up to whole packs."""
    if need <= 0:
        return 0
    qty = max(need, offer.min_order_qty)
    return math.ceil(qty / offer.pack_size) * offer.pack_size


def percentile(values: Sequence[int], pct: float) -> int:
    """Nearest-rank percentile: a value that was really seen, never an interpolation."""
    if not values:
        return 0
    ordered = sorted(values)
    rank = max(math.ceil(pct / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def lateness_days(days_late: Sequence[int], pct: float) -> int:
    """The days a supplier's dates are padded with: a percentile of how late it was
    (early counts as on time); none without history."""
    return percentile([max(d, 0) for d in days_late], pct)


@dataclass(frozen=True, slots=True)
class Performance:
    """How a supplier kept its dates, over its past receipts."""

    receipts: int
    on_time_rate: float | None
    mean_days_late: float | None
    p80_days_late: int


def performance(days_late: Sequence[int]) -> Performance:
    """``days_late`` per receipt (negative when early). Early counts as on time, 0 late."""
    if not days_late:
        return Performance(0, None, None, 0)
    late = [max(d, 0) for d in days_late]
    return Performance(
        receipts=len(late),
        on_time_rate=sum(1 for d in late if d == 0) / len(late),
        mean_days_late=sum(late) / len(late),
        p80_days_late=lateness_days(late, 80),
    )


@dataclass(frozen=True, slots=True)
class Cover:
    """Units of one waiting line that a suggested purchase covers."""

    order_id: int
    line_id: int
    qty: int


def uncovered(waiting: Sequence[Cover], *, covered: int) -> list[Cover]:
    """The waiting units (in serving order) beyond the first ``covered`` ones, which stock
    and open purchase orders already account for."""
    result: list[Cover] = []
    for line in waiting:
        skip = min(covered, line.qty)
        covered -= skip
        if line.qty > skip:
            result.append(Cover(line.order_id, line.line_id, line.qty - skip))
    return result
