"""Webhook subscriptions: where integrations want events pushed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backorder.db.models import Webhook
from backorder.db.uow import UnitOfWork
from backorder.domain.errors import InvalidInputError, NotFoundError
from backorder.services.clock import utcnow

EVENT_TYPES = frozenset(
    {
        "order.backordered",
        "order.eta_changed",
        "order.allocated",
        "order.ready_to_ship",
        "order.shipped",
        "order.cancelled",
        "order.waiting_update",
        "purchase_order.created",
        "purchase_order.updated",
        "product.back_in_stock",
    }
)
"""Every event the outbox records; ``*`` subscribes to all of them."""


@dataclass(frozen=True, slots=True)
class WebhookView:
    id: int
    url: str
    events: list[str]
    created_at: datetime


def create_webhook(uow: UnitOfWork, *, url: str, events: list[str], secret: str) -> WebhookView:
    unknown = sorted(set(events) - EVENT_TYPES - {"*"})
    if unknown:
        raise InvalidInputError(
            f"unknown event types: {', '.join(unknown)}",
            details={"unknown": unknown, "known": sorted(EVENT_TYPES)},
        )
    with uow.write() as tx:
        hook = Webhook(url=url, events=sorted(set(events)), secret=secret, created_at=utcnow())
        tx.events.add_webhook(hook)
        tx.commit()
        return WebhookView(hook.id, hook.url, hook.events, hook.created_at)


def list_webhooks(uow: UnitOfWork) -> list[WebhookView]:
    with uow.read() as tx:
        return [WebhookView(h.id, h.url, h.events, h.created_at) for h in tx.events.webhooks()]


def delete_webhook(uow: UnitOfWork, webhook_id: int) -> None:
    """No new deliveries go to it; those already made keep their history."""
    with uow.write() as tx:
        hook = tx.events.webhook(webhook_id)
        if hook is None or hook.deleted_at is not None:
            raise NotFoundError("webhook", webhook_id)
        tx.events.delete_webhook(webhook_id, at=utcnow())
        tx.commit()
