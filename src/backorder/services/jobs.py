"""Scheduled jobs the worker runs: waiting-customer updates (hourly check), the daily
ETA refresh, the hourly backlog record behind the dashboard's chart and the day's
demand forecasts. A ``job_runs``
row, locked while it is read and moved on, makes each job run once per period however
many workers there are."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from backorder.db.uow import UnitOfWork, retrying
from backorder.services import business, etas, outbox, overview, replenishment
from backorder.services.clock import utcnow


@retrying
def send_waiting_updates(uow: UnitOfWork, *, now: datetime | None = None, limit: int = 500) -> int:
    """An ``order.waiting_update`` (with current dates) for each order that still waits
    and whose customer has not heard from us for ``waiting_update_days``."""
    now = now or utcnow()
    with uow.write() as tx:
        days = business.read(tx).waiting_update_days
        if days == 0:
            return 0
        since = now - timedelta(days=days)
        orders: dict[tuple[int, int], list[dict[str, object]]] = {}
        for row in tx.orders.waiting_unheard_since(since, limit=limit):
            orders.setdefault((row.order_id, row.customer_id), []).append(
                {
                    "line_id": row.line_id,
                    "sku": row.sku,
                    "backordered": row.backordered,
                    "estimated_ship_date": outbox.iso(row.estimated_ship_date),
                }
            )
        for (order_id, customer_id), lines in orders.items():
            payload = {"order_id": order_id, "customer_id": customer_id, "lines": lines}
            outbox.record(tx, "order.waiting_update", payload, now=now)
        told = [order_id for order_id, _ in orders]
        tx.orders.mark_customer_updated(told, at=now)
        tx.orders.promise_current_dates(told)
        tx.commit()
        return len(orders)


def refresh_all_etas(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """Re-peg every product with waiting lines, one short transaction each."""
    return sum(etas.refresh_product(uow, pid, now=now) for pid in etas.products_waiting(uow))


SCHEDULE: dict[str, tuple[timedelta, Callable[..., int]]] = {
    "waiting_updates": (timedelta(hours=1), send_waiting_updates),
    "eta_refresh": (timedelta(days=1), refresh_all_etas),
    "backlog_snapshot": (timedelta(hours=1), overview.record_backlog),
    # Hourly, but only the first run of a day (or after an import) has work to do.
    "forecasts": (timedelta(hours=1), replenishment.refresh_forecasts),
}


def run_due_jobs(uow: UnitOfWork, *, now: datetime | None = None) -> list[str]:
    """Run every job whose period has passed; returns the names of those run."""
    now = now or utcnow()
    ran = []
    for name, (period, job) in SCHEDULE.items():
        if _take_turn(uow, name, period=period, now=now):
            job(uow, now=now)
            ran.append(name)
    return ran


def _take_turn(uow: UnitOfWork, name: str, *, period: timedelta, now: datetime) -> bool:
    """Whether this worker runs ``name`` now; moves its clock on if so."""
    try:
        with uow.write() as tx:
            run = tx.settings_store.take_job_run(name)
            if run is None:
                if tx.settings_store.job_run_exists(name):
                    return False  # another worker holds it right now
                tx.settings_store.add_job_run(name, at=now)
            elif run.last_run_at + period > now:
                return False
            else:
                run.last_run_at = now
            tx.commit()
            return True
    except IntegrityError:
        return False  # another worker inserted it first and runs it
