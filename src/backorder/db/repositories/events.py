"""The outbox: events, their fan-out into deliveries, and webhooks.

Workers take rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several can work the
same tables without waiting on, or repeating, each other; SQLite runs one writer at a
time anyway. A delivery being sent is leased (``claimed_until``), not held in an open
transaction: network I/O never runs inside one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.orm import Session

from backorder.db.copying import copy_rows
from backorder.db.models import Customer, Delivery, DeliveryAttempt, Event, Order, Supplier, Webhook

_events: Table = Event.__table__  # type: ignore[assignment]
_INSERT_EVENTS = insert(_events)
"""Core, not the ORM's bulk insert: the rows are plain already."""

COPY_FROM = 100
"""Events written by COPY from this many on (PostgreSQL); fewer go in INSERTs."""


class EventRepository:
    """Events are queued as plain rows and written in one INSERT when the transaction
    commits (or before events are next read in it): a receipt that fills thousands of
    lines records two events per order, and as ORM objects, flushed by every query that
    followed, they were half of its time. Code that reads events inside a write
    transaction must do it through this repository, whose reads write the queue first."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: list[dict[str, Any]] = []

    def add(self, event_type: str, payload: dict[str, Any], *, at: datetime) -> None:
        self._pending.append(
            {
                "type": event_type,
                "payload": payload,
                "order_id": payload.get("order_id"),
                "created_at": at,
            }
        )

    def write_pending(self) -> None:
        """Insert the queued events, in the order they were recorded (ids ascending): by
        COPY on PostgreSQL when there are many (a receipt of 1,000 lines records 2,000,
        whose pipelined INSERTs took half of it)."""
        if not self._pending:
            return
        connection = self.session.connection()
        if connection.dialect.name == "postgresql" and len(self._pending) >= COPY_FROM:
            columns = ("type", "payload", "order_id", "created_at")
            rows = [
                (e["type"], json.dumps(e["payload"]), e["order_id"], e["created_at"])
                for e in self._pending
            ]
            copy_rows(connection, "events", columns, rows)
        else:
            connection.execute(_INSERT_EVENTS, self._pending)
        self._pending = []

    def after(self, event_id: int, *, until: datetime, limit: int) -> list[Event]:
        self.write_pending()
        query = (
            select(Event)
            .where(Event.id > event_id, Event.created_at <= until)
            .order_by(Event.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def take_undispatched(self, *, limit: int) -> list[Event]:
        self.write_pending()
        query = (
            select(Event)
            .where(Event.dispatched_at.is_(None))
            .order_by(Event.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(query))

    def customer_email(self, order_id: int) -> str | None:
        query = select(Customer.email).join(Order, Order.customer_id == Customer.id)
        return self.session.scalar(query.where(Order.id == order_id))

    def supplier_email(self, supplier_id: int) -> str | None:
        return self.session.scalar(select(Supplier.email).where(Supplier.id == supplier_id))

    def add_delivery(self, delivery: Delivery) -> None:
        self.session.add(delivery)

    def take_due(self, *, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries whose time has come and that no live lease holds."""
        query = (
            select(Delivery)
            .where(
                Delivery.status == "pending",
                Delivery.next_attempt_at <= now,
                or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(query))

    def delivery(self, delivery_id: int) -> Delivery | None:
        return self.session.get(Delivery, delivery_id, with_for_update=True)

    def event(self, event_id: int) -> Event | None:
        self.write_pending()
        return self.session.get(Event, event_id)

    def add_attempt(self, delivery_id: int, *, at: datetime, ok: bool, detail: str) -> None:
        self.session.add(DeliveryAttempt(delivery_id=delivery_id, at=at, ok=ok, detail=detail))

    def attempts(self, delivery_id: int) -> list[DeliveryAttempt]:
        query = select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)
        return list(self.session.scalars(query.order_by(DeliveryAttempt.id)))

    def deliveries(self, *, status: str | None, offset: int, limit: int) -> list[Delivery]:
        query = select(Delivery).order_by(Delivery.id.desc()).offset(offset).limit(limit)
        if status is not None:
            query = query.where(Delivery.status == status)
        return list(self.session.scalars(query))

    def event_types(self, event_ids: Iterable[int]) -> dict[int, str]:
        self.write_pending()
        query = select(Event.id, Event.type).where(Event.id.in_(set(event_ids)))
        return {int(row[0]): str(row[1]) for row in self.session.execute(query)}

    def add_webhook(self, webhook: Webhook) -> None:
        self.session.add(webhook)
        self.session.flush()

    def webhooks(self) -> list[Webhook]:
        query = select(Webhook).where(Webhook.deleted_at.is_(None)).order_by(Webhook.id)
        return list(self.session.scalars(query))

    def webhook(self, webhook_id: int) -> Webhook | None:
        return self.session.get(Webhook, webhook_id)

    def delete_webhook(self, webhook_id: int, *, at: datetime) -> None:
        self.session.execute(update(Webhook).where(Webhook.id == webhook_id).values(deleted_at=at))
