"""Products and their stock counters.

Locking lives here and only here: ``lock`` takes the product rows a use case will change,
always in primary-key order, so two transactions never wait on each other in a cycle.
Counters change in SQL (``on_hand = on_hand + :delta``), never read-modify-write.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from backorder.db.models import Product
from backorder.domain.model import BackorderPolicy, Stock
from backorder.metrics import LOCK_WAIT


def to_stock(product: Product) -> Stock:
    return Stock(
        product_id=product.id,
        sku=product.sku,
        policy=BackorderPolicy(product.backorder_policy),
        on_hand=product.on_hand,
        allocated=product.allocated,
        backordered=product.backordered,
        release_date=product.release_date,
        max_backorder_qty=product.max_backorder_qty,
        lead_time_days=product.lead_time_days,
    )


class ProductRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, product: Product) -> None:
        self.session.add(product)
        self.session.flush()

    def by_sku(self, sku: str) -> Product | None:
        return self.session.scalar(select(Product).where(Product.sku == sku))

    def by_skus(self, skus: Iterable[str]) -> dict[str, Product]:
        rows = self.session.scalars(select(Product).where(Product.sku.in_(set(skus))))
        return {p.sku: p for p in rows}

    def page(self, *, offset: int, limit: int) -> list[Product]:
        query = select(Product).order_by(Product.sku).offset(offset).limit(limit)
        return list(self.session.scalars(query))

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Product)) or 0

    def all_by_sku(self) -> list[Product]:
        return list(self.session.scalars(select(Product).order_by(Product.sku)))

    def backordered_units(self) -> int:
        return int(self.session.scalar(select(func.sum(Product.backordered))) or 0)

    def releasable_preorders(self, today: date) -> list[int]:
        """Pre-orders released by ``today`` that hold stock while lines still wait."""
        query = select(Product.id).where(
            Product.backorder_policy == BackorderPolicy.PREORDER.value,
            Product.release_date <= today,
            Product.backordered > 0,
            Product.on_hand > Product.allocated,
        )
        return list(self.session.scalars(query))

    def names(self, skus: Iterable[str]) -> dict[str, str]:
        query = select(Product.sku, Product.name).where(Product.sku.in_(set(skus)))
        return {str(sku): str(name) for sku, name in self.session.execute(query)}

    def waiting_ids(self) -> list[int]:
        query = select(Product.id).where(Product.backordered > 0).order_by(Product.id)
        return list(self.session.scalars(query))

    def lock_skus(self, skus: Iterable[str]) -> list[Product]:
        """Find and lock products by SKU in one statement."""
        return self._locked(Product.sku.in_(set(skus)))

    def lock(self, product_ids: Iterable[int]) -> dict[int, Product]:
        """Lock the rows FOR UPDATE and return them fresh from the database."""
        return {p.id: p for p in self._locked(Product.id.in_(set(product_ids)))}

    def _locked(self, which: ColumnElement[bool]) -> list[Product]:
        """Rows locked in id order, whatever chose them: the one lock order of every use
        case. On SQLite the clause is omitted: the write transaction already holds the
        database's single write lock (BEGIN IMMEDIATE)."""
        query = (
            select(Product)
            .where(which)
            .order_by(Product.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        with LOCK_WAIT.time():
            return list(self.session.scalars(query))

    def change_counters(
        self,
        product_id: int,
        *,
        on_hand: int = 0,
        allocated: int = 0,
        backordered: int = 0,
        on_order: int = 0,
    ) -> None:
        """Add deltas to the counters in one UPDATE; CHECK constraints refuse a breach."""
        if not (on_hand or allocated or backordered or on_order):
            return
        self.session.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(
                on_hand=Product.on_hand + on_hand,
                allocated=Product.allocated + allocated,
                backordered=Product.backordered + backordered,
                on_order=Product.on_order + on_order,
            )
            .execution_options(synchronize_session=False)
        )

    def refresh(self, product: Product) -> Product:
        self.session.refresh(product)
        return product
