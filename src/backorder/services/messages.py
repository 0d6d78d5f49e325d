"""What a delivery sends: the email of an event, or the webhook and its secret."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from backorder.db.uow import Transaction, UnitOfWork
from backorder.domain.errors import NotFoundError
from backorder.notifications.email import message_id, render
from backorder.services.dispatch import SUPPLIER_EMAILS, Job


def email(uow: UnitOfWork, job: Job) -> EmailMessage:
    """The event's message, with names looked up now (the payload carries ids and SKUs)."""
    event = job.event
    with uow.read() as tx:
        context = _context(tx, event["type"], event["payload"])
    message = render(event["type"], context, sender=uow.settings.smtp_from, to=job.target)
    message["Message-ID"] = message_id(job.delivery_id, sender=uow.settings.smtp_from)
    return message


def _context(tx: Transaction, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    skus = {line["sku"] for line in payload.get("lines", [])} | (
        {payload["sku"]} if "sku" in payload else set()
    )
    names = tx.products.names(skus)
    context = dict(payload)
    context["lines"] = [
        {**line, "name": names.get(line["sku"], line["sku"])} for line in payload.get("lines", [])
    ]
    if "sku" in payload:
        context["name"] = names.get(payload["sku"], payload["sku"])
    if event_type in SUPPLIER_EMAILS:
        supplier = tx.purchasing.supplier(int(payload["supplier_id"]))
        context["supplier_name"] = supplier.name if supplier else ""
    else:
        context["customer_name"] = tx.orders.customer_name(int(payload["order_id"]))
    return context


def webhook(uow: UnitOfWork, webhook_id: int) -> tuple[str, str]:
    """(url, secret) of a webhook, deleted ones included: a delivery made before the
    deletion still knows where it was going."""
    with uow.read() as tx:
        hook = tx.events.webhook(webhook_id)
        if hook is None:
            raise NotFoundError("webhook", webhook_id)
        return hook.url, hook.secret
