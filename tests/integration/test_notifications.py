"""Customer and supplier communication through a real SMTP server and a real webhook
receiver on loopback: what each message says, that webhooks are signed, and that no
message is lost or sent twice when the mail server is down, an endpoint fails, or a
worker dies mid-batch. Each test runs on SQLite and PostgreSQL unless it says otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backorder.config import Settings
from backorder.db.models import DeliveryAttempt, Event
from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    OutOfStockError,
)
from backorder.domain.model import BackorderPolicy
from backorder.notifications.email import SmtpMailer
from backorder.services import (
    business,
    cancellation,
    catalogue,
    dispatch,
    inventory,
    jobs,
    messages,
    orders,
    purchase_orders,
    shipping,
    suppliers,
    webhooks,
)
from backorder.services.clock import utcnow
from backorder.services.purchase_orders import NewPurchaseOrder
from backorder.services.views import OrderView
from backorder.worker import Worker
from tests.notify_fixtures import Mail, SmtpServer, WebhookReceiver, free_port, wait_until

MakeUow = Callable[..., UnitOfWork]
TODAY = datetime.now(UTC).date()
SECRET = "whsec-0123456789abcdef"
OTHER_SECRET = "another-secret-0123456789"


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


# Setup through the services


def product(
    uow: UnitOfWork,
    sku: str,
    name: str,
    *,
    on_hand: int = 0,
    lead: int | None = None,
    policy: BackorderPolicy = BackorderPolicy.ALLOW,
) -> None:
    new = catalogue.NewProduct(
        sku=sku, name=name, price=Decimal("9.50"), backorder_policy=policy, lead_time_days=lead
    )
    catalogue.create_product(uow, new)
    if on_hand:
        inventory.adjust_inventory(uow, sku, on_hand, reason="initial count")


def customer(uow: UnitOfWork, name: str) -> tuple[int, str]:
    """A customer of their own address: (id, email)."""
    email = f"{name.lower()}@example.com"
    return catalogue.create_customer(uow, name=name, email=email).id, email


def place(uow: UnitOfWork, customer_id: int, *lines: tuple[str, int]) -> OrderView:
    new = orders.NewOrder(customer_id=customer_id, lines=[LineRequest(s, q) for s, q in lines])
    return orders.place_order(uow, new).order


def supplier(uow: UnitOfWork, name: str = "Acme") -> tuple[int, str]:
    email = f"orders@{name.lower()}.example"
    return suppliers.create_supplier(uow, name=name, email=email, lead_time_days=30).id, email


def purchase(uow: UnitOfWork, supplier_id: int, *lines: tuple[str, int], due: int) -> int:
    new = NewPurchaseOrder(supplier_id, list(lines), expected_date=day(due))
    return purchase_orders.create_purchase_order(uow, new).id


def deliver_all(uow: UnitOfWork, *, now: datetime | None = None, passes: int = 10) -> int:
    """Run worker passes until one has nothing to do; returns the attempts made."""
    worker, total = Worker(uow), 0
    for _ in range(passes):
        attempted = worker.run_once(now=now or utcnow())
        if not attempted:
            return total
        total += attempted
    raise AssertionError(f"the worker still had work after {passes} passes")


# Reading what happened


def events_of(uow: UnitOfWork, event_type: str | None = None) -> list[Event]:
    with uow.read() as tx:
        query = select(Event).order_by(Event.id)
        if event_type is not None:
            query = query.where(Event.type == event_type)
        return list(tx.session.scalars(query))


def event_count(uow: UnitOfWork) -> int:
    with uow.read() as tx:
        return int(tx.session.scalar(select(func.count()).select_from(Event)) or 0)


def attempts_of(uow: UnitOfWork, delivery_id: int) -> list[bool]:
    with uow.read() as tx:
        return [a.ok for a in tx.events.attempts(delivery_id)]


def deliveries(uow: UnitOfWork) -> list[dispatch.DeliveryView]:
    return sorted(dispatch.list_deliveries(uow, limit=1000), key=lambda d: d.id)


def mail_events(uow: UnitOfWork, mails: list[Mail]) -> list[tuple[int, str]]:
    """(event id, event type) of each mail, through the delivery its Message-ID names."""
    by_delivery = {d.id: (d.event_id, d.event_type) for d in deliveries(uow)}
    found = []
    for mail in mails:
        assert mail.delivery_id in by_delivery, f"{mail.message_id} names no delivery"
        found.append(by_delivery[mail.delivery_id])
    return found


def mails_of_type(uow: UnitOfWork, mails: list[Mail], event_type: str) -> list[Mail]:
    types = mail_events(uow, mails)
    return [mail for mail, (_, kind) in zip(mails, types, strict=True) if kind == event_type]


def email_events(uow: UnitOfWork) -> set[int]:
    """Ids of the events that someone receives by email."""
    return {d.event_id for d in deliveries(uow) if d.channel == "email"}


def line_about(content: str, needle: str) -> str:
    """The one line of a text or HTML body that mentions ``needle`` (tags stripped)."""
    plain = html.unescape(re.sub(r"<[^>]+>", " ", content))
    found = [line for line in plain.splitlines() if needle in line]
    assert len(found) == 1, f"{needle!r} on {len(found)} lines of:\n{content}"
    return found[0]


def has_number(line: str, number: int) -> bool:
    return re.search(rf"(?<![\d-]){number}(?![\d-])", line) is not None


def verify_signature(header: str, body: bytes, secret: str) -> int:
    """Check ``t=<unix>,v1=<hex>`` as a receiver would; returns t."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    assert set(parts) == {"t", "v1"}, header
    expected = hmac.new(
        secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"]), "signature does not verify"
    return int(parts["t"])


# What each message says


def test_customer_messages_name_products_quantities_dates_and_tracking(
    make_uow: MakeUow, database: str, smtp: SmtpServer
) -> None:
    uow = make_uow(database, **smtp.settings())
    product(uow, "MUG-01", "Blue Mug", on_hand=2, lead=10)
    product(uow, "TEA-02", "Green Tea", lead=5)
    bea, bea_email = customer(uow, "Bea")
    placed = place(uow, bea, ("MUG-01", 5), ("TEA-02", 4))
    mug_line, tea_line = placed.lines
    assert (mug_line.allocated, mug_line.backordered, tea_line.backordered) == (2, 3, 4)
    assert mug_line.estimated_ship_date is not None
    assert tea_line.estimated_ship_date is not None
    shipping.ship_order(uow, placed.id, tracking_number="1Z999AA10123456784")
    cancellation.cancel_order(uow, placed.id, [cancellation.LineCancellation(tea_line.id, 4)])

    deliver_all(uow)

    mails = smtp.received()
    kinds = sorted(kind for _, kind in mail_events(uow, mails))
    assert kinds == ["order.backordered", "order.cancelled", "order.shipped"]
    for mail in mails:
        assert mail.to == bea_email
        assert mail.rcpt_tos == [bea_email]
        assert mail.message_id
        assert str(placed.id) in mail.subject

    (confirmation,) = mails_of_type(uow, mails, "order.backordered")
    for body in (confirmation.text, confirmation.html):
        mug = line_about(body, "MUG-01")
        assert "Blue Mug" in mug
        assert has_number(mug, 3)
        assert mug_line.estimated_ship_date.isoformat() in mug
        tea = line_about(body, "TEA-02")
        assert "Green Tea" in tea
        assert has_number(tea, 4)
        assert tea_line.estimated_ship_date.isoformat() in tea

    (shipped,) = mails_of_type(uow, mails, "order.shipped")
    for body in (shipped.text, shipped.html):
        assert "1Z999AA10123456784" in body
        mug = line_about(body, "MUG-01")
        assert "Blue Mug" in mug
        assert has_number(mug, 2)
        assert "TEA-02" not in body

    (cancelled,) = mails_of_type(uow, mails, "order.cancelled")
    for body in (cancelled.text, cancelled.html):
        tea = line_about(body, "TEA-02")
        assert "Green Tea" in tea
        assert has_number(tea, 4)
        assert "MUG-01" not in body


def test_supplier_receives_the_purchase_order_and_its_reschedule(
    make_uow: MakeUow, database: str, smtp: SmtpServer
) -> None:
    uow = make_uow(database, **smtp.settings())
    product(uow, "MUG-01", "Blue Mug")
    product(uow, "TEA-02", "Green Tea")
    acme, acme_email = supplier(uow)
    po = purchase(uow, acme, ("MUG-01", 10), ("TEA-02", 6), due=12)
    purchase_orders.reschedule_purchase_order(uow, po, day(20))

    deliver_all(uow)

    mails = smtp.received()
    assert [mail.to for mail in mails] == [acme_email, acme_email]
    (created,) = mails_of_type(uow, mails, "purchase_order.created")
    (updated,) = mails_of_type(uow, mails, "purchase_order.updated")
    assert str(po) in created.subject
    assert str(po) in updated.subject
    for body in (created.text, created.html):
        assert day(12).isoformat() in body
        mug, tea = line_about(body, "MUG-01"), line_about(body, "TEA-02")
        assert "Blue Mug" in mug
        assert has_number(mug, 10)
        assert "Green Tea" in tea
        assert has_number(tea, 6)
    for body in (updated.text, updated.html):
        assert day(20).isoformat() in body
        assert day(12).isoformat() in body  # what it was
        assert has_number(line_about(body, "MUG-01"), 10)

    purchase_orders.cancel_purchase_order(uow, po)
    deliver_all(uow)
    (cancelled,) = mails_of_type(uow, smtp.received()[2:], "purchase_order.updated")
    assert cancelled.to == acme_email
    for body in (cancelled.text, cancelled.html):
        assert "cancelled" in body
        assert "MUG-01" in body


def test_supplier_delay_sends_each_waiting_customer_one_notice_and_earlier_sends_none(
    make_uow: MakeUow, database: str, smtp: SmtpServer
) -> None:
    uow = make_uow(database, **smtp.settings())
    product(uow, "MUG-01", "Blue Mug")
    product(uow, "TEA-02", "Green Tea")
    acme, _ = supplier(uow)
    mug_po = purchase(uow, acme, ("MUG-01", 6), due=5)
    purchase(uow, acme, ("TEA-02", 6), due=7)
    waiting = {}
    for name in ("Ann", "Bob", "Cy"):
        customer_id, email = customer(uow, name)
        waiting[email] = place(uow, customer_id, ("MUG-01", 2))
    dan, dan_email = customer(uow, "Dan")
    place(uow, dan, ("TEA-02", 2))
    h = uow.settings.handling_days
    assert {o.lines[0].estimated_ship_date for o in waiting.values()} == {day(5 + h)}
    deliver_all(uow)
    before = len(smtp.received())

    purchase_orders.reschedule_purchase_order(uow, mug_po, day(9))
    deliver_all(uow)

    delays = mails_of_type(uow, smtp.received()[before:], "order.eta_changed")
    assert sorted(mail.to for mail in delays) == sorted(waiting)
    assert dan_email not in {mail.to for mail in delays}
    for mail in delays:
        assert str(waiting[mail.to].id) in mail.subject
        for body in (mail.text, mail.html):
            assert "Blue Mug" in body
            assert "MUG-01" in body
            assert day(5 + h).isoformat() in body  # the date they were given
            assert day(9 + h).isoformat() in body  # the new one
            assert "cancel" in body.lower()
    assert len(events_of(uow, "order.eta_changed")) == 3

    purchase_orders.reschedule_purchase_order(uow, mug_po, day(3))
    deliver_all(uow)

    assert len(events_of(uow, "order.eta_changed")) == 3
    later = mail_events(uow, smtp.received())
    assert Counter(kind for _, kind in later)["order.eta_changed"] == 3


def test_supplier_delay_sends_one_notice_to_a_customer_waiting_on_two_of_its_lines(
    make_uow: MakeUow, database: str, smtp: SmtpServer
) -> None:
    """One purchase order late, one order waiting on two of its products: the customer
    hears of it once (both products and their new dates in one message), not twice."""
    uow = make_uow(database, **smtp.settings())
    product(uow, "MUG-01", "Blue Mug")
    product(uow, "TEA-02", "Green Tea")
    acme, _ = supplier(uow)
    po = purchase(uow, acme, ("MUG-01", 5), ("TEA-02", 5), due=5)
    ann, ann_email = customer(uow, "Ann")
    placed = place(uow, ann, ("MUG-01", 1), ("TEA-02", 2))
    deliver_all(uow)
    before = len(smtp.received())

    purchase_orders.reschedule_purchase_order(uow, po, day(9))
    deliver_all(uow)

    h = uow.settings.handling_days
    to_ann = [mail for mail in smtp.received()[before:] if mail.to == ann_email]
    assert len(to_ann) == 1, [mail.subject for mail in to_ann]
    (notice,) = to_ann
    assert str(placed.id) in notice.subject
    for body in (notice.text, notice.html):
        assert "MUG-01" in body
        assert "TEA-02" in body
        assert day(9 + h).isoformat() in body


# Webhooks


def test_webhook_delivery_is_signed_and_carries_the_event(
    make_uow: MakeUow, database: str, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    uow = make_uow(database, mail_folder=str(tmp_path / "mail"))
    only = webhooks.create_webhook(
        uow, url=receiver.url("/backordered"), events=["order.backordered"], secret=SECRET
    )
    every = webhooks.create_webhook(
        uow, url=receiver.url("/all"), events=["*"], secret=OTHER_SECRET
    )
    assert only.events == ["order.backordered"]
    product(uow, "MUG-01", "Blue Mug", on_hand=1, lead=3)
    ann, _ = customer(uow, "Ann")
    placed = place(uow, ann, ("MUG-01", 3))
    shipping.ship_order(uow, placed.id, tracking_number="TRACK-1")

    sent_after = int(time.time())
    deliver_all(uow)

    hits = receiver.received()
    (hit,) = [h for h in hits if h.path == "/backordered"]
    assert hit.headers["content-type"] == "application/json"
    stamp = verify_signature(hit.headers["backorder-signature"], hit.body, SECRET)
    assert abs(stamp - sent_after) <= 300
    with pytest.raises(AssertionError, match="does not verify"):
        verify_signature(hit.headers["backorder-signature"], hit.body, "wrong-secret-0123456")
    with pytest.raises(AssertionError, match="does not verify"):
        verify_signature(hit.headers["backorder-signature"], hit.body + b" ", SECRET)
    body = json.loads(hit.body)
    assert set(body) == {"id", "type", "created_at", "payload"}
    (event,) = events_of(uow, "order.backordered")
    assert body["id"] == event.id
    assert body["type"] == "order.backordered"
    assert datetime.fromisoformat(body["created_at"]) == event.created_at
    assert body["payload"]["order_id"] == placed.id
    assert [(ln["sku"], ln["backordered"]) for ln in body["payload"]["lines"]] == [("MUG-01", 2)]

    everything = [h for h in hits if h.path == "/all"]
    for each in everything:
        verify_signature(
            each.headers["backorder-signature"], each.body, "another-secret-0123456789"
        )
    received_ids = sorted(json.loads(h.body)["id"] for h in everything)
    assert received_ids == [e.id for e in events_of(uow)]
    assert {"order.backordered", "order.shipped"} <= {
        json.loads(h.body)["type"] for h in everything
    }
    assert every.events == ["*"]


def test_a_deleted_webhook_receives_nothing_new(
    make_uow: MakeUow, database: str, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    uow = make_uow(database, mail_folder=str(tmp_path / "mail"))
    hook = webhooks.create_webhook(uow, url=receiver.url(), events=["*"], secret=SECRET)
    webhooks.delete_webhook(uow, hook.id)
    product(uow, "MUG-01", "Blue Mug")
    ann, _ = customer(uow, "Ann")
    place(uow, ann, ("MUG-01", 1))
    deliver_all(uow)
    assert receiver.received() == []
    with pytest.raises(NotFoundError):
        webhooks.delete_webhook(uow, hook.id)


def test_html_part_escapes_names_that_customers_and_staff_type(
    make_uow: MakeUow, database: str, smtp: SmtpServer
) -> None:
    """A customer's or product's name is text, not markup: the HTML part must escape it
    (the text part shows it as typed)."""
    uow = make_uow(database, **smtp.settings())
    product(uow, "MUG-01", "Mug <i>XL</i> & Co")
    eve = catalogue.create_customer(uow, name='Eve <img src="x">', email="eve@example.com")
    place(uow, eve.id, ("MUG-01", 1))
    deliver_all(uow)
    (mail,) = smtp.received()
    assert "Mug <i>XL</i> & Co" in mail.text
    assert 'Eve <img src="x">' in mail.text
    assert "<i>XL</i>" not in mail.html
    assert "<img" not in mail.html
    assert "Mug &lt;i&gt;XL&lt;/i&gt; &amp; Co" in mail.html
    assert "Eve &lt;img" in mail.html


# Faults


def test_smtp_down_loses_nothing_and_sends_each_message_once_when_back(
    make_uow: MakeUow, database: str, smtp: SmtpServer
) -> None:
    uow = make_uow(database, **smtp.settings())
    product(uow, "MUG-01", "Blue Mug", lead=7)
    smtp.stop()
    addresses = []
    for name in ("Ann", "Bob", "Cy", "Dee"):
        customer_id, email = customer(uow, name)
        place(uow, customer_id, ("MUG-01", 1))
        addresses.append(email)
    worker, t0 = Worker(uow), utcnow()

    assert worker.run_once(now=t0) == 4
    pending = deliveries(uow)
    assert [(d.status, d.attempts) for d in pending] == [("pending", 1)] * 4
    assert all(d.last_error for d in pending)
    assert worker.run_once(now=t0 + timedelta(seconds=10)) == 0  # waits out its backoff

    smtp.start()
    assert worker.run_once(now=t0 + timedelta(seconds=60)) == 4
    for minutes in (5, 10, 30):
        assert worker.run_once(now=t0 + timedelta(minutes=minutes)) == 0
    assert dispatch.fan_out(uow, now=t0 + timedelta(minutes=31)) == 0

    mails = smtp.received()
    per_event = Counter(event_id for event_id, _ in mail_events(uow, mails))
    assert set(per_event) == {e.id for e in events_of(uow, "order.backordered")}
    assert set(per_event.values()) == {1}
    assert sorted(mail.to for mail in mails) == sorted(addresses)
    done = deliveries(uow)
    assert [(d.status, d.attempts, d.last_error) for d in done] == [("delivered", 2, None)] * 4
    assert all(attempts_of(uow, d.id) == [False, True] for d in done)


def test_webhook_failing_three_times_is_delivered_once_with_four_attempts_and_backoff(
    make_uow: MakeUow, database: str, tmp_path: Path
) -> None:
    uow = make_uow(database, mail_folder=str(tmp_path / "mail"), delivery_backoff_seconds=30)
    with WebhookReceiver(fail_first=3) as flaky:
        webhooks.create_webhook(uow, url=flaky.url(), events=["order.backordered"], secret=SECRET)
        product(uow, "MUG-01", "Blue Mug")
        ann, _ = customer(uow, "Ann")
        place(uow, ann, ("MUG-01", 1))
        worker = Worker(uow)
        worker.run_once(now=utcnow())  # the email and the first webhook attempt
        for wait in (30, 60, 120):  # exponential backoff from each failed attempt
            (hook,) = [d for d in deliveries(uow) if d.channel == "webhook"]
            assert hook.status == "pending"
            with uow.read() as tx:
                last = tx.events.attempts(hook.id)[-1].at
            assert hook.next_attempt_at == last + timedelta(seconds=wait)
            assert worker.run_once(now=hook.next_attempt_at - timedelta(seconds=1)) == 0
            assert worker.run_once(now=hook.next_attempt_at) == 1
        assert worker.run_once(now=utcnow() + timedelta(hours=2)) == 0

        hits = flaky.received()
    assert [hit.status for hit in hits] == [500, 500, 500, 204]
    assert len({hit.body for hit in hits}) == 1  # the same event each time
    (hook,) = [d for d in deliveries(uow) if d.channel == "webhook"]
    assert (hook.status, hook.attempts, hook.last_error) == ("delivered", 4, None)
    assert attempts_of(uow, hook.id) == [False, False, False, True]
    with uow.read() as tx:
        details = [a.detail for a in tx.events.attempts(hook.id)]
        assert (
            tx.session.scalar(select(func.count()).where(DeliveryAttempt.delivery_id == hook.id))
            == 4
        )
    assert all("500" in detail for detail in details[:3])


def test_webhook_that_times_out_is_retried_and_then_delivered(
    make_uow: MakeUow, database: str, tmp_path: Path
) -> None:
    uow = make_uow(
        database,
        mail_folder=str(tmp_path / "mail"),
        webhook_timeout_seconds=0.2,
        delivery_backoff_seconds=0,
    )
    with WebhookReceiver(fail_first=1, stall=1.0) as slow:
        webhooks.create_webhook(uow, url=slow.url(), events=["order.backordered"], secret=SECRET)
        product(uow, "MUG-01", "Blue Mug")
        ann, _ = customer(uow, "Ann")
        place(uow, ann, ("MUG-01", 1))
        worker = Worker(uow)
        worker.run_once(now=utcnow())
        (hook,) = [d for d in deliveries(uow) if d.channel == "webhook"]
        assert (hook.status, hook.attempts) == ("pending", 1)
        assert hook.last_error
        assert "timeout" in hook.last_error.lower()
        assert worker.run_once(now=utcnow()) == 1
        assert [hit.status for hit in slow.accepted()] == [204]
    (hook,) = [d for d in deliveries(uow) if d.channel == "webhook"]
    assert (hook.status, hook.attempts) == ("delivered", 2)


def test_exhausted_delivery_fails_and_redeliver_sends_it_again(
    make_uow: MakeUow, database: str, tmp_path: Path
) -> None:
    uow = make_uow(
        database,
        mail_folder=str(tmp_path / "mail"),
        delivery_max_attempts=2,
        delivery_backoff_seconds=0,
    )
    with WebhookReceiver(fail_first=2) as flaky:
        webhooks.create_webhook(uow, url=flaky.url(), events=["*"], secret=SECRET)
        product(uow, "MUG-01", "Blue Mug")
        ann, _ = customer(uow, "Ann")
        place(uow, ann, ("MUG-01", 1))
        worker = Worker(uow)
        assert worker.run_once(now=utcnow()) == 2  # the email and the webhook
        assert worker.run_once(now=utcnow()) == 1  # the webhook, for the last time
        assert worker.run_once(now=utcnow() + timedelta(hours=1)) == 0  # failed: left alone

        (failed,) = dispatch.list_deliveries(uow, status="failed")
        assert (failed.channel, failed.attempts, failed.event_type) == (
            "webhook",
            2,
            "order.backordered",
        )
        assert failed.last_error
        assert "500" in failed.last_error

        again = dispatch.redeliver(uow, failed.id)
        assert (again.status, again.attempts) == ("pending", 0)
        assert dispatch.list_deliveries(uow, status="failed") == []
        assert worker.run_once(now=utcnow()) == 1
        assert [hit.status for hit in flaky.received()] == [500, 500, 204]

    (done,) = [d for d in deliveries(uow) if d.id == failed.id]
    assert (done.status, done.attempts) == ("delivered", 1)
    assert attempts_of(uow, failed.id) == [False, False, True]
    with pytest.raises(ConflictError):
        dispatch.redeliver(uow, failed.id)
    with pytest.raises(NotFoundError):
        dispatch.redeliver(uow, 999_999)


def test_deliveries_leased_by_a_crashed_worker_are_sent_after_the_lease_lapses(
    make_uow: MakeUow, database: str, smtp: SmtpServer
) -> None:
    uow = make_uow(database, **smtp.settings())
    product(uow, "MUG-01", "Blue Mug")
    for name in ("Ann", "Bob", "Cy"):
        customer_id, _ = customer(uow, name)
        place(uow, customer_id, ("MUG-01", 1))
    t = utcnow()
    assert dispatch.fan_out(uow, now=t) == 3
    crashed = dispatch.claim(uow, now=t)  # ... and the worker dies holding them
    assert len(crashed) == 3

    lease = timedelta(seconds=uow.settings.delivery_lease_seconds)
    assert Worker(uow).run_once(now=t + timedelta(seconds=1)) == 0
    assert smtp.received() == []
    assert Worker(uow).run_once(now=t + lease + timedelta(seconds=1)) == 3

    per_event = Counter(event_id for event_id, _ in mail_events(uow, smtp.received()))
    assert per_event == Counter(e.id for e in events_of(uow, "order.backordered"))
    assert {d.status for d in deliveries(uow)} == {"delivered"}


def test_a_message_resent_after_a_crash_keeps_its_message_id(
    make_uow: MakeUow, database: str, smtp: SmtpServer
) -> None:
    """At least once means a worker that dies after the server took a message sends it
    again; the resend must be the same message (same Message-ID) so mail clients show
    the customer one message for the event, not two."""
    uow = make_uow(database, **smtp.settings())
    product(uow, "MUG-01", "Blue Mug")
    ann, _ = customer(uow, "Ann")
    place(uow, ann, ("MUG-01", 1))
    t = utcnow()
    dispatch.fan_out(uow, now=t)
    (job,) = dispatch.claim(uow, now=t)
    SmtpMailer(uow.settings).send(messages.email(uow, job))  # sent, then the worker died
    lease = timedelta(seconds=uow.settings.delivery_lease_seconds)

    assert Worker(uow).run_once(now=t + lease + timedelta(seconds=1)) == 1

    first, resent = smtp.received()
    assert first.delivery_id == resent.delivery_id == job.delivery_id
    assert first.message_id == resent.message_id


def test_worker_process_killed_mid_batch_loses_no_event(make_uow: MakeUow, tmp_path: Path) -> None:
    """A real ``backorder worker`` process, killed with SIGKILL while it sends a batch to a
    slow mail server, then ``backorder worker --once`` after its lease lapses."""
    uow = make_uow("sqlite")
    product(uow, "MUG-01", "Blue Mug")
    for n in range(8):
        customer_id, _ = customer(uow, f"Buyer{n}")
        place(uow, customer_id, ("MUG-01", 1))
    expected = {e.id for e in events_of(uow, "order.backordered")}
    assert len(expected) == 8
    command = str(Path(sys.executable).parent / "backorder")
    with SmtpServer(delay=0.2) as slow:
        env = os.environ | slow.env()
        env |= {
            "BACKORDER_DATABASE_URL": uow.settings.database_url,
            "BACKORDER_DELIVERY_LEASE_SECONDS": "1",
            "BACKORDER_MAIL_FOLDER": str(tmp_path / "mail"),
        }
        process = subprocess.Popen(
            [command, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            assert wait_until(lambda: len(slow.received()) >= 1, timeout=30), "nothing sent"
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        sent_before_kill = len(slow.received())
        assert sent_before_kill < len(expected), "the worker finished before it was killed"

        for _ in range(3):
            time.sleep(1.1)  # the dead worker's lease (1 s) lapses
            restarted = subprocess.run(
                [command, "worker", "--once"], env=env, capture_output=True, text=True, timeout=60
            )
            assert restarted.returncode == 0, restarted.stderr
            if {d.status for d in deliveries(uow)} == {"delivered"}:
                break
        mails = slow.received()

    assert {d.status for d in deliveries(uow)} == {"delivered"}
    per_event = Counter(event_id for event_id, _ in mail_events(uow, mails))
    assert set(per_event) == expected  # none lost
    repeated = [event_id for event_id, count in per_event.items() if count > 1]
    assert len(repeated) <= 1, per_event  # at most the one in flight at the kill
    assert max(per_event.values()) <= 2, per_event


def test_two_workers_on_postgres_deliver_each_message_exactly_once(
    make_uow: MakeUow, database: str
) -> None:
    if database != "postgres":
        pytest.skip("several workers share a database on PostgreSQL only")
    with SmtpServer(delay=0.01) as smtp, WebhookReceiver() as receiver:
        _two_workers_deliver_once(make_uow(database, **smtp.settings()), smtp, receiver)


def _outbox_empty(uow: UnitOfWork) -> bool:
    with uow.read() as tx:
        undispatched = select(func.count()).where(Event.dispatched_at.is_(None))
        if tx.session.scalar(undispatched):
            return False
    return not dispatch.list_deliveries(uow, status="pending", limit=1)


def _two_workers_deliver_once(uow: UnitOfWork, smtp: SmtpServer, receiver: WebhookReceiver) -> None:
    webhooks.create_webhook(uow, url=receiver.url(), events=["*"], secret=SECRET)
    product(uow, "MUG-01", "Blue Mug")
    for n in range(30):
        customer_id, _ = customer(uow, f"Buyer{n}")
        place(uow, customer_id, ("MUG-01", 1))
    other = UnitOfWork(Settings(database_url=uow.settings.database_url, **smtp.settings()))
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    attempted = Counter[int]()

    def work(index: int, unit: UnitOfWork) -> None:
        """Pass after pass until the outbox is empty (bounded), as a worker process would."""
        try:
            worker = Worker(unit)
            start.wait(timeout=10)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                done = worker.run_once(now=utcnow())
                attempted[index] += done
                if not done and _outbox_empty(unit):
                    return
                if not done:
                    time.sleep(0.01)  # another worker holds what is left
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i, u)) for i, u in enumerate((uow, other))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        other.dispose()
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)

    expected = {e.id for e in events_of(uow, "order.backordered")}
    assert len(expected) == 30
    assert sum(attempted.values()) == 60  # 30 emails and 30 webhooks, no attempt twice
    mails = Counter(event_id for event_id, _ in mail_events(uow, smtp.received()))
    assert mails == Counter(dict.fromkeys(expected, 1))
    hooks = Counter(json.loads(hit.body)["id"] for hit in receiver.received())
    assert hooks == Counter(e.id for e in events_of(uow))
    assert {(d.status, d.attempts) for d in deliveries(uow)} == {("delivered", 1)}


# Waiting-customer updates and the job schedule


def test_waiting_customers_get_an_update_with_current_etas_every_n_days(
    make_uow: MakeUow, database: str, smtp: SmtpServer
) -> None:
    uow = make_uow(database, **smtp.settings())
    product(uow, "MUG-01", "Blue Mug", on_hand=1, lead=20)
    h = uow.settings.handling_days
    waiting = {}
    placed_at = utcnow()
    for name in ("Ann", "Bob"):
        customer_id, email = customer(uow, name)
        waiting[email] = place(uow, customer_id, ("MUG-01", 2))
    assert waiting["ann@example.com"].lines[0].backordered == 1
    cy, _ = customer(uow, "Cy")
    product(uow, "TEA-02", "Green Tea", on_hand=5)
    place(uow, cy, ("TEA-02", 1))  # allocated in full: nothing waits
    assert {o.lines[0].estimated_ship_date for o in waiting.values()} == {day(20 + h)}
    acme, _ = supplier(uow)
    purchase(uow, acme, ("MUG-01", 10), due=6)  # the current date is now earlier

    assert jobs.send_waiting_updates(uow, now=placed_at + timedelta(days=6)) == 0
    assert jobs.send_waiting_updates(uow, now=placed_at + timedelta(days=8)) == 2
    assert jobs.send_waiting_updates(uow, now=placed_at + timedelta(days=8, hours=5)) == 0
    deliver_all(uow)

    updates = mails_of_type(uow, smtp.received(), "order.waiting_update")
    assert sorted(mail.to for mail in updates) == sorted(waiting)
    for mail in updates:
        placed = waiting[mail.to]
        assert str(placed.id) in mail.subject
        for body in (mail.text, mail.html):
            line = line_about(body, "MUG-01")
            assert "Blue Mug" in line
            assert has_number(line, placed.lines[0].backordered)
            assert day(6 + h).isoformat() in line
            assert day(20 + h).isoformat() not in body
    assert len(events_of(uow, "order.waiting_update")) == 2

    assert jobs.send_waiting_updates(uow, now=placed_at + timedelta(days=15, minutes=1)) == 2
    business.update_settings(uow, waiting_update_days=0)
    assert business.get_business_settings(uow).waiting_update_days == 0
    assert jobs.send_waiting_updates(uow, now=placed_at + timedelta(days=60)) == 0
    assert len(events_of(uow, "order.waiting_update")) == 4


def test_waiting_update_days_setting_changes_the_interval(uow: UnitOfWork) -> None:
    product(uow, "MUG-01", "Blue Mug")
    ann, _ = customer(uow, "Ann")
    placed_at = utcnow()
    place(uow, ann, ("MUG-01", 1))
    assert business.get_business_settings(uow).waiting_update_days == 7
    assert business.update_settings(uow, waiting_update_days=3).waiting_update_days == 3
    assert jobs.send_waiting_updates(uow, now=placed_at + timedelta(days=2)) == 0
    assert jobs.send_waiting_updates(uow, now=placed_at + timedelta(days=3, minutes=1)) == 1


def test_run_due_jobs_runs_each_job_once_per_period(uow: UnitOfWork) -> None:
    t = utcnow()
    hourly = ["backlog_snapshot", "forecasts", "waiting_updates"]
    assert sorted(jobs.run_due_jobs(uow, now=t)) == sorted([*hourly, "eta_refresh"])
    assert jobs.run_due_jobs(uow, now=t) == []
    assert jobs.run_due_jobs(uow, now=t + timedelta(minutes=30)) == []
    assert sorted(jobs.run_due_jobs(uow, now=t + timedelta(hours=1, minutes=1))) == hourly
    assert jobs.run_due_jobs(uow, now=t + timedelta(hours=1, minutes=2)) == []
    later = sorted(jobs.run_due_jobs(uow, now=t + timedelta(days=1, minutes=1)))
    assert later == sorted([*hourly, "eta_refresh"])


def test_worker_pass_runs_the_waiting_update_job(
    make_uow: MakeUow, database: str, smtp: SmtpServer
) -> None:
    uow = make_uow(database, **smtp.settings())
    product(uow, "MUG-01", "Blue Mug")
    ann, ann_email = customer(uow, "Ann")
    placed_at = utcnow()
    place(uow, ann, ("MUG-01", 1))
    Worker(uow).run_once(now=placed_at + timedelta(days=8))
    assert len(events_of(uow, "order.waiting_update")) == 1
    deliver_all(uow, now=placed_at + timedelta(days=8, seconds=1))
    updates = mails_of_type(uow, smtp.received(), "order.waiting_update")
    assert [mail.to for mail in updates] == [ann_email]


# The outbox shares the transaction of the change


def test_a_refused_order_writes_no_event(uow: UnitOfWork) -> None:
    product(uow, "MUG-01", "Blue Mug", on_hand=1, policy=BackorderPolicy.DENY)
    product(uow, "TEA-02", "Green Tea")
    ann, _ = customer(uow, "Ann")
    before = event_count(uow)
    with pytest.raises(OutOfStockError):
        place(uow, ann, ("TEA-02", 2), ("MUG-01", 3))
    assert event_count(uow) == before
    place(uow, ann, ("TEA-02", 2))
    assert [e.type for e in events_of(uow)[before:]] == ["order.backordered"]


def test_an_order_allocated_in_full_announces_no_backorder(uow: UnitOfWork) -> None:
    product(uow, "MUG-01", "Blue Mug", on_hand=5)
    ann, _ = customer(uow, "Ann")
    before = event_count(uow)
    place(uow, ann, ("MUG-01", 2))
    assert events_of(uow, "order.backordered") == []
    assert event_count(uow) == before


def test_webhook_with_an_unknown_event_type_is_refused(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidInputError):
        webhooks.create_webhook(
            uow, url="http://127.0.0.1:9/x", events=["order.teleported"], secret=SECRET
        )
    assert webhooks.list_webhooks(uow) == []


def test_unreachable_webhook_records_the_error_and_retries(
    make_uow: MakeUow, database: str, tmp_path: Path
) -> None:
    uow = make_uow(database, mail_folder=str(tmp_path / "mail"), webhook_timeout_seconds=2)
    url = f"http://127.0.0.1:{free_port()}/nobody-listens"
    webhooks.create_webhook(uow, url=url, events=["order.backordered"], secret=SECRET)
    product(uow, "MUG-01", "Blue Mug")
    ann, _ = customer(uow, "Ann")
    place(uow, ann, ("MUG-01", 1))
    deliver_all(uow)
    (hook,) = [d for d in deliveries(uow) if d.channel == "webhook"]
    assert (hook.status, hook.attempts) == ("pending", 1)
    assert hook.last_error
    assert hook.next_attempt_at > utcnow()
