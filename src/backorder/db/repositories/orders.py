"""Orders, their lines, shipments, and the queue of waiting lines.

Callers change a line's quantities only while holding its product's row lock, so every
change here is a delta in SQL and reads that follow a lock use ``populate_existing``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Table,
    bindparam,
    case,
    distinct,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, selectinload

from backorder.db.models import (
    SERVING,
    WAITING,
    Customer,
    Order,
    OrderLine,
    Product,
    Shipment,
    ShipmentLine,
)
from backorder.domain.model import Allocation, WaitingLine

_lines: Table = OrderLine.__table__  # type: ignore[assignment]
_orders: Table = Order.__table__  # type: ignore[assignment]

_INSERT_ORDER = _orders.insert().returning(_orders.c.id)
_INSERT_LINES = _lines.insert().returning(_lines.c.id, sort_by_parameter_order=True)


def _line_update() -> Any:
    """One UPDATE of a line by deltas; clears its ETA once nothing of it waits."""
    still_waiting = _lines.c.backordered + bindparam("d_backordered") > 0
    return (
        update(_lines)
        .where(_lines.c.id == bindparam("line_id"))
        .values(
            allocated=_lines.c.allocated + bindparam("d_allocated"),
            backordered=_lines.c.backordered + bindparam("d_backordered"),
            shipped=_lines.c.shipped + bindparam("d_shipped"),
            cancelled=_lines.c.cancelled + bindparam("d_cancelled"),
            estimated_ship_date=case((still_waiting, _lines.c.estimated_ship_date), else_=None),
            eta_source=case((still_waiting, _lines.c.eta_source), else_=None),
        )
    )


DELTAS = ("d_allocated", "d_backordered", "d_shipped", "d_cancelled")

_LINES_UPDATE_UNNEST = text(
    """
    UPDATE order_lines AS l SET
      allocated = l.allocated + v.d_allocated,
      backordered = l.backordered + v.d_backordered,
      shipped = l.shipped + v.d_shipped,
      cancelled = l.cancelled + v.d_cancelled,
      estimated_ship_date =
        CASE WHEN l.backordered + v.d_backordered > 0 THEN l.estimated_ship_date END,
      eta_source = CASE WHEN l.backordered + v.d_backordered > 0 THEN l.eta_source END
    FROM unnest(
      CAST(:line_ids AS bigint[]), CAST(:d_allocated AS integer[]),
      CAST(:d_backordered AS integer[]), CAST(:d_shipped AS integer[]),
      CAST(:d_cancelled AS integer[])
    ) AS v(line_id, d_allocated, d_backordered, d_shipped, d_cancelled)
    WHERE l.id = v.line_id
    """
)
"""``_line_update`` for many lines at once, on PostgreSQL (arrays, so the statement is
the same whatever the number of lines)."""


def _eta_update() -> Any:
    return (
        update(_lines)
        .where(_lines.c.id == bindparam("line_id"))
        .values(
            estimated_ship_date=bindparam("eta"),
            eta_source=bindparam("source"),
            promised_ship_date=bindparam("promised"),
        )
    )


class WaitingEta(NamedTuple):
    line_id: int
    order_id: int
    backordered: int
    estimated_ship_date: date | None
    eta_source: str | None
    promised_ship_date: date | None


@dataclass(frozen=True, slots=True)
class ReadyOrder:
    """An order that can ship now: the cross-dock list is made of these."""

    order_id: int
    customer_id: int
    ship_policy: str
    units: int


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def insert(self, row: dict[str, Any]) -> int:
        """Insert an order row (Core, not the ORM: placement runs it for every order)."""
        return int(self.session.connection().execute(_INSERT_ORDER, row).scalar_one())

    def insert_lines(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert lines in one statement; their ids come back in the rows' order."""
        result = self.session.connection().execute(_INSERT_LINES, rows)
        return [int(line_id) for line_id in result.scalars()]

    def get(self, order_id: int) -> Order | None:
        """The order with its lines and their products, read fresh from the database."""
        query = (
            select(Order)
            .where(Order.id == order_id)
            .options(selectinload(Order.lines).selectinload(OrderLine.product))
            .execution_options(populate_existing=True)
        )
        return self.session.scalar(query)

    def by_idempotency_key(self, key: str) -> Order | None:
        order_id = self.session.scalar(select(Order.id).where(Order.idempotency_key == key))
        return None if order_id is None else self.get(order_id)

    def product_ids(self, order_id: int) -> list[int]:
        query = select(OrderLine.product_id).where(OrderLine.order_id == order_id).distinct()
        return list(self.session.scalars(query))

    def change_lines(self, changes: Iterable[dict[str, int]]) -> None:
        """Apply quantity deltas: dicts with line_id and d_allocated, d_backordered,
        d_shipped, d_cancelled (missing ones are 0). The CHECK on the line refuses any
        change that would unbalance it."""
        totals: dict[int, list[int]] = {}
        for change in changes:
            total = totals.setdefault(change["line_id"], [0, 0, 0, 0])
            for i, key in enumerate(DELTAS):
                total[i] += change.get(key, 0)
        if not totals:
            return
        self.session.flush()
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            # One statement for any number of lines: a receipt filling 1,000 lines
            # spent a third of its time in 1,000 pipelined UPDATEs.
            columns = list(zip(*totals.values(), strict=True))
            params = {"line_ids": list(totals)} | {
                key: list(column) for key, column in zip(DELTAS, columns, strict=True)
            }
            connection.execute(_LINES_UPDATE_UNNEST, params)
            return
        rows = [
            dict(zip(DELTAS, total, strict=True)) | {"line_id": line_id}
            for line_id, total in totals.items()
        ]
        connection.execute(_line_update(), rows)

    def allocate(self, allocations: Iterable[Allocation]) -> None:
        self.change_lines(
            {"line_id": a.line_id, "d_allocated": a.qty, "d_backordered": -a.qty}
            for a in allocations
        )

    def waiting(self, product_id: int, *, limit: int) -> list[WaitingLine]:
        """The first ``limit`` waiting lines of a product in serving order (one index scan)."""
        query = (
            select(
                OrderLine.id,
                OrderLine.order_id,
                OrderLine.priority,
                OrderLine.placed_at,
                OrderLine.backordered,
            )
            .where(OrderLine.product_id == product_id, WAITING)
            .order_by(*SERVING)
            .limit(limit)
        )
        return [
            WaitingLine(line_id=i, order_id=o, priority=p, placed_at=t, backordered=b)
            for i, o, p, t, b in self.session.execute(query)
        ]

    def waiting_all(self, product_id: int) -> list[WaitingEta]:
        """Every waiting line of a product in serving order, with its dates: what a full
        ETA refresh walks. One index scan, only the columns pegging needs, read through
        Core rather than the ORM (the queue can be 100,000 lines long)."""
        return self._queues(_lines.c.product_id == product_id).get(product_id, [])

    def waiting_by_product(self) -> dict[int, list[WaitingEta]]:
        """Every waiting line of every product, each product's in serving order: one
        scan of the waiting-lines index instead of one query per product."""
        return self._queues(WAITING)

    def _queues(self, which: ColumnElement[bool]) -> dict[int, list[WaitingEta]]:
        c = _lines.c
        query = (
            select(
                c.product_id,
                c.id,
                c.order_id,
                c.backordered,
                c.estimated_ship_date,
                c.eta_source,
                c.promised_ship_date,
            )
            .where(which, WAITING)
            .order_by(c.product_id, *SERVING)
        )
        self.session.flush()
        queues: dict[int, list[WaitingEta]] = {}
        for product_id, *rest in self.session.connection().execute(query):
            queues.setdefault(product_id, []).append(WaitingEta(*rest))
        return queues

    def uncovered_orders(
        self, covered: dict[int, int], *, first: int
    ) -> dict[int, tuple[int, list[int]]]:
        """Per product id in ``covered``: the orders whose waiting units lie beyond the
        first ``covered[id]`` units of its queue, as (how many, the first ``first`` in
        serving order). Running sums in the database, two queries for all the products,
        so long queues are not read into Python."""
        if not covered:
            return {}
        c = _lines.c
        through = func.sum(c.backordered).over(partition_by=c.product_id, order_by=SERVING)
        ranked = (
            select(
                c.product_id, c.order_id, c.priority, c.placed_at, c.id, through.label("through")
            )
            .where(c.product_id.in_(covered), WAITING)
            .subquery()
        )
        already = case(covered, value=ranked.c.product_id, else_=0)
        beyond = select(ranked).where(ranked.c.through > already).subquery()
        place = func.row_number().over(
            partition_by=beyond.c.product_id,
            order_by=(beyond.c.priority.desc(), beyond.c.placed_at, beyond.c.id),
        )
        heads = select(beyond.c.product_id, beyond.c.order_id, place.label("place")).subquery()
        connection = self.session.connection()
        counts = connection.execute(
            select(beyond.c.product_id, func.count(distinct(beyond.c.order_id))).group_by(
                beyond.c.product_id
            )
        )
        found: dict[int, tuple[int, list[int]]] = {pid: (n, []) for pid, n in counts}
        query = (
            select(heads.c.product_id, heads.c.order_id)
            .where(heads.c.place <= first * 4)
            .order_by(heads.c.product_id, heads.c.place)
        )
        for product_id, order_id in connection.execute(query):
            orders = found[product_id][1]
            if order_id not in orders and len(orders) < first:
                orders.append(order_id)
        return found

    def has_waiting_behind(self, product_id: int, priority: int) -> bool:
        """Whether a new line of ``priority`` would be served before any waiting line."""
        query = (
            select(OrderLine.id)
            .where(
                OrderLine.product_id == product_id,
                WAITING,
                OrderLine.priority < priority,
            )
            .limit(1)
        )
        return self.session.scalar(query) is not None

    def set_etas(self, rows: Iterable[dict[str, Any]]) -> None:
        """Rows of line_id, eta, source, promised: one executemany UPDATE."""
        rows = list(rows)
        if rows:
            self.session.flush()
            self.session.connection().execute(_eta_update(), rows)

    def waiting_unheard_since(self, since: datetime, *, limit: int) -> list[Any]:
        """Waiting lines of orders placed before ``since`` whose customer has not heard
        about them since then: (order_id, customer_id, line_id, sku, backordered,
        estimated_ship_date), for at most ``limit`` orders, oldest first."""
        unheard = Order.customer_updated_at.is_(None) | (Order.customer_updated_at <= since)
        due = (
            select(Order.id)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(WAITING, Order.created_at <= since, unheard)
            .group_by(Order.id)
            .order_by(Order.id)
            .limit(limit)
        ).subquery()
        query = (
            select(
                Order.id.label("order_id"),
                Order.customer_id,
                OrderLine.id.label("line_id"),
                Product.sku,
                OrderLine.backordered,
                OrderLine.estimated_ship_date,
            )
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(Order.id.in_(select(due.c.id)), WAITING)
            .order_by(Order.id, OrderLine.id)
        )
        return list(self.session.execute(query))

    def customer_name(self, order_id: int) -> str | None:
        query = select(Customer.name).join(Order, Order.customer_id == Customer.id)
        return self.session.scalar(query.where(Order.id == order_id))

    def mark_customer_updated(self, order_ids: Iterable[int], *, at: datetime) -> None:
        self.session.execute(
            update(Order)
            .where(Order.id.in_(set(order_ids)))
            .values(customer_updated_at=at)
            .execution_options(synchronize_session=False)
        )

    def promise_current_dates(self, order_ids: Iterable[int]) -> None:
        """The customer has just been told each waiting line's current date."""
        self.session.execute(
            update(_lines)
            .where(_lines.c.order_id.in_(set(order_ids)), WAITING)
            .values(promised_ship_date=_lines.c.estimated_ship_date)
        )

    def set_priority(self, order_id: int, priority: int) -> None:
        self.session.execute(
            update(_lines).where(_lines.c.order_id == order_id).values(priority=priority)
        )

    def shippable(
        self, *, order_ids: Iterable[int] | None = None, offset: int = 0, limit: int = 100
    ) -> list[ReadyOrder]:
        """Orders that can ship now under their ship policy, oldest first."""
        allocated = func.sum(OrderLine.allocated)
        waiting = func.sum(OrderLine.backordered)
        query = (
            select(Order.id, Order.customer_id, Order.ship_policy, allocated)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .group_by(Order.id, Order.customer_id, Order.ship_policy)
            .having(allocated > 0, (Order.ship_policy == "partial") | (waiting == 0))
            .order_by(Order.id)
            .offset(offset)
            .limit(limit)
        )
        if order_ids is not None:
            query = query.where(Order.id.in_(set(order_ids)))
        return [ReadyOrder(*row) for row in self.session.execute(query)]

    def queue(
        self, *, sku: str | None, customer_id: int | None, offset: int, limit: int
    ) -> list[dict[str, Any]]:
        """Waiting lines in serving order, each with its position in its product's queue.

        The position is computed over the whole product queue before the customer filter,
        so a customer sees where each of their lines really stands.
        """
        position = func.row_number().over(
            partition_by=OrderLine.product_id,
            order_by=SERVING,
        )
        inner = (
            select(
                OrderLine.id.label("line_id"),
                OrderLine.order_id,
                Product.sku,
                Order.customer_id,
                OrderLine.backordered,
                OrderLine.priority,
                OrderLine.placed_at.label("created_at"),
                OrderLine.estimated_ship_date,
                OrderLine.eta_source,
                position.label("position"),
            )
            .join(Order, Order.id == OrderLine.order_id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(WAITING)
        )
        if sku is not None:
            inner = inner.where(Product.sku == sku)
        ranked = inner.subquery()
        query = select(ranked)
        if customer_id is not None:
            query = query.where(ranked.c.customer_id == customer_id)
        query = (
            query.order_by(ranked.c.priority.desc(), ranked.c.created_at, ranked.c.line_id)
            .offset(offset)
            .limit(limit)
        )
        return [dict(row) for row in self.session.execute(query).mappings()]

    def add_shipment(self, shipment: Shipment, lines: Iterable[ShipmentLine]) -> None:
        self.session.add(shipment)
        self.session.flush()
        for line in lines:
            line.shipment_id = shipment.id
            self.session.add(line)
        self.session.flush()

    def shipment_lines(self, shipment_id: int) -> list[tuple[int, str, int]]:
        """(line_id, sku, qty) of a shipment."""
        query = (
            select(ShipmentLine.line_id, Product.sku, ShipmentLine.qty)
            .join(OrderLine, OrderLine.id == ShipmentLine.line_id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(ShipmentLine.shipment_id == shipment_id)
            .order_by(ShipmentLine.line_id)
        )
        return list(self.session.execute(query))
