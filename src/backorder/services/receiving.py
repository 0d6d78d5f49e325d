"""Receiving stock against a purchase order, and the cross-dock list.

A receipt's cost grows with the lines it fills, not with the lines waiting: it serves
the head of each queue (at most one line read per unit received) and re-pegs a queue
only when the arrival could move other lines' dates (see ``_moves_dates``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from backorder.db.models import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine
from backorder.db.repositories.orders import ReadyOrder
from backorder.db.uow import Transaction, UnitOfWork, retrying
from backorder.domain.errors import ConflictError, InvalidInputError
from backorder.domain.model import Allocation, MovementKind, Stock
from backorder.services import outbox
from backorder.services.clock import utcnow
from backorder.services.etas import refresh_etas
from backorder.services.purchase_orders import lock_open_purchase_order
from backorder.services.serving import serve_product


@dataclass(frozen=True, slots=True)
class ReceivedAllocation:
    order_id: int
    line_id: int
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class ExtraStock:
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class ReceiptView:
    receipt_id: int
    purchase_order_id: int
    status: str
    allocations: list[ReceivedAllocation]
    ready_to_ship: list[int]
    extra: list[ExtraStock]


@retrying
def receive_purchase_order(
    uow: UnitOfWork,
    po_id: int,
    lines: Sequence[tuple[str, int]],
    *,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> ReceiptView:
    """Stock arrives, the ledger records it, and it goes at once to waiting lines in
    serving order. Units beyond a line's open quantity are taken as extra stock.

    A receipt sent again with the same ``idempotency_key`` (a reload, a double click) is
    refused: counting one delivery twice would hand out stock that is not there."""
    now = now or utcnow()
    skus = [sku for sku, _ in lines]
    if len(set(skus)) != len(skus):
        raise InvalidInputError("a SKU may appear once per receipt", details={"field": "lines"})
    with uow.write() as tx:
        po, stock = lock_open_purchase_order(tx, po_id)
        if idempotency_key is not None and tx.purchasing.has_receipt(idempotency_key):
            raise ConflictError(
                "this receipt was recorded already; open the purchase order to see what is "
                "left to receive",
                details={"purchase_order_id": po_id},
            )
        on_po = {stock[ln.product_id].sku: ln for ln in po.lines}
        for sku in skus:
            if sku not in on_po:
                raise InvalidInputError(
                    f"{sku!r} is not on purchase order {po_id}; receive it as a stock adjustment",
                    details={"sku": sku, "on_purchase_order": sorted(on_po)},
                )
        receipt = Receipt(
            purchase_order_id=po.id,
            supplier_id=po.supplier_id,
            days_late=(now.date() - po.expected_date).days,
            idempotency_key=idempotency_key,
            created_at=now,
        )
        received = [(on_po[sku], qty) for sku, qty in lines]
        extra = [
            ExtraStock(stock[ln.product_id].sku, qty - ln.open_qty)
            for ln, qty in received
            if qty > ln.open_qty
        ]
        tx.purchasing.add_receipt(receipt, _receipt_lines(received))
        allocations, repeg = _stock_in(tx, po, received, stock, receipt=receipt, now=now)
        refresh_etas(tx, repeg, now=now, reason="stock_received")
        done = all(ln.open_qty == 0 for ln in _fresh_lines(tx, po))
        status = "received" if done else "partially_received"
        tx.purchasing.set_status(po, status)
        outbox.allocations(tx, [(a.sku, _as_allocation(a)) for a in allocations], now=now)
        filled = {a.order_id for a in allocations}
        ready = tx.orders.shippable(order_ids=filled, limit=len(filled))
        view = ReceiptView(
            receipt_id=receipt.id,
            purchase_order_id=po.id,
            status=status,
            allocations=allocations,
            ready_to_ship=[r.order_id for r in ready],
            extra=extra,
        )
        tx.commit()
        return view


def _as_allocation(a: ReceivedAllocation) -> Allocation:
    return Allocation(order_id=a.order_id, line_id=a.line_id, qty=a.qty)


def _receipt_lines(received: Sequence[tuple[PurchaseOrderLine, int]]) -> list[ReceiptLine]:
    return [
        ReceiptLine(
            purchase_order_line_id=ln.id,
            product_id=ln.product_id,
            qty=qty,
            extra=max(qty - ln.open_qty, 0),
        )
        for ln, qty in received
    ]


def _stock_in(
    tx: Transaction,
    po: PurchaseOrder,
    received: Sequence[tuple[PurchaseOrderLine, int]],
    stock: dict[int, Stock],
    *,
    receipt: Receipt,
    now: datetime,
) -> tuple[list[ReceivedAllocation], set[int]]:
    """Book each line's units in and serve the queue; return the allocations and the
    products whose queues must be re-pegged."""
    allocations: list[ReceivedAllocation] = []
    repeg: set[int] = set()
    for line, qty in received:
        accepted = min(qty, line.open_qty)
        first_due = tx.purchasing.open_supply(line.product_id)[:1]
        tx.purchasing.change_po_line(line.id, received=accepted)
        tx.products.change_counters(line.product_id, on_hand=qty, on_order=-accepted)
        tx.ledger.record(
            line.product_id,
            MovementKind.RECEIPT,
            delta=qty,
            reason=f"purchase order {po.id}",
            at=now,
            receipt_id=receipt.id,
        )
        before = stock[line.product_id]
        arrived = replace(before, on_hand=before.on_hand + qty)
        after, served = serve_product(tx, arrived, today=now.date())
        outbox.back_in_stock(tx, before, after, now=now)
        units = sum(a.qty for a in served)
        was_first = bool(first_due) and first_due[0].po_line_id == line.id
        if _moves_dates(accepted=accepted, qty=qty, served=units, was_first=was_first):
            repeg.add(line.product_id)
        allocations += [
            ReceivedAllocation(a.order_id, a.line_id, before.sku, a.qty) for a in served
        ]
    return allocations, repeg


def _moves_dates(*, accepted: int, qty: int, served: int, was_first: bool) -> bool:
    """Whether waiting lines left in the queue may now have other dates.

    When the earliest-due supply delivers exactly what it owed and all of it goes to the
    head of the queue, demand and supply both shrink by the same units from the front:
    every remaining line pegs to the same supply as before, so nothing needs re-pegging.
    """
    return not (was_first and accepted == qty == served)


def _fresh_lines(tx: Transaction, po: PurchaseOrder) -> list[PurchaseOrderLine]:
    fresh = tx.purchasing.purchase_order(po.id)
    return fresh.lines if fresh is not None else []


def ready_shipments(uow: UnitOfWork, *, offset: int = 0, limit: int = 100) -> list[ReadyOrder]:
    """Every order that can ship now under its ship policy, oldest first."""
    with uow.read() as tx:
        return tx.orders.shippable(offset=offset, limit=limit)
