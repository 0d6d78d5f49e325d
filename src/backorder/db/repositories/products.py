"""Products and their stock counters.

Locking lives here and only here: ``lock`` takes the product rows a use case will change,
always in primary-key order, so two transactions never wait on each other in a cycle,
and on PostgreSQL each behind the product's turn, so waiters are served in arrival order.
Counters change in SQL (``on_hand = on_hand + :delta``), never read-modify-write.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from backorder.db.models import Product
from backorder.domain.model import BackorderPolicy, Stock
from backorder.metrics import LOCK_WAIT


def to_stock(product: Product | Row[*tuple[Any, ...]]) -> Stock:
    """A product's counters as a domain value, from the ORM object or a plain row of the
    same columns (``_stock_columns``)."""
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
        on_order=product.on_order,
    )


_products: Table = Product.__table__  # type: ignore[assignment]

_stock_columns = (
    _products.c.id,
    _products.c.sku,
    _products.c.backorder_policy,
    _products.c.on_hand,
    _products.c.allocated,
    _products.c.backordered,
    _products.c.release_date,
    _products.c.max_backorder_qty,
    _products.c.lead_time_days,
    _products.c.on_order,
)
_by_skus = _products.c.sku.in_(bindparam("skus", expanding=True))


def _in_turn(which: ColumnElement[bool]) -> ColumnElement[bool]:
    """PostgreSQL: the products ``which`` chooses, each once its turn has come: a
    condition that takes their turns, in id order, before the statement locks the rows.

    Waiters for a row lock are not served in the order they came: each commit of a hot
    product makes a new version of its row, and the waiters race for it, so an unlucky
    order can lose many times in a row (at 16 clients on one product, p50 10 ms and p99
    150 ms). A transaction-scoped advisory lock keyed by the product id waits in the
    lock manager's queue, first come first served, and is released at commit with the
    row; whoever holds it finds the row free. It changes who goes first, never whether
    a row is locked: the row lock still guards the counters. The turns are taken in id
    order because PostgreSQL evaluates a select list after ORDER BY when the list is not
    part of the ordering (the SELECT reference says so, since 9.6)."""
    turns = (
        select(_products.c.id, func.pg_advisory_xact_lock(_products.c.id))
        .where(which)
        .order_by(_products.c.id)
        .cte("turns")
    )
    return _products.c.id.in_(select(turns.c.id))


_LOCK_SKUS = select(*_stock_columns).where(_by_skus).order_by(_products.c.id).with_for_update()
"""Built once: order placement runs it for every order, and building a statement costs
more Python than running its cached compiled form."""
_LOCK_SKUS_IN_TURN = (
    select(*_stock_columns).where(_in_turn(_by_skus)).order_by(_products.c.id).with_for_update()
)
"""``_LOCK_SKUS`` behind the products' turns (``_in_turn``), in one round trip."""

_CHANGE_COUNTERS = (
    update(_products)
    .where(_products.c.id == bindparam("product_id"))
    .values(
        on_hand=_products.c.on_hand + bindparam("d_on_hand"),
        allocated=_products.c.allocated + bindparam("d_allocated"),
        backordered=_products.c.backordered + bindparam("d_backordered"),
        on_order=_products.c.on_order + bindparam("d_on_order"),
    )
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

    def lock_skus(self, skus: Iterable[str]) -> dict[str, Stock]:
        """Find and lock products by SKU in one statement (id order, as ``_locked``),
        read as plain rows: the hot path of order placement needs only the counters."""
        self.session.flush()
        connection = self.session.connection()
        query = _LOCK_SKUS if connection.dialect.name == "sqlite" else _LOCK_SKUS_IN_TURN
        with LOCK_WAIT.time():
            rows = connection.execute(query, {"skus": list(set(skus))}).all()
        return {row.sku: to_stock(row) for row in rows}

    def lock(self, product_ids: Iterable[int]) -> dict[int, Product]:
        """Lock the rows FOR UPDATE and return them fresh from the database."""
        return {p.id: p for p in self._locked(Product.id.in_(set(product_ids)))}

    def _locked(self, which: ColumnElement[bool]) -> list[Product]:
        """Rows locked in id order, whatever chose them: the one lock order of every use
        case, each behind the product's turn (``_in_turn``, in the same statement). On
        SQLite neither is taken: the write transaction already holds the database's
        single write lock (BEGIN IMMEDIATE), and a process's writers queue for it in
        order."""
        if self.session.connection().dialect.name != "sqlite":
            which = _in_turn(which)
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
        self.session.flush()
        self.session.connection().execute(
            _CHANGE_COUNTERS,
            {
                "product_id": product_id,
                "d_on_hand": on_hand,
                "d_allocated": allocated,
                "d_backordered": backordered,
                "d_on_order": on_order,
            },
        )

    def refresh(self, product: Product) -> Product:
        self.session.refresh(product)
        return product
