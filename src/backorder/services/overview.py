"""What the dashboard's overview and charts show: the backlog at a glance and over time.

Each figure is one indexed query or a sum of the products' counters, never a walk of the
waiting lines, so the overview costs the same with 100 or 100,000 lines waiting.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backorder.db.repositories.reports import Backlog, OldestLine
from backorder.db.uow import UnitOfWork, retrying
from backorder.services.clock import utcnow

AGE_BANDS_DAYS = (1, 3, 7, 14, 30, 60)
"""The days-waiting histogram's band edges: under 1 day, 1-3, ..., over 60."""
HISTORY_DAYS = 90
TOP_PRODUCTS = 10


@dataclass(frozen=True, slots=True)
class Overview:
    today: date
    backlog: Backlog
    oldest: OldestLine | None
    past_eta: int
    out_of_stock_waiting: int
    purchase_orders_due_this_week: int
    purchase_orders_overdue: int

    @property
    def oldest_days(self) -> int | None:
        return None if self.oldest is None else (self.today - self.oldest.placed_at.date()).days


def overview(uow: UnitOfWork, *, today: date | None = None) -> Overview:
    today = today or utcnow().date()
    with uow.read() as tx:
        reports = tx.reports
        return Overview(
            today=today,
            backlog=reports.backlog(),
            oldest=reports.oldest_waiting(),
            past_eta=reports.past_eta(today),
            out_of_stock_waiting=reports.out_of_stock_waiting(),
            purchase_orders_due_this_week=reports.purchase_orders_due(
                after=today, before=today + timedelta(days=7)
            ),
            purchase_orders_overdue=reports.purchase_orders_due(after=None, before=today),
        )


@dataclass(frozen=True, slots=True)
class Series:
    """One chart: labels along the axis, a value for each."""

    labels: list[str]
    values: list[float]


@dataclass(frozen=True, slots=True)
class Charts:
    backlog_units: Series
    top_products: Series
    days_waiting: Series
    supplier_on_time: Series
    """On-time rate (0-100) per supplier that has delivered."""


def charts(uow: UnitOfWork, *, now: datetime | None = None) -> Charts:
    now = now or utcnow()
    with uow.read() as tx:
        reports = tx.reports
        history = {s.day: s.units for s in reports.snapshots(now.date() - timedelta(HISTORY_DAYS))}
        history[now.date()] = reports.backlog().units  # today, as it stands now
        top = reports.top_waiting_products(TOP_PRODUCTS)
        ages = reports.waiting_since_counts([now - timedelta(days=d) for d in AGE_BANDS_DAYS])
        suppliers = reports.on_time_by_supplier()
    edges = AGE_BANDS_DAYS
    age_labels = [f"< {edges[0]} d"]
    age_labels += [f"{a}-{b} d" for a, b in itertools.pairwise(edges)]
    age_labels.append(f"> {edges[-1]} d")
    return Charts(
        backlog_units=Series(
            [day.isoformat() for day in sorted(history)], [history[d] for d in sorted(history)]
        ),
        top_products=Series([sku for sku, _, _ in top], [units for _, _, units in top]),
        days_waiting=Series(age_labels, [float(n) for n in ages]),
        supplier_on_time=Series(
            [name for name, _, _ in suppliers],
            [round(100 * on_time / receipts, 1) for _, receipts, on_time in suppliers],
        ),
    )


@retrying
def record_backlog(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """Keep today's point of the backlog chart (the worker runs this every hour)."""
    now = now or utcnow()
    with uow.write() as tx:
        backlog = tx.reports.backlog()
        tx.reports.put_snapshot(now.date(), backlog, at=now)
        tx.commit()
        return backlog.units
