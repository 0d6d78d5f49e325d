"""Entities as plain values: what the rules read and return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class BackorderPolicy(StrEnum):
    """What a product does when an order needs more than is available."""

    ALLOW = "allow"
    DENY = "deny"
    PREORDER = "preorder"


class ShipPolicy(StrEnum):
    PARTIAL = "partial"
    COMPLETE = "complete"


class LineStatus(StrEnum):
    ALLOCATED = "allocated"
    BACKORDERED = "backordered"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


OrderStatus = LineStatus
"""An order's status takes the same words as a line's, derived from its lines."""


MAX_ID = 2**63 - 1
"""The largest key the databases hold (a signed 64-bit integer)."""
MAX_QTY = 1_000_000_000
"""The largest quantity one request may name."""
MAX_PRIORITY = 1_000_000
"""Priorities run from -MAX_PRIORITY to MAX_PRIORITY."""


class Role(StrEnum):
    """What an API key may do; see ``backorder.domain.access``."""

    ADMIN = "admin"
    STAFF = "staff"
    STOREFRONT = "storefront"


class MovementKind(StrEnum):
    """Why on hand changed; the ledger sums to on hand (invariant 4)."""

    ADJUSTMENT = "adjustment"
    SHIPMENT = "shipment"
    RECEIPT = "receipt"


@dataclass(frozen=True, slots=True)
class Stock:
    """A product's rules and counters as read under its row lock."""

    product_id: int
    sku: str
    policy: BackorderPolicy
    on_hand: int
    allocated: int
    backordered: int
    release_date: date | None = None
    max_backorder_qty: int | None = None
    lead_time_days: int | None = None
    on_order: int = 0
    """Units on open purchase orders: none means no supply to read when dating a line."""

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated

    def is_held(self, today: date) -> bool:
        """A pre-order before its release date: stock may be on hand, yet every line waits."""
        return (
            self.policy is BackorderPolicy.PREORDER
            and self.release_date is not None
            and today < self.release_date
        )

    def backorder_room(self) -> int | None:
        """How many more units may wait, or None for no cap."""
        if self.max_backorder_qty is None:
            return None
        return max(self.max_backorder_qty - self.backordered, 0)


@dataclass(frozen=True, slots=True)
class WaitingLine:
    """An order line with units backordered, as the serving order sees it."""

    line_id: int
    order_id: int
    priority: int
    placed_at: datetime
    backordered: int


@dataclass(frozen=True, slots=True)
class Allocation:
    """Units of stock given to a line."""

    order_id: int
    line_id: int
    qty: int
