"""From outbox to recipients: fan-out, leasing, recording attempts, redelivery.

Each event becomes one delivery per recipient: the customer's email for the messages a
customer gets, the supplier's for purchase orders, and every webhook subscribed to its
type. A worker leases due deliveries, sends them outside any transaction, and records
the attempt; a failure is retried with exponential backoff until the attempts run out.
Delivery is at least once: a worker that dies after sending and before recording leaves
a lease that lapses, and the delivery is sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backorder.db.models import Delivery, Event
from backorder.db.uow import Transaction, UnitOfWork, retrying
from backorder.domain.errors import ConflictError, NotFoundError
from backorder.notifications.email import SUBJECTS
from backorder.services.clock import utcnow

SUPPLIER_EMAILS = {"purchase_order.created", "purchase_order.updated"}
CUSTOMER_EMAILS = set(SUBJECTS) - SUPPLIER_EMAILS


@dataclass(frozen=True, slots=True)
class Job:
    """A leased delivery and the event it carries."""

    delivery_id: int
    channel: str
    target: str
    attempts: int
    event: dict[str, Any]


def event_body(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "payload": event.payload,
    }


@retrying
def fan_out(uow: UnitOfWork, *, now: datetime | None = None, limit: int = 200) -> int:
    """Turn undispatched events into deliveries; returns how many events were taken."""
    now = now or utcnow()
    with uow.write() as tx:
        events = tx.events.take_undispatched(limit=limit)
        hooks = tx.events.webhooks()
        for event in events:
            for channel, target in _recipients(tx, event, hooks=hooks):
                tx.events.add_delivery(
                    Delivery(
                        event_id=event.id,
                        channel=channel,
                        target=target,
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
            event.dispatched_at = now
        tx.commit()
        return len(events)


def _recipients(tx: Transaction, event: Event, *, hooks: list[Any]) -> list[tuple[str, str]]:
    targets: list[tuple[str, str]] = []
    email = None
    if event.type in CUSTOMER_EMAILS:
        email = tx.events.customer_email(int(event.payload["order_id"]))
    elif event.type in SUPPLIER_EMAILS:
        email = tx.events.supplier_email(int(event.payload["supplier_id"]))
    if email:
        targets.append(("email", email))
    targets += [("webhook", str(h.id)) for h in hooks if event.type in h.events or "*" in h.events]
    return targets


@retrying
def claim(uow: UnitOfWork, *, now: datetime | None = None, limit: int = 50) -> list[Job]:
    """Lease due deliveries to this worker, in one short transaction."""
    now = now or utcnow()
    lease = now + timedelta(seconds=uow.settings.delivery_lease_seconds)
    with uow.write() as tx:
        due = tx.events.take_due(now=now, limit=limit)
        jobs = []
        for delivery in due:
            delivery.claimed_until = lease
            event = tx.events.event(delivery.event_id)
            assert event is not None
            jobs.append(
                Job(
                    delivery.id,
                    delivery.channel,
                    delivery.target,
                    delivery.attempts,
                    event_body(event),
                )
            )
        tx.commit()
        return jobs


@retrying
def delivered(uow: UnitOfWork, job: Job, *, detail: str, now: datetime | None = None) -> None:
    """Record a successful attempt: the delivery is done."""
    now = now or utcnow()
    with uow.write() as tx:
        delivery = _attempted(tx, job, ok=True, detail=detail, now=now)
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
        tx.commit()


@retrying
def not_delivered(uow: UnitOfWork, job: Job, *, error: str, now: datetime | None = None) -> None:
    """Record a failed attempt and schedule the next (30 s, 1 min, 2 min, ... by
    default), or mark the delivery failed after the last attempt."""
    now = now or utcnow()
    settings = uow.settings
    with uow.write() as tx:
        delivery = _attempted(tx, job, ok=False, detail=error, now=now)
        delivery.last_error = error[:2000]
        if delivery.attempts >= settings.delivery_max_attempts:
            delivery.status = "failed"
        else:
            backoff = settings.delivery_backoff_seconds * 2 ** (delivery.attempts - 1)
            delivery.next_attempt_at = now + timedelta(seconds=backoff)
        tx.commit()


def _attempted(tx: Transaction, job: Job, *, ok: bool, detail: str, now: datetime) -> Delivery:
    delivery = tx.events.delivery(job.delivery_id)
    assert delivery is not None
    tx.events.add_attempt(delivery.id, at=now, ok=ok, detail=detail[:2000])
    delivery.attempts += 1
    delivery.claimed_until = None
    return delivery


@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: int
    event_id: int
    event_type: str
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    delivered_at: datetime | None


def _view(delivery: Delivery, event_type: str) -> DeliveryView:
    return DeliveryView(
        delivery.id,
        delivery.event_id,
        event_type,
        delivery.channel,
        delivery.target,
        delivery.status,
        delivery.attempts,
        delivery.next_attempt_at,
        delivery.last_error,
        delivery.delivered_at,
    )


def list_deliveries(
    uow: UnitOfWork, *, status: str | None = None, offset: int = 0, limit: int = 100
) -> list[DeliveryView]:
    with uow.read() as tx:
        rows = tx.events.deliveries(status=status, offset=offset, limit=limit)
        types = tx.events.event_types(d.event_id for d in rows)
        return [_view(d, types[d.event_id]) for d in rows]


@retrying
def redeliver(uow: UnitOfWork, delivery_id: int, *, now: datetime | None = None) -> DeliveryView:
    """Put a failed delivery back in line, with a fresh count of attempts."""
    now = now or utcnow()
    with uow.write() as tx:
        delivery = tx.events.delivery(delivery_id)
        if delivery is None:
            raise NotFoundError("delivery", delivery_id)
        if delivery.status != "failed":
            raise ConflictError(
                f"delivery {delivery_id} is {delivery.status}; only a failed one is redelivered",
                details={"delivery_id": delivery_id, "status": delivery.status},
            )
        delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
        delivery.claimed_until = None
        types = tx.events.event_types([delivery.event_id])
        view = _view(delivery, types[delivery.event_id])
        tx.commit()
        return view


def list_events(uow: UnitOfWork, *, after: int, limit: int) -> list[dict[str, Any]]:
    """Events after an id, oldest first, for integrations that poll. The youngest few
    seconds are held back (``events_settle_seconds``): a transaction that took an id
    earlier may still commit, and a poller must not step past it."""
    until = utcnow() - timedelta(seconds=uow.settings.events_settle_seconds)
    with uow.read() as tx:
        return [event_body(e) for e in tx.events.after(after, until=until, limit=limit)]
