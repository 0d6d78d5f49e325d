"""The dashboard's services on SQLite and PostgreSQL: the overview's figures at their
edges, the chart series, the backlog record, the browse lists, and dashboard users."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from backorder.db.models import BacklogSnapshot, BusinessSetting, User
from backorder.db.repositories.reports import QueueFilter
from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    UnauthorizedError,
)
from backorder.domain.model import Role
from backorder.services import browse, catalogue, orders, overview, users
from backorder.services.inventory import verify_inventory
from backorder.services.purchase_orders import (
    NewPurchaseOrder,
    cancel_purchase_order,
    create_purchase_order,
)
from backorder.services.receiving import receive_purchase_order
from backorder.services.suggestions import suggest_purchase_orders
from backorder.services.suppliers import NewSupplierProduct, add_supplier_product, create_supplier
from backorder.services.views import OrderView
from tests.helpers import add_customer, add_product, check_invariants

NOW = datetime.now(UTC)
TODAY = NOW.date()


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


def place(uow: UnitOfWork, customer_id: int, sku: str, qty: int, *, at: datetime) -> OrderView:
    new = orders.NewOrder(customer_id=customer_id, lines=[LineRequest(sku, qty)])
    return orders.place_order(uow, new, now=at).order


def supplier(uow: UnitOfWork, name: str, *skus: str) -> int:
    made = create_supplier(uow, name=name, email="buy@example.com", lead_time_days=10)
    for sku in skus:
        add_supplier_product(uow, made.id, NewSupplierProduct(sku=sku, cost=Decimal("1.00")))
    return made.id


def purchase(
    uow: UnitOfWork, supplier_id: int, sku: str, qty: int, *, due: int, made: int = 0
) -> int:
    """A purchase order expected ``due`` days from today, created ``made`` days ago."""
    new = NewPurchaseOrder(supplier_id, [(sku, qty)], expected_date=day(due))
    return create_purchase_order(uow, new, now=NOW - timedelta(days=made)).id


@pytest.fixture(autouse=True)
def stays_consistent(uow: UnitOfWork) -> Iterator[None]:
    yield
    check_invariants(uow, today=TODAY)
    assert verify_inventory(uow)[1] == []


def test_overview_figures_at_their_edges(uow: UnitOfWork) -> None:
    # ETAs from a lead time of 5 days plus 1 day of handling.
    for sku in ("ONTIME", "LATE", "PEN"):
        add_product(uow, sku, lead_time_days=5)
    ann = add_customer(uow)
    place(uow, ann, "ONTIME", 1, at=NOW - timedelta(days=6))  # ETA today: not past
    late = place(uow, ann, "LATE", 2, at=NOW - timedelta(days=7))  # ETA yesterday: past
    acme = supplier(uow, "Acme", "PEN")
    purchase(uow, acme, "PEN", 1, due=0)  # due today: this week, not overdue
    purchase(uow, acme, "PEN", 1, due=6)  # this week
    purchase(uow, acme, "PEN", 1, due=7)  # a week from today: next week
    purchase(uow, acme, "PEN", 1, due=-1, made=3)  # overdue
    partly = purchase(uow, acme, "PEN", 2, due=-2, made=3)
    receive_purchase_order(uow, partly, [("PEN", 1)])  # still open: overdue
    gone = purchase(uow, acme, "PEN", 1, due=-3, made=3)
    cancel_purchase_order(uow, gone)  # closed: not counted

    o = overview.overview(uow, today=TODAY)
    assert o.today == TODAY
    assert (o.backlog.lines, o.backlog.units, o.backlog.value) == (2, 3, Decimal("30.00"))
    assert o.oldest is not None
    assert (o.oldest.order_id, o.oldest_days) == (late.id, 7)
    assert o.past_eta == 1
    assert o.out_of_stock_waiting == 2
    assert o.purchase_orders_due_this_week == 2
    assert o.purchase_orders_overdue == 2
    # Another day, other figures: tomorrow the on-time line is late too.
    tomorrow = overview.overview(uow, today=day(1))
    assert (tomorrow.past_eta, tomorrow.oldest_days) == (2, 8)
    assert tomorrow.purchase_orders_due_this_week == 2  # due 6 and due 7
    assert tomorrow.purchase_orders_overdue == 3


def test_overview_of_an_empty_database(uow: UnitOfWork) -> None:
    o = overview.overview(uow)
    assert (o.backlog.lines, o.backlog.units, o.backlog.value) == (0, 0, Decimal(0))
    assert (o.oldest, o.oldest_days, o.past_eta, o.out_of_stock_waiting) == (None, None, 0, 0)


def test_charts_bands_history_and_on_time_rates(uow: UnitOfWork) -> None:
    for sku in ("A", "B", "C", "BOX"):
        add_product(uow, sku)
    ann = add_customer(uow)
    # Band edges: a line placed exactly 1 day before `now` is in "1-3 d", not "< 1 d".
    for days, sku, qty in ((0.5, "A", 1), (1, "A", 2), (3, "B", 5), (59.9, "C", 1), (60, "C", 1)):
        place(uow, ann, sku, qty, at=NOW - timedelta(days=days))
    overview.record_backlog(uow, now=NOW - timedelta(days=91))  # beyond the 90 days shown
    overview.record_backlog(uow, now=NOW - timedelta(days=90))
    acme, birch = supplier(uow, "Acme", "BOX"), supplier(uow, "Birch")
    add_supplier_product(uow, birch, NewSupplierProduct(sku="BOX", cost=Decimal("1.00")))
    for supplier_id, due, made in ((acme, 0, 0), (acme, 2, 0), (acme, -1, 5), (birch, -4, 9)):
        po = purchase(uow, supplier_id, "BOX", 1, due=due, made=made)
        receive_purchase_order(uow, po, [("BOX", 1)])

    charts = overview.charts(uow, now=NOW)
    assert charts.days_waiting.labels[:3] == ["< 1 d", "1-3 d", "3-7 d"]
    assert charts.days_waiting.values == [1, 1, 1, 0, 0, 1, 1]
    assert charts.top_products.labels == ["B", "A", "C"]
    assert charts.top_products.values == [5, 3, 2]
    assert charts.backlog_units.labels == [str(day(-90)), str(TODAY)]
    assert charts.backlog_units.values == [10, 10]
    # On time: due today and due in 2 days; late: 1 day (Acme) and 4 days (Birch).
    assert charts.supplier_on_time.labels == ["Acme", "Birch"]
    assert charts.supplier_on_time.values == [66.7, 0.0]


def test_record_backlog_keeps_one_row_a_day_with_the_latest_figures(uow: UnitOfWork) -> None:
    add_product(uow, "A")
    ann = add_customer(uow)
    assert overview.record_backlog(uow, now=NOW) == 0
    place(uow, ann, "A", 4, at=NOW)
    assert overview.record_backlog(uow, now=NOW + timedelta(seconds=1)) == 4
    with uow.read() as tx:
        rows = list(tx.session.scalars(select(BacklogSnapshot)))
    assert [(r.day, r.lines, r.units, r.value) for r in rows] == [(TODAY, 1, 4, Decimal("40.00"))]
    assert overview.charts(uow, now=NOW).backlog_units.values == [4]


def test_browse_lists_page_and_refuse_bad_requests(uow: UnitOfWork) -> None:
    add_product(uow, "MUG")
    ann = catalogue.create_customer(uow, name="Ann", email="ann@shop.example").id
    placed = [place(uow, ann, "MUG", 1, at=NOW - timedelta(minutes=60 - n)) for n in range(52)]
    page = browse.backorder_queue(uow, QueueFilter(sku="MUG"), page=2)
    assert (page.total, page.pages, page.number, page.first) == (52, 2, 2, 51)
    assert [r["order_id"] for r in page.items] == [placed[50].id, placed[51].id]
    assert browse.backorder_queue(uow, QueueFilter(customer="SHOP.example")).total == 52
    assert browse.backorder_queue(uow, QueueFilter(customer="bob")).total == 0
    assert browse.backorder_queue(uow, QueueFilter(overdue_on=TODAY)).total == 0
    with pytest.raises(InvalidInputError):
        browse.backorder_queue(uow, QueueFilter(), sort="customer")
    with pytest.raises(InvalidInputError):
        browse.backorder_queue(uow, QueueFilter(), page=0)
    found = browse.orders(uow, search="ann@", page=1)
    assert (found.total, found.items[0].order.id, found.items[0].customer_name) == (
        52,
        placed[-1].id,
        "Ann",
    )
    assert browse.products(uow, search="mu", waiting_only=True).total == 1
    assert browse.products(uow, search="zz", waiting_only=False).items == []
    assert browse.cross_dock(uow, []) == []
    with pytest.raises(NotFoundError):
        browse.product_detail(uow, "NOPE")
    with pytest.raises(NotFoundError):
        browse.order_detail(uow, 4242)


def test_purchase_orders_due_windows_count_open_ones_only(uow: UnitOfWork) -> None:
    add_product(uow, "PEN")
    acme = supplier(uow, "Acme", "PEN")
    soon = purchase(uow, acme, "PEN", 1, due=3)
    overdue = purchase(uow, acme, "PEN", 1, due=-2, made=5)
    received = purchase(uow, acme, "PEN", 1, due=-1, made=5)
    receive_purchase_order(uow, received, [("PEN", 1)])

    def ids(due_after: date | None = None, due_before: date | None = None) -> list[int]:
        page, names = browse.purchase_orders(
            uow, status=None, due_after=due_after, due_before=due_before
        )
        assert names == {acme: "Acme"}
        return [po.id for po in page.items]

    assert ids() == [received, overdue, soon]
    assert ids(due_after=TODAY, due_before=day(7)) == [soon]
    assert ids(due_before=TODAY) == [overdue]


@pytest.fixture
def ann(uow: UnitOfWork) -> int:
    return users.create_user(uow, " ann@example.com ", "a long enough secret", role=Role.STAFF).id


def test_creating_users_checks_what_it_is_given(uow: UnitOfWork, ann: int) -> None:
    assert [(u.id, u.email, u.role, u.disabled) for u in users.list_users(uow)] == [
        (ann, "ann@example.com", Role.STAFF, False)
    ]
    refused: list[tuple[str, str, Role, type[Exception]]] = [
        ("ann@example.com", "another long secret", Role.ADMIN, ConflictError),
        ("not-an-email", "a long enough secret", Role.STAFF, InvalidInputError),
        ("bob@example.com", "9 letters", Role.STAFF, InvalidInputError),
        ("bob@example.com", "a long enough secret", Role.STOREFRONT, InvalidInputError),
    ]
    for email, password, role, error in refused:
        with pytest.raises(error):
            users.create_user(uow, email, password, role=role)
    assert len(users.list_users(uow)) == 1


def test_sign_in_names_neither_the_email_nor_the_password(uow: UnitOfWork, ann: int) -> None:
    assert users.sign_in(uow, " ann@example.com", "a long enough secret").id == ann
    messages = []
    for email, password in (("ann@example.com", "wrong"), ("bob@example.com", "wrong")):
        with pytest.raises(UnauthorizedError) as refused:
            users.sign_in(uow, email, password)
        messages.append(refused.value.message)
    assert messages[0] == messages[1]
    assert users.signed_in_user(uow, ann, since=NOW) is not None
    assert users.signed_in_user(uow, ann + 1, since=NOW) is None
    with uow.write() as tx:
        tx.session.execute(update(User).where(User.id == ann).values(disabled_at=NOW))
        tx.commit()
    assert users.signed_in_user(uow, ann, since=NOW) is None
    with pytest.raises(UnauthorizedError) as refused:
        users.sign_in(uow, "ann@example.com", "a long enough secret")
    assert refused.value.message == messages[0]


def test_session_secret_is_made_once_and_kept(
    uow: UnitOfWork, make_uow: Callable[..., UnitOfWork], database: str
) -> None:
    first = users.session_secret(uow)
    assert len(first) >= 32
    assert users.session_secret(uow) == first
    with uow.read() as tx:
        assert tx.session.scalar(select(func.count()).select_from(BusinessSetting)) == 1
    configured = make_uow(database, session_secret="from-the-settings")
    assert users.session_secret(configured) == "from-the-settings"


def test_signing_out_ends_every_session_begun_before(uow: UnitOfWork, ann: int) -> None:
    """A session is a signed cookie: only the user's sign-out date can end a copy of it."""
    before = datetime.now(UTC) - timedelta(minutes=5)
    assert users.signed_in_user(uow, ann, since=before) is not None
    users.sign_out(uow, ann)
    assert users.signed_in_user(uow, ann, since=before) is None
    assert users.signed_in_user(uow, ann, since=datetime.now(UTC)) is not None


def test_purchasing_plan_covers_the_same_orders_as_the_suggestions(uow: UnitOfWork) -> None:
    """The page sums covers in the database; the API lists them from the queue in
    Python. Both must name the same orders, in serving order, for every product."""
    add_product(uow, "MUG", on_hand=2)
    add_product(uow, "LAMP")
    acme = supplier(uow, "Acme", "MUG", "LAMP")
    customers = [add_customer(uow, name=f"C{i}", priority=i % 3) for i in range(12)]
    for i, customer in enumerate(customers):
        at = NOW - timedelta(days=30 - i)
        place(uow, customer, "MUG", 1 + i % 4, at=at)
        if i % 2:
            place(uow, customer, "LAMP", 2, at=at)
    purchase(uow, acme, "MUG", 5, due=3)  # covers the head of MUG's queue
    plan = browse.purchasing_plan(uow, today=TODAY)
    suggested = {
        line.sku: line.covers
        for draft in suggest_purchase_orders(uow, today=TODAY).drafts
        for line in draft.lines
    }
    assert sorted(line.sku for line in plan.lines.items) == sorted(suggested) == ["LAMP", "MUG"]
    for line in plan.lines.items:
        covers = suggested[line.sku]
        orders_in_order = list(dict.fromkeys(c.order_id for c in covers))
        assert line.covers.units == sum(c.qty for c in covers)
        assert line.covers.orders == len(orders_in_order)
        assert line.covers.first_orders == orders_in_order[: browse.COVERS_SHOWN]
