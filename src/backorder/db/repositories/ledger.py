"""The append-only inventory movement ledger, and the sums that rebuild stock from it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backorder.db.models import InventoryMovement, OrderLine
from backorder.domain.model import MovementKind


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        product_id: int,
        kind: MovementKind,
        *,
        delta: int,
        reason: str,
        at: datetime,
        shipment_id: int | None = None,
        receipt_id: int | None = None,
    ) -> None:
        self.session.add(
            InventoryMovement(
                product_id=product_id,
                kind=kind.value,
                delta=delta,
                reason=reason,
                shipment_id=shipment_id,
                receipt_id=receipt_id,
                created_at=at,
            )
        )

    def history(self, product_id: int, *, limit: int) -> list[InventoryMovement]:
        query = (
            select(InventoryMovement)
            .where(InventoryMovement.product_id == product_id)
            .order_by(InventoryMovement.id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def on_hand_by_product(self) -> dict[int, int]:
        """Sum of every movement per product: what on hand must be."""
        query = select(InventoryMovement.product_id, func.sum(InventoryMovement.delta)).group_by(
            InventoryMovement.product_id
        )
        return {pid: int(total) for pid, total in self.session.execute(query)}

    def shipped_by_product(self) -> dict[int, int]:
        """Units the ledger says left in shipments, per product (a positive number)."""
        query = (
            select(InventoryMovement.product_id, func.sum(InventoryMovement.delta))
            .where(InventoryMovement.kind == MovementKind.SHIPMENT.value)
            .group_by(InventoryMovement.product_id)
        )
        return {pid: -int(total) for pid, total in self.session.execute(query)}

    def line_totals_by_product(self) -> dict[int, tuple[int, int, int]]:
        """(allocated, backordered, shipped) summed over order lines, per product."""
        query = select(
            OrderLine.product_id,
            func.sum(OrderLine.allocated),
            func.sum(OrderLine.backordered),
            func.sum(OrderLine.shipped),
        ).group_by(OrderLine.product_id)
        return {pid: (int(a), int(b), int(s)) for pid, a, b, s in self.session.execute(query)}
