"""Line and order statuses, derived from quantities and never stored.

Storing them would let two transactions on different products of one order race to
write a stale status; deriving them keeps one source of truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backorder.domain.errors import ConflictError
from backorder.domain.model import LineStatus, OrderStatus, ShipPolicy


@dataclass(frozen=True, slots=True)
class LineQuantities:
    """ordered = allocated + backordered + shipped + cancelled, none negative (invariant 1)."""

    ordered: int
    allocated: int
    backordered: int
    shipped: int
    cancelled: int

    def is_balanced(self) -> bool:
        parts = (self.allocated, self.backordered, self.shipped, self.cancelled)
        return all(p >= 0 for p in parts) and sum(parts) == self.ordered and self.ordered >= 1


def line_status(q: LineQuantities) -> LineStatus:
    """The most pressing fact about a line: gone, done, waiting, half-shipped or ready."""
    if q.cancelled == q.ordered:
        return LineStatus.CANCELLED
    if q.shipped == q.ordered - q.cancelled:
        return LineStatus.SHIPPED
    if q.backordered > 0:
        return LineStatus.BACKORDERED
    if q.shipped > 0:
        return LineStatus.PARTIALLY_SHIPPED
    return LineStatus.ALLOCATED


def order_status(lines: Sequence[LineQuantities]) -> OrderStatus:
    """cancelled, shipped, partially_shipped, backordered, allocated: the first that holds.

    Fully cancelled lines count only when every line is cancelled.
    """
    live = [q for q in lines if q.cancelled < q.ordered]
    if not live:
        return OrderStatus.CANCELLED
    if all(q.shipped == q.ordered - q.cancelled for q in live):
        return OrderStatus.SHIPPED
    if any(q.shipped > 0 for q in lines):
        return OrderStatus.PARTIALLY_SHIPPED
    if any(q.backordered > 0 for q in live):
        return OrderStatus.BACKORDERED
    return OrderStatus.ALLOCATED


def check_shippable(policy: ShipPolicy, lines: Sequence[LineQuantities]) -> None:
    """Refuse a shipment that has nothing to carry or would break a ``complete`` order."""
    allocated = sum(q.allocated for q in lines)
    waiting = sum(q.backordered for q in lines)
    if allocated == 0:
        raise ConflictError(
            "nothing is allocated to this order, so there is nothing to ship",
            details={"allocated": 0, "backordered": waiting},
        )
    if policy is ShipPolicy.COMPLETE and waiting > 0:
        raise ConflictError(
            f"this order ships complete and {waiting} units still wait; "
            "ship when they arrive or change the order",
            details={"allocated": allocated, "backordered": waiting},
        )
