"""Keeping every waiting line's ETA current, and announcing delays.

A refresh pegs a product's whole queue against its open supply (see
``domain.pegging``) and writes only the lines whose date changed. It is the only
writer of ETAs besides order placement, which dates a new line at the end of the queue
from the units ahead of it, without reading them. The caller holds the product's lock.

A supplier's lateness counts receipts before today, so every date computed today uses
the same padding; the daily refresh picks up yesterday's receipts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backorder.db.repositories.orders import WaitingEta
from backorder.db.repositories.products import to_stock
from backorder.db.uow import Transaction, UnitOfWork, retrying
from backorder.domain.model import Stock
from backorder.domain.pegging import PegResult, Supply, eta_after, is_delay, peg
from backorder.domain.purchasing import choose_supplier, lateness_days
from backorder.services.clock import utcnow
from backorder.services.outbox import iso

DAILY_REFRESH = "daily_refresh"

LATENESS_RECEIPTS = 100
"""A supplier's lateness is read from its latest receipts: recent behaviour, and a
bounded read however long the history (it runs inside a product's lock)."""


@dataclass(frozen=True, slots=True)
class EtaBasis:
    """What dates a product's waiting lines: supply, a fresh order's arrival, release."""

    supplies: list[Supply]
    fallback: date | None
    not_before: date | None
    handling_days: int

    def after(self, ahead: int, qty: int) -> PegResult:
        return eta_after(
            ahead,
            qty,
            self.supplies,
            fallback=self.fallback,
            handling_days=self.handling_days,
            not_before=self.not_before,
        )


def eta_basis(tx: Transaction, stock: Stock, *, today: date) -> EtaBasis:
    settings = tx.settings
    # Nothing on order means no open purchase-order line to read (the counter, kept under
    # the product's lock, says so without a query).
    open_supply = tx.purchasing.open_supply(stock.product_id) if stock.on_order > 0 else []
    chosen = choose_supplier(tx.purchasing.offers_of(stock.product_id))
    suppliers = {s.supplier_id for s in open_supply} | ({chosen.supplier_id} if chosen else set())
    history = tx.purchasing.days_late(suppliers, before=today, recent=LATENESS_RECEIPTS)
    late = {sid: lateness_days(days, settings.lateness_percentile) for sid, days in history.items()}
    supplies = [Supply(s.qty, s.expected_date, late.get(s.supplier_id, 0)) for s in open_supply]
    held = stock.is_held(today)
    if held and stock.available > 0:
        supplies.insert(0, Supply(stock.available, today, source="stock"))
    fallback = None
    if chosen is not None:
        fallback = today + timedelta(days=chosen.lead_time_days + late.get(chosen.supplier_id, 0))
    elif stock.lead_time_days is not None:
        fallback = today + timedelta(days=stock.lead_time_days)
    return EtaBasis(
        supplies=supplies,
        fallback=fallback,
        not_before=stock.release_date if held else None,
        handling_days=settings.handling_days,
    )


def refresh_etas(tx: Transaction, product_ids: Iterable[int], *, now: datetime, reason: str) -> int:
    """Re-peg the queues of locked products; record one ``order.eta_changed`` per order
    with lines whose date moved past what its customer was told (one message for one
    change, however many of the order's products it touches). Returns lines changed."""
    product_ids = set(product_ids)
    if not product_ids:
        return 0
    changed = 0
    delays: dict[int, list[dict[str, str | int | None]]] = {}
    for stock in (to_stock(p) for p in tx.products.lock(product_ids).values()):
        if stock.backordered > 0:
            changed += _refresh(tx, stock, now=now, reason=reason, delays=delays)
    for order_id, lines in delays.items():
        payload = {"order_id": order_id, "reason": reason, "lines": lines}
        tx.events.add("order.eta_changed", payload, at=now)
    return changed


def _refresh(
    tx: Transaction,
    stock: Stock,
    *,
    now: datetime,
    reason: str,
    delays: dict[int, list[dict[str, str | int | None]]],
) -> int:
    basis = eta_basis(tx, stock, today=now.date())
    waiting = tx.orders.waiting_all(stock.product_id)
    results = peg(
        [(w.line_id, w.backordered) for w in waiting],
        basis.supplies,
        fallback=basis.fallback,
        handling_days=basis.handling_days,
        not_before=basis.not_before,
    )
    rows = []
    for w in waiting:
        result = results[w.line_id]
        eta, promised = result.estimated_ship_date, w.promised_ship_date
        if _announced(w, result, reason=reason):
            delays.setdefault(w.order_id, []).append(
                {
                    "line_id": w.line_id,
                    "sku": stock.sku,
                    "old_date": iso(promised),
                    "new_date": iso(eta),
                }
            )
            promised = eta
        elif promised is None:
            promised = eta
        before = (w.estimated_ship_date, w.eta_source, w.promised_ship_date)
        if (eta, result.source, promised) != before:
            rows.append(
                {"line_id": w.line_id, "eta": eta, "source": result.source, "promised": promised}
            )
    tx.orders.set_etas(rows)
    return len(rows)


def _announced(line: WaitingEta, result: PegResult, *, reason: str) -> bool:
    """A delay the customer must hear of now. A date that only rests on a lead time
    slides a day with every day that passes: the daily refresh does not announce that
    drift (the periodic waiting update carries the current date instead)."""
    drift = reason == DAILY_REFRESH and result.source == line.eta_source == "lead_time"
    return is_delay(line.promised_ship_date, result.estimated_ship_date) and not drift


def products_waiting(uow: UnitOfWork) -> list[int]:
    """Ids of the products that have waiting lines, for the daily refresh."""
    with uow.read() as tx:
        return tx.products.waiting_ids()


@retrying
def refresh_product(uow: UnitOfWork, product_id: int, *, now: datetime | None = None) -> int:
    """Re-peg one product in its own short transaction (the daily refresh runs these one
    by one, so no lock is held across the catalogue)."""
    with uow.write() as tx:
        changed = refresh_etas(tx, [product_id], now=now or utcnow(), reason=DAILY_REFRESH)
        tx.commit()
        return changed
