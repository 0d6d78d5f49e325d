"""The dashboard end to end: signing in, CSRF, every page and every form, through HTTP on
a real database (each test runs on SQLite and on PostgreSQL).

Pages are read with ``html.parser`` by the ids and tables the templates give them, and
what they show is checked against the JSON API, the services and the tables. Every
refused form is checked to have written nothing, and every test ends with the invariants
of DESIGN.md checked and the counters rebuilt from the ledger (``stays_consistent``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from backorder.api.app import create_app
from backorder.cli import app as cli_app
from backorder.db.models import (
    Event,
    Order,
    OrderLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    User,
)
from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.domain.model import BackorderPolicy, Role, ShipPolicy
from backorder.services import catalogue, demand, orders
from backorder.services.inventory import adjust_inventory, verify_inventory
from backorder.services.keys import create_api_key
from backorder.services.overview import overview, record_backlog
from backorder.services.purchase_orders import NewPurchaseOrder, create_purchase_order
from backorder.services.receiving import receive_purchase_order
from backorder.services.suggestions import suggest_purchase_orders
from backorder.services.suppliers import NewSupplierProduct, add_supplier_product, get_supplier
from backorder.services.suppliers import create_supplier as new_supplier
from backorder.services.users import create_user, list_users
from backorder.services.views import OrderView
from backorder.web.sessions import SESSION_COOKIE
from tests.e2e.test_api import Api
from tests.e2e.test_api_purchasing import purchasing_rows
from tests.helpers import add_customer, add_product, check_invariants, snapshot

EMAIL = "staff@example.com"
PASSWORD = "correct horse battery"
CSRF_REFUSED = "csrf_failed"
FAST_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
"""A real Argon2id hash of PASSWORD, made cheap: signing in checks it in a millisecond
where the service's own settings take about half a second on a small machine. Only the
tests about passwords (and the CLI) pay for hashes made by ``create_user``."""


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def ago(days: int) -> datetime:
    return now() - timedelta(days=days)


# Reading pages ----------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list, repr=False)

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Descendants by tag and attributes (``class_`` matches one of the classes)."""

        def matches(node: Node) -> bool:
            if tag is not None and node.tag != tag:
                return False
            for name, want in attrs.items():
                if name == "class_":
                    if want not in node.attrs.get("class", "").split():
                        return False
                elif node.attrs.get(name.replace("_", "-")) != want:
                    return False
            return True

        return [node for node in self.walk() if node is not self and matches(node)]

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag} {attrs}> in {self.text()[:300]!r}"
        return found[0]

    def rows(self) -> list[Node]:
        """The body rows of this table, leaving out the 'nothing here' row."""
        return [
            tr for tr in self.find("tbody").find_all("tr") if not tr.find_all("td", class_="empty")
        ]

    def cells(self) -> list[list[str]]:
        return [[td.text() for td in tr.find_all("td")] for tr in self.rows()]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


@dataclass
class Html:
    """A page as the browser gets it."""

    response: httpx.Response
    root: Node = field(repr=False)

    @classmethod
    def of(cls, response: httpx.Response) -> Html:
        assert response.headers.get("content-type", "").startswith("text/html"), (
            response.status_code,
            response.headers.get("content-type"),
            response.text[:500],
        )
        builder = _Builder()
        builder.feed(response.text)
        builder.close()
        return cls(response, builder.root)

    @property
    def status(self) -> int:
        return self.response.status_code

    def by_id(self, element_id: str) -> Node:
        return self.root.find(id=element_id)

    def has_id(self, element_id: str) -> bool:
        return bool(self.root.find_all(id=element_id))

    def figure(self, element_id: str) -> str:
        """The big number of an overview or product figure."""
        return self.by_id(element_id).find("strong").text()

    def table(self, element_id: str) -> list[list[str]]:
        return self.by_id(element_id).cells()

    def input_value(self, name: str) -> str:
        return self.root.find("input", name=name).attrs.get("value", "")

    @property
    def csrf(self) -> str:
        return self.input_value("csrf_token")

    @property
    def h1(self) -> str:
        return self.root.find("h1").text()

    @property
    def notice(self) -> str | None:
        found = self.root.find_all("p", class_="notice")
        return found[0].text() if found else None

    @property
    def error_code(self) -> str:
        return self.root.find("section", class_="refusal").find("code").text()

    @property
    def error_message(self) -> str:
        return self.root.find("section", class_="refusal").find("p").text()


def refusal(html: Html, status: int, code: str) -> str:
    """Assert a refusal page (HTML, never the API's JSON envelope); return its message."""
    assert html.status == status, (html.status, html.response.text[:1000])
    assert html.error_code == code, html.root.text()[:500]
    return html.error_message


# A browser --------------------------------------------------------------------------


class Browser:
    """One browser: its cookies, and the CSRF token of its session once signed in."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def get(self, path: str, *, headers: dict[str, str] | None = None) -> httpx.Response:
        response: httpx.Response = self.client.get(path, headers=headers, follow_redirects=False)
        return response

    def page(self, path: str, status: int = 200) -> Html:
        response = self.get(path)
        assert response.status_code == status, (path, response.status_code, response.text[:2000])
        return Html.of(response)

    def post_raw(self, path: str, data: dict[str, str]) -> httpx.Response:
        """A form exactly as given: no token added."""
        response: httpx.Response = self.client.post(path, data=data, follow_redirects=False)
        return response

    def post(self, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        return self.post_raw(path, {"csrf_token": self.csrf} | (data or {}))

    def refused(self, path: str, data: dict[str, str] | None = None) -> Html:
        return Html.of(self.post(path, data))

    def submit(self, path: str, data: dict[str, str] | None = None) -> Html:
        """A form the dashboard accepts: it answers 303 and the page it sends us to."""
        response = self.post(path, data)
        assert response.status_code == 303, (path, response.status_code, response.text[:2000])
        return self.page(response.headers["location"])

    def sign_in(
        self, email: str = EMAIL, password: str = PASSWORD, *, next_path: str | None = None
    ) -> httpx.Response:
        """Fill in the sign-in form as a person would: open it, then send it."""
        query = "" if next_path is None else "?next=" + quote(next_path, safe="")
        form = self.page("/sign-in" + query)
        data = {
            "csrf_token": form.csrf,
            "email": email,
            "password": password,
            "next": form.input_value("next"),
        }
        return self.post_raw("/sign-in", data)

    def signed_in(self, email: str = EMAIL, password: str = PASSWORD) -> Browser:
        response = self.sign_in(email, password)
        assert response.status_code == 303, response.text
        self.csrf = self.page(response.headers["location"]).csrf
        return self

    def is_signed_in(self) -> bool:
        response = self.get("/")
        if response.status_code == 303:
            assert response.headers["location"] == "/sign-in?next=/"
            return False
        assert response.status_code == 200, response.text
        return True


# Setting up -------------------------------------------------------------------------


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    with TestClient(create_app(uow), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def staff(uow: UnitOfWork) -> int:
    """A staff user who signs in with EMAIL and PASSWORD (see FAST_HASH)."""
    with uow.write() as tx:
        user = User(email=EMAIL, password_hash=FAST_HASH, role=Role.STAFF.value, created_at=now())
        tx.session.add(user)
        tx.session.flush()
        user_id = user.id
        tx.commit()
    return user_id


@pytest.fixture
def browser(client: TestClient, staff: int) -> Browser:
    assert staff
    return Browser(client).signed_in()


@pytest.fixture
def api(client: TestClient, uow: UnitOfWork) -> Api:
    return Api(client, create_api_key(uow, Role.ADMIN).secret)


@pytest.fixture(autouse=True)
def stays_consistent(uow: UnitOfWork) -> Iterator[None]:
    yield
    check_invariants(uow, today=today())
    _, drifts = verify_inventory(uow)
    assert drifts == [], drifts


def state(uow: UnitOfWork) -> tuple[Any, ...]:
    """Every row a form may write: to prove a refused one wrote nothing."""
    with uow.read() as tx:
        s = tx.session
        users = list(s.execute(select(User.id, User.disabled_at).order_by(User.id)))
        priorities = list(s.execute(select(Order.id, Order.priority).order_by(Order.id)))
        priorities += list(
            s.execute(select(OrderLine.id, OrderLine.priority).order_by(OrderLine.id))
        )
    return snapshot(uow), purchasing_rows(uow), users, priorities


def priced_product(uow: UnitOfWork, sku: str, price: str, **fields: Any) -> None:
    """A product at another price than ``helpers.add_product``'s 10.00, with no stock."""
    new = catalogue.NewProduct(
        sku=sku,
        name=sku.title(),
        price=Decimal(price),
        backorder_policy=BackorderPolicy.ALLOW,
        **fields,
    )
    catalogue.create_product(uow, new)


def customer(uow: UnitOfWork, name: str, *, priority: int = 0, email: str = "") -> int:
    email = email or f"{name.lower()}@example.com"
    return catalogue.create_customer(uow, name=name, email=email, priority=priority).id


def place(
    uow: UnitOfWork,
    customer_id: int,
    *lines: tuple[str, int],
    at: datetime | None = None,
    ship_policy: ShipPolicy = ShipPolicy.PARTIAL,
    priority: int | None = None,
) -> OrderView:
    new = orders.NewOrder(
        customer_id=customer_id,
        lines=[LineRequest(sku, qty) for sku, qty in lines],
        ship_policy=ship_policy,
        priority=priority,
    )
    return orders.place_order(uow, new, now=at).order


def supplier(uow: UnitOfWork, name: str, *skus: str, lead_time_days: int = 10) -> int:
    """A supplier, preferred for each of ``skus``."""
    email = f"{name.lower()}@example.com"
    made = new_supplier(uow, name=name, email=email, lead_time_days=lead_time_days)
    for sku in skus:
        offer = NewSupplierProduct(sku=sku, cost=Decimal("4.10"), preferred=True)
        add_supplier_product(uow, made.id, offer)
    return made.id


def purchase(
    uow: UnitOfWork,
    supplier_id: int,
    *lines: tuple[str, int],
    expected: date,
    at: datetime | None = None,
) -> int:
    new = NewPurchaseOrder(supplier_id, list(lines), expected_date=expected)
    return create_purchase_order(uow, new, now=at).id


def po_count(uow: UnitOfWork) -> int:
    with uow.read() as tx:
        return int(tx.session.scalar(select(func.count()).select_from(PurchaseOrder)) or 0)


def queue_rows(html: Html) -> list[dict[str, Any]]:
    """The queue's rows: order, line, customer, SKU, waiting units, ETA cell."""
    rows = []
    for tr in html.by_id("queue").find("table").rows():
        cells = [td.text() for td in tr.find_all("td")]
        rows.append(
            {
                "order_id": int(cells[0]),
                "line_id": int(tr.attrs["data-line"]),
                "customer": cells[1],
                "sku": cells[2].split()[0],
                "waiting": int(cells[3].replace(",", "")),
                "eta": cells[5].split()[0],
            }
        )
    return rows


def queue_lines(browser: Browser, query: str = "") -> list[int]:
    return [row["line_id"] for row in queue_rows(browser.page("/queue" + query))]


def api_lines(api: Api, **params: Any) -> list[dict[str, Any]]:
    return api.backorders(limit=1000, **params)


def order_lines(html: Html) -> dict[int, dict[str, str]]:
    """The lines table of an order page, by line id."""
    names = ["line", "product", "ordered", "allocated", "waiting", "shipped", "cancelled"]
    names += ["status", "eta", "told"]
    found = {}
    for tr in html.by_id("lines").rows():
        cells = [td.text() for td in tr.find_all("td")]
        found[int(tr.attrs["data-line"])] = dict(zip(names, cells, strict=False))
    return found


def history(html: Html) -> list[str]:
    """The 'What' column of an order's history."""
    return [row[1] for row in html.table("history")]


def event_types(uow: UnitOfWork, order_id: int) -> list[str]:
    with uow.read() as tx:
        query = select(Event.type).where(Event.order_id == order_id).order_by(Event.id)
        return list(tx.session.scalars(query))


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


# Signing in -------------------------------------------------------------------------

PAGES = {
    "/": "Overview",
    "/queue?sku=MUG&sort=eta": "Backorder queue",
    "/products": "Products",
    "/products/MUG?qty=3": "MUG",
    "/purchasing": "Purchasing",
    "/purchase-orders": "Purchase orders",
    "/purchase-orders/{po}": "Purchase order {po}",
    "/orders?q=Ann": "Orders",
    "/orders/{order}": "Order {order}",
    "/charts": "Charts",
    "/replenishment": "Replenishment",
}


@pytest.mark.usefixtures("staff")
def test_a_signed_out_visitor_signs_in_and_lands_on_the_page_they_asked_for(
    uow: UnitOfWork, client: TestClient
) -> None:
    add_product(uow, "MUG", on_hand=1)
    placed = place(uow, add_customer(uow), ("MUG", 3))
    po = purchase(uow, supplier(uow, "Acme", "MUG"), ("MUG", 5), expected=today())
    visitor = Browser(client)
    for template, heading in PAGES.items():
        path = template.format(po=po, order=placed.id)
        client.cookies.clear()
        response = visitor.get(path)
        assert response.status_code == 303, (path, response.text)
        location = urlsplit(response.headers["location"])
        assert location.path == "/sign-in", path
        assert parse_qs(location.query) == {"next": [path]}, (path, location)

        form = visitor.page(response.headers["location"])
        assert form.input_value("next") == path
        assert not form.root.find_all("form", action="/sign-out"), "nobody is signed in"
        signed = visitor.post_raw(
            "/sign-in",
            {"csrf_token": form.csrf, "email": EMAIL, "password": PASSWORD, "next": path},
        )
        assert signed.status_code == 303, signed.text
        assert signed.headers["location"] == path
        landed = visitor.page(path)
        assert landed.h1.startswith(heading.format(po=po, order=placed.id)), landed.h1
        assert EMAIL in landed.root.find("form", action="/sign-out").text()


@pytest.mark.usefixtures("staff")
def test_next_pointing_off_site_lands_on_the_overview(client: TestClient) -> None:
    visitor = Browser(client)
    form = visitor.page("/sign-in?next=" + quote("//evil.example", safe=""))
    assert form.input_value("next") == "/", "the form never carries an off-site next"
    token = form.csrf
    for next_path in (
        "//evil.example",
        "https://evil.example",
        "http://evil.example/queue",
        "//evil.example/queue",
        "evil.example",
        "javascript:alert(1)",
    ):
        # A tampered form: the server checks `next` again.
        data = {"csrf_token": token, "email": EMAIL, "password": PASSWORD, "next": next_path}
        response = visitor.post_raw("/sign-in", data)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/", next_path
        landed = visitor.page("/")
        assert landed.h1.startswith("Overview")
        token = landed.csrf  # signing in starts a new session, with a new token
    # Browsers read `/\host` as `//host`: that may not leave the site either.
    data = {"csrf_token": token, "email": EMAIL, "password": PASSWORD, "next": "/\\evil.ex"}
    location = visitor.post_raw("/sign-in", data).headers["location"]
    assert location.startswith("/"), location
    assert not location.startswith(("//", "/\\")), location
    assert urlsplit(location).netloc == ""


def test_wrong_password_unknown_email_and_disabled_user_are_refused_alike(
    uow: UnitOfWork, client: TestClient, staff: int
) -> None:
    visitor = Browser(client)
    before = state(uow)
    wrong_password = visitor.sign_in(EMAIL, "not the password")
    unknown_email = visitor.sign_in("nobody@example.com", PASSWORD)
    messages = []
    for response in (wrong_password, unknown_email):
        assert response.status_code == 401, response.text
        page = Html.of(response)
        messages.append(page.root.find("p", role="alert").text())
        assert page.input_value("password") == "", "the password is never sent back"
        assert not page.root.find_all("form", action="/sign-out")
    assert messages[0] == messages[1] == "the email or the password is wrong"
    assert Html.of(unknown_email).input_value("email") == "nobody@example.com"
    assert not visitor.is_signed_in()
    assert state(uow) == before

    # The right password works; once the user is disabled, it no longer does, and the
    # session they have is over.
    visitor.signed_in()
    assert visitor.is_signed_in()
    with uow.write() as tx:
        tx.session.execute(update(User).where(User.id == staff).values(disabled_at=now()))
        tx.commit()
    assert list_users(uow)[0].disabled
    assert not visitor.is_signed_in(), "a user disabled since signing in is signed out"
    response = visitor.sign_in()
    assert response.status_code == 401
    assert Html.of(response).root.find("p", role="alert").text() == messages[0]
    assert not visitor.is_signed_in()


def test_passwords_are_kept_as_argon2_hashes(uow: UnitOfWork) -> None:
    made = create_user(uow, " boss@example.com ", PASSWORD, role=Role.ADMIN)
    assert (made.email, made.role, made.disabled) == ("boss@example.com", Role.ADMIN, False)
    with uow.read() as tx:
        stored = tx.session.scalar(select(User.password_hash))
    assert stored is not None
    assert stored.startswith("$argon2id$"), stored
    assert PASSWORD not in stored
    assert stored != FAST_HASH, "salted"


def test_sign_out_ends_the_session(browser: Browser) -> None:
    for data in ({}, {"csrf_token": "forged"}):
        page = Html.of(browser.post_raw("/sign-out", data))
        refusal(page, 403, CSRF_REFUSED)
        assert browser.is_signed_in(), "sign-out without the token is refused"
    page = browser.page("/queue")
    assert page.root.find("form", action="/sign-out").find("input", name="csrf_token")
    response = browser.post("/sign-out")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in"
    after = browser.get("/queue")
    assert after.status_code == 303
    assert after.headers["location"] == "/sign-in?next=/queue"
    # The old token went with the session.
    assert browser.post("/products/MUG/adjust", {"delta": "1", "reason": "x"}).status_code == 403


# CSRF -------------------------------------------------------------------------------


def test_every_form_refuses_a_missing_or_wrong_token_and_writes_nothing(
    uow: UnitOfWork, client: TestClient, browser: Browser
) -> None:
    add_product(uow, "MUG", on_hand=2)
    acme = supplier(uow, "Acme", "MUG")
    placed = place(uow, add_customer(uow), ("MUG", 5))
    po = purchase(uow, acme, ("MUG", 1), expected=today() + timedelta(days=5))
    line = placed.lines[0].id
    form = browser.page(f"/purchase-orders/{po}")
    receipt_form = form.input_value("receipt_form")
    assert form.csrf == browser.csrf

    other = Browser(TestClient(client.app)).signed_in()
    assert other.csrf != browser.csrf
    forms = {
        f"/orders/{placed.id}/priority": {"priority": "7"},
        f"/orders/{placed.id}/lines/{line}/cancel": {"qty": "1"},
        f"/orders/{placed.id}/ship": {"tracking_number": "T-1"},
        f"/orders/{placed.id}/cancel": {},
        "/products/MUG/adjust": {"delta": "5", "reason": "count"},
        "/purchasing/create": {},
        f"/purchase-orders/{po}/reschedule": {"expected_date": str(today() + timedelta(3))},
        f"/purchase-orders/{po}/receive": {"receipt_form": receipt_form, "qty_MUG": "1"},
        "/sign-out": {},
    }
    before = state(uow)
    pos = po_count(uow)
    for path, data in forms.items():
        for token in (None, "", "not-the-token", other.csrf):
            sent = data if token is None else data | {"csrf_token": token}
            page = Html.of(browser.post_raw(path, sent))
            message = refusal(page, 403, CSRF_REFUSED)
            assert "did not come from a page of this dashboard" in message, path
        assert state(uow) == before, path
        assert po_count(uow) == pos
    assert browser.is_signed_in()

    # Signing in: a visitor with a session but a forged token is not signed in.
    visitor = Browser(TestClient(client.app))
    token = visitor.page("/sign-in").csrf
    for forged in ("", "forged", other.csrf, None):
        credentials = {"email": EMAIL, "password": PASSWORD, "next": "/"}
        if forged is not None:
            credentials["csrf_token"] = forged
        page = Html.of(visitor.post_raw("/sign-in", credentials))
        refusal(page, 403, CSRF_REFUSED)
        assert not visitor.is_signed_in()
    assert state(uow) == before
    # The same forms pass with the session's own token.
    assert (
        visitor.post_raw(
            "/sign-in", {"csrf_token": token, "email": EMAIL, "password": PASSWORD}
        ).status_code
        == 303
    )
    assert browser.submit("/products/MUG/adjust", {"delta": "1", "reason": "count"})
    assert state(uow) != before


# The overview -----------------------------------------------------------------------


def test_overview_figures_equal_what_the_api_and_services_say(
    uow: UnitOfWork, browser: Browser, api: Api
) -> None:
    add_product(uow, "MUG", on_hand=2)
    priced_product(uow, "LAMP", "25.50", lead_time_days=5)
    add_product(uow, "DESK", on_hand=10)
    add_product(uow, "PEN")
    ann, bob = customer(uow, "Ann"), customer(uow, "Bob")
    place(uow, ann, ("MUG", 5), at=ago(20))  # 2 allocated, 3 wait
    oldest = place(uow, bob, ("LAMP", 4), at=ago(40))  # waits; its ETA passed long ago
    place(uow, ann, ("DESK", 2))  # all allocated
    place(uow, bob, ("MUG", 1))  # waits
    acme = supplier(uow, "Acme", "PEN")
    purchase(uow, acme, ("PEN", 5), expected=today() + timedelta(days=3))  # this week
    purchase(uow, acme, ("PEN", 5), expected=today())  # due today: this week
    purchase(uow, acme, ("PEN", 5), expected=today() - timedelta(days=5), at=ago(30))  # overdue
    purchase(uow, acme, ("PEN", 5), expected=today() + timedelta(days=20))  # later
    received = purchase(uow, acme, ("PEN", 5), expected=today() + timedelta(days=2))
    receive_purchase_order(uow, received, [("PEN", 5)])  # closed: not due

    page = browser.page("/")
    shown = {
        name: page.figure(name)
        for name in (
            "open-lines",
            "open-units",
            "open-value",
            "oldest",
            "past-eta",
            "out-of-stock",
            "due-week",
            "overdue-pos",
        )
    }
    assert shown == {
        "open-lines": "3",
        "open-units": "8",
        "open-value": "142.00",  # 4 x 10.00 + 4 x 25.50
        "oldest": "40 d",
        "past-eta": "1",
        "out-of-stock": "2",
        "due-week": "2",
        "overdue-pos": "1",
    }
    assert page.by_id("oldest").attrs["href"] == f"/orders/{oldest.id}"
    assert f"order {oldest.id}" in page.by_id("oldest").text()

    # The same figures from the JSON API ...
    waiting = api_lines(api)
    products = api.ok(api.get("/products", limit=100))
    first = min(waiting, key=lambda w: (w["created_at"], w["line_id"]))
    open_pos = [po for po in api.ok(api.get("/purchase-orders")) if po["status"] != "received"]
    due = [date.fromisoformat(po["expected_date"]) for po in open_pos]
    from_api = {
        "open-lines": str(len(waiting)),
        "open-units": str(sum(w["backordered"] for w in waiting)),
        "open-value": money(
            sum(
                (Decimal(p["price"]) * p["inventory"]["backordered"] for p in products),
                Decimal(0),
            )
        ),
        "oldest": f"{(today() - datetime.fromisoformat(first['created_at']).date()).days} d",
        "past-eta": str(
            sum(
                1
                for w in waiting
                if w["estimated_ship_date"]
                and date.fromisoformat(w["estimated_ship_date"]) < today()
            )
        ),
        "out-of-stock": str(
            sum(
                1
                for p in products
                if p["inventory"]["backordered"] > 0 and p["inventory"]["available"] <= 0
            )
        ),
        "due-week": str(sum(1 for d in due if today() <= d < today() + timedelta(days=7))),
        "overdue-pos": str(sum(1 for d in due if d < today())),
    }
    assert shown == from_api
    assert first["order_id"] == oldest.id

    # ... and from the service.
    o = overview(uow)
    assert (o.backlog.lines, o.backlog.units, money(o.backlog.value)) == (3, 8, "142.00")
    assert (o.oldest_days, o.past_eta, o.out_of_stock_waiting) == (40, 1, 2)
    assert (o.purchase_orders_due_this_week, o.purchase_orders_overdue) == (2, 1)

    # Each figure opens its list, and the lists agree with the figures.
    week = browser.page(page.by_id("due-week").attrs["href"])
    overdue = browser.page(page.by_id("overdue-pos").attrs["href"])
    assert len(week.root.find("table").rows()) == 2
    assert len(overdue.root.find("table").rows()) == 1
    late = browser.page(page.by_id("past-eta").attrs["href"])
    assert [r["order_id"] for r in queue_rows(late)] == [oldest.id]
    short = browser.page(page.by_id("out-of-stock").attrs["href"])
    assert [row[0] for row in short.root.find("table").cells()] == ["LAMP", "MUG"]


# The queue --------------------------------------------------------------------------


@dataclass
class Queue:
    """MUG (no stock) waited for by four orders, LAMP (supplier Birch) by two, one of
    them long past its ETA."""

    ann: int
    vip: int
    bob: int
    birch: int
    mug: list[OrderView]
    lamp: list[OrderView]


@pytest.fixture
def queue(uow: UnitOfWork) -> Queue:
    add_product(uow, "MUG")
    add_product(uow, "LAMP")
    ann = customer(uow, "Ann")
    vip = customer(uow, "Vip", priority=5)
    bob = customer(uow, "Bobby Tables", email="robert@tables.example")
    birch = supplier(uow, "Birch", "LAMP", lead_time_days=3)
    supplier(uow, "Acme")
    mug = [
        place(uow, ann, ("MUG", 2), at=ago(3)),
        place(uow, ann, ("MUG", 1), at=ago(2)),
        place(uow, vip, ("MUG", 1), at=ago(1)),
        place(uow, ann, ("MUG", 3), priority=9),
    ]
    lamp = [
        place(uow, bob, ("LAMP", 6), at=ago(30)),  # ETA long past
        place(uow, ann, ("LAMP", 1)),
    ]
    return Queue(ann, vip, bob, birch, mug, lamp)


def test_queue_filters(browser: Browser, api: Api, queue: Queue) -> None:
    lamp = [w["line_id"] for w in api_lines(api, sku="LAMP")]
    bob = [w["line_id"] for w in api_lines(api, customer_id=queue.bob)]
    ann = [w["line_id"] for w in api_lines(api, customer_id=queue.ann)]
    assert len(lamp) == 2
    assert len(bob) == 1
    assert len(ann) == 4
    assert queue_lines(browser, "?sku=LAMP") == lamp
    assert queue_lines(browser, "?sku=NOPE") == []
    assert queue_lines(browser, f"?customer={queue.bob}") == bob
    assert queue_lines(browser, f"?customer={queue.ann}") == ann
    assert queue_lines(browser, "?customer=bObBy") == bob, "part of a name, any case"
    assert queue_lines(browser, "?customer=tables.example") == bob, "part of an email"
    assert queue_lines(browser, "?customer=%20bobby%20") == bob, "blanks around are ignored"
    assert queue_lines(browser, "?customer=nobody") == []
    assert queue_lines(browser, f"?supplier={queue.birch}") == lamp
    assert queue_lines(browser, "?supplier=") == queue_lines(browser, "")
    late = [
        w["line_id"]
        for w in api_lines(api)
        if w["estimated_ship_date"] and date.fromisoformat(w["estimated_ship_date"]) < today()
    ]
    assert late == [queue.lamp[0].lines[0].id]
    assert queue_lines(browser, "?overdue=true") == late
    assert queue_lines(browser, f"?overdue=true&customer={queue.ann}") == []
    assert queue_lines(browser, f"?sku=LAMP&customer={queue.ann}") == [queue.lamp[1].lines[0].id]
    page = browser.page("/queue?overdue=true")
    assert "late" in page.by_id("queue").find("tr", data_line=str(late[0])).attrs["class"]
    # The filters stay filled in.
    page = browser.page(f"/queue?sku=LAMP&customer=bob&supplier={queue.birch}&overdue=true")
    assert page.input_value("sku") == "LAMP"
    assert page.input_value("customer") == "bob"
    selected = page.root.find("select", name="supplier").find("option", selected="")
    assert selected.text() == "Birch"
    # htmx asks for the rows alone.
    rows_only = Html.of(browser.get("/queue?sku=LAMP", headers={"HX-Target": "queue"}))
    assert not rows_only.root.find_all("h1")
    assert len(rows_only.root.find("table").rows()) == 2


def test_queue_sorts(browser: Browser, api: Api, queue: Queue) -> None:
    """Serving order by default: highest priority first (the order raised to 9, then the
    customer of priority 5), then oldest first; the same order as the API's."""
    rows = queue_rows(browser.page("/queue?sku=MUG"))
    m = queue.mug
    assert [r["order_id"] for r in rows] == [m[3].id, m[2].id, m[0].id, m[1].id]
    assert [r["waiting"] for r in rows] == [3, 1, 2, 1]
    assert [r["line_id"] for r in rows] == [w["line_id"] for w in api_lines(api, sku="MUG")]
    everything = queue_rows(browser.page("/queue"))
    assert {r["customer"].split(" #")[0] for r in everything} == {"Ann", "Vip", "Bobby Tables"}

    waiting = api_lines(api)
    by = {
        "serving": [w["line_id"] for w in waiting],
        "waiting": [
            w["line_id"] for w in sorted(waiting, key=lambda w: (w["created_at"], w["line_id"]))
        ],
        "eta": [
            w["line_id"]
            for w in sorted(
                waiting,
                key=lambda w: (
                    w["estimated_ship_date"] is None,
                    w["estimated_ship_date"] or "",
                    w["line_id"],
                ),
            )
        ],
    }
    assert len(set(map(tuple, by.values()))) == 3, "the sorts differ on this data"
    for sort, expected in by.items():
        page = browser.page(f"/queue?sort={sort}")
        assert [r["line_id"] for r in queue_rows(page)] == expected, sort
        selected = page.root.find("select", name="sort").find("option", selected="")
        assert selected.attrs["value"] == sort
    # Every sort the page offers is one it takes.
    offered = [o.attrs["value"] for o in page.root.find("select", name="sort").find_all("option")]
    assert set(by) <= set(offered)
    for sort in offered:
        assert browser.get(f"/queue?sort={sort}").status_code == 200, sort


def test_queue_pages_and_bad_requests(uow: UnitOfWork, browser: Browser, api: Api) -> None:
    skus = ["MUG", "LAMP", "DESK", "PEN", "CUP"]
    for sku in skus:
        add_product(uow, sku)
    ann = add_customer(uow)
    for n in range(11):
        place(uow, ann, *((sku, n + 1) for sku in skus))
    expected = [w["line_id"] for w in api_lines(api)]
    assert len(expected) == 55
    first = browser.page("/queue")
    second = browser.page("/queue?page=2")
    assert [r["line_id"] for r in queue_rows(first)] == expected[:50]
    assert [r["line_id"] for r in queue_rows(second)] == expected[50:]
    assert "55 in all · 1\N{EN DASH}50" in first.root.find("nav", class_="pager").text()
    assert "page 1 of 2" in first.root.find("nav", class_="pager").text()
    assert "51\N{EN DASH}55" in second.root.find("nav", class_="pager").text()
    assert first.root.find("a", rel="next").attrs["href"].endswith("/queue?page=2")
    assert queue_rows(browser.page("/queue?page=3")) == []
    # Refusals are pages with the right status, and write nothing.
    before = state(uow)
    for query, words in (
        ("?sort=price", "sort by one of serving, waiting, eta"),
        ("?page=0", "page"),
        ("?page=-1", "page"),
        ("?page=two", "page"),
        ("?supplier=acme", "supplier"),
    ):
        message = refusal(browser.page("/queue" + query, 422), 422, "validation_error")
        assert words in message, (query, message)
    assert state(uow) == before


# Actions from the queue and the order page -----------------------------------------


def test_priority_moves_a_line_to_the_front_and_blank_clears_it(
    uow: UnitOfWork, browser: Browser, api: Api, queue: Queue
) -> None:
    last = queue.mug[1]
    back = "/queue?sku=MUG"
    page = browser.submit(f"/orders/{last.id}/priority", {"priority": " 50 ", "back": back})
    assert page.response.url.path == "/queue"
    assert page.notice == f"Order {last.id}: priority 50."
    rows = queue_rows(page)
    assert rows[0]["order_id"] == last.id
    assert api_lines(api, sku="MUG")[0]["line_id"] == last.lines[0].id
    assert api.get_order(last.id)["priority"] == 50
    assert page.by_id("queue").find("input", name="priority").attrs["value"] == "50"

    page = browser.submit(f"/orders/{last.id}/priority", {"priority": "", "back": back})
    assert page.notice == f"Order {last.id}: priority cleared."
    assert queue_rows(page)[-1]["order_id"] == last.id, "back behind the older lines"
    assert api.get_order(last.id)["priority"] is None
    order_page = browser.page(f"/orders/{last.id}")
    assert "priority 0 (customer's)" in order_page.root.find("p", class_="muted").text()

    # From the order page, back to the order page; a negative priority goes last.
    page = browser.submit(
        f"/orders/{queue.mug[3].id}/priority",
        {"priority": "-3", "back": f"/orders/{queue.mug[3].id}"},
    )
    assert page.h1.startswith(f"Order {queue.mug[3].id}")
    assert queue_lines(browser, "?sku=MUG")[-1] == queue.mug[3].lines[0].id
    # `back` may not leave the site.
    response = browser.post(f"/orders/{last.id}/priority", {"priority": "1", "back": "//evil.ex"})
    assert response.headers["location"] == "/"

    # Not a whole number, or no such order: a refusal page, and nothing written.
    before = state(uow)
    for priority in ("high", "1.5", "1e3", "0x10", "--1"):
        page = browser.refused(f"/orders/{last.id}/priority", {"priority": priority})
        message = refusal(page, 422, "validation_error")
        assert "priority is a whole number" in message
    refusal(browser.refused("/orders/9999/priority", {"priority": "1"}), 404, "not_found")
    assert state(uow) == before


def test_priority_beyond_the_api_range_is_refused(
    uow: UnitOfWork, browser: Browser, queue: Queue
) -> None:
    """The API takes priorities from -1,000,000 to 1,000,000; the dashboard must refuse
    what it refuses (a 422 page that wrote nothing), not store it nor fail with a 500."""
    answers = {}
    for priority in ("1000001", "-1000001", "99999999999", "-99999999999"):
        before = state(uow)
        response = browser.post(f"/orders/{queue.mug[1].id}/priority", {"priority": priority})
        answers[priority] = (response.status_code, state(uow) == before)
    assert answers == dict.fromkeys(answers, (422, True))


def test_cancelling_a_lines_units_frees_them_for_the_next_waiting_line(
    uow: UnitOfWork, browser: Browser, api: Api
) -> None:
    add_product(uow, "MUG", on_hand=3)
    first = place(uow, customer(uow, "Ann"), ("MUG", 3))  # all 3 allocated
    second = place(uow, customer(uow, "Bob"), ("MUG", 2))  # waits
    third = place(uow, customer(uow, "Cid"), ("MUG", 4))  # waits behind
    line = first.lines[0].id

    page = browser.page(f"/orders/{first.id}")
    cancel_form = page.root.find("form", action=f"/orders/{first.id}/lines/{line}/cancel")
    assert cancel_form.find("input", name="qty").attrs["value"] == "3"
    page = browser.submit(
        f"/orders/{first.id}/lines/{line}/cancel", {"qty": "2", "back": f"/orders/{first.id}"}
    )
    assert page.notice == f"Order {first.id}: 2 unit(s) of line {line} cancelled."
    shown = order_lines(page)[line]
    assert (shown["ordered"], shown["allocated"], shown["waiting"], shown["cancelled"]) == (
        "3",
        "1",
        "0",
        "2",
    )
    assert "cancelled" in history(page)

    # The freed units went to the next line in serving order, none to the one behind it.
    got = api.get_order(second.id)["lines"][0]
    assert (got["allocated"], got["backordered"]) == (2, 0)
    assert api.get_order(third.id)["lines"][0]["backordered"] == 4
    assert "allocated" in history(browser.page(f"/orders/{second.id}"))
    assert api.counters("MUG") == (3, 3, 0, 4)

    # Waiting units cancelled from the queue; the queue shows what is left.
    page = browser.submit(
        f"/orders/{third.id}/lines/{third.lines[0].id}/cancel",
        {"qty": "1", "back": "/queue?sku=MUG"},
    )
    assert page.response.url.path == "/queue"
    assert [(r["order_id"], r["waiting"]) for r in queue_rows(page)] == [(third.id, 3)]
    assert api.counters("MUG") == (3, 3, 0, 3)

    # More than is left, nothing, not a number, a line of another order: refused.
    before = state(uow)
    base = f"/orders/{third.id}/lines/{third.lines[0].id}/cancel"
    refusal(browser.refused(base, {"qty": "4"}), 409, "conflict")
    refusal(browser.refused(base, {"qty": "0"}), 422, "validation_error")
    refusal(browser.refused(base, {"qty": "two"}), 422, "validation_error")
    refusal(browser.refused(base, {}), 422, "validation_error")
    other = f"/orders/{third.id}/lines/{line}/cancel"
    refusal(browser.refused(other, {"qty": "1"}), 404, "not_found")
    assert state(uow) == before


def test_shipping_from_the_order_page(uow: UnitOfWork, browser: Browser, api: Api) -> None:
    add_product(uow, "MUG", on_hand=5)
    placed = place(uow, add_customer(uow), ("MUG", 2))
    page = browser.page(f"/orders/{placed.id}")
    assert page.has_id("ship")
    page = browser.submit(f"/orders/{placed.id}/ship", {"tracking_number": "  TRK-1 "})
    assert page.notice == f"Order {placed.id}: 2 unit(s) shipped."
    line = order_lines(page)[placed.lines[0].id]
    assert (line["allocated"], line["shipped"], line["status"]) == ("0", "2", "shipped")
    assert page.by_id("order-status").text() == "shipped"
    assert not page.has_id("ship"), "nothing left to ship"
    assert not page.has_id("cancel-order"), "nothing left to cancel"
    assert history(page)[-1] == "shipped"
    assert "tracking TRK-1" in page.table("history")[-1][2]
    assert api.counters("MUG") == (3, 0, 3, 0)
    assert api.get_order(placed.id)["status"] == "shipped"
    movements = browser.page("/products/MUG").table("movements")
    assert movements[0][1:] == ["shipment", "-2", f"order {placed.id}"]

    # Nothing left to ship or cancel; a complete order with units waiting; no such order.
    complete = place(uow, add_customer(uow), ("MUG", 5), ship_policy=ShipPolicy.COMPLETE)
    before = state(uow)
    refusal(browser.refused(f"/orders/{placed.id}/ship"), 409, "conflict")
    refusal(browser.refused(f"/orders/{placed.id}/cancel"), 409, "conflict")
    message = refusal(browser.refused(f"/orders/{complete.id}/ship"), 409, "conflict")
    assert "2 units still wait" in message
    refusal(browser.refused("/orders/9999/ship"), 404, "not_found")
    assert state(uow) == before


def test_cancelling_a_whole_order(uow: UnitOfWork, browser: Browser, api: Api) -> None:
    add_product(uow, "MUG", on_hand=2)
    placed = place(uow, customer(uow, "Ann"), ("MUG", 5))  # 2 allocated, 3 wait
    behind = place(uow, customer(uow, "Bob"), ("MUG", 1))
    assert browser.page(f"/orders/{placed.id}").has_id("cancel-order")
    page = browser.submit(f"/orders/{placed.id}/cancel")
    assert page.notice == f"Order {placed.id}: everything not shipped is cancelled."
    line = order_lines(page)[placed.lines[0].id]
    assert (line["allocated"], line["waiting"], line["cancelled"]) == ("0", "0", "5")
    assert page.by_id("order-status").text() == "cancelled"
    assert history(page)[-1] == "cancelled"
    assert api.get_order(behind.id)["lines"][0]["allocated"] == 1
    assert api.counters("MUG") == (2, 1, 1, 0)
    # Again: nothing left to cancel, nothing written.
    before = state(uow)
    browser.submit(f"/orders/{placed.id}/cancel")
    assert state(uow) == before
    refusal(browser.refused("/orders/9999/cancel"), 404, "not_found")


# Stock ------------------------------------------------------------------------------


def test_adjusting_stock_fills_waiting_lines(uow: UnitOfWork, browser: Browser, api: Api) -> None:
    add_product(uow, "MUG")
    first = place(uow, customer(uow, "Ann"), ("MUG", 3), at=ago(2))
    second = place(uow, customer(uow, "Bob"), ("MUG", 2), at=ago(1))
    page = browser.submit("/products/MUG/adjust", {"delta": "4", "reason": "found in aisle 3"})
    assert page.notice == "MUG: on hand +4 to 4."
    assert [page.figure(f) for f in ("on-hand", "allocated", "available", "backordered")] == [
        "4",
        "4",
        "0",
        "1",
    ]
    assert api.counters("MUG") == (4, 4, 0, 1)
    assert api.get_order(first.id)["lines"][0]["allocated"] == 3
    assert api.get_order(second.id)["lines"][0]["allocated"] == 1
    assert page.table("movements")[0][1:] == ["adjustment", "+4", f"found in aisle 3 ({EMAIL})"]
    assert [row[1] for row in page.table("waiting")] == [str(second.id)]

    before = state(uow)
    message = refusal(
        browser.refused("/products/MUG/adjust", {"delta": "-1", "reason": "broken"}),
        409,
        "conflict",
    )
    assert "can drop by at most 0" in message
    for data in (
        {"delta": "0", "reason": "nothing"},
        {"delta": "two", "reason": "typo"},
        {"delta": "1.5", "reason": "half"},
        {"delta": "", "reason": "blank"},
        {"delta": "1"},
        {"delta": "1", "reason": ""},
    ):
        refusal(browser.refused("/products/MUG/adjust", data), 422, "validation_error")
    refusal(
        browser.refused("/products/NOPE/adjust", {"delta": "1", "reason": "x"}), 404, "not_found"
    )
    assert state(uow) == before

    # Counting out what is free is fine.
    browser.submit("/products/MUG/adjust", {"delta": "3", "reason": "delivery"})
    page = browser.submit("/products/MUG/adjust", {"delta": "-2", "reason": "broken"})
    assert page.notice == "MUG: on hand -2 to 5."
    assert api.counters("MUG") == (5, 5, 0, 0)


def test_adjusting_stock_beyond_the_api_range_is_refused(uow: UnitOfWork, browser: Browser) -> None:
    """The API refuses a delta beyond 1,000,000,000 units either way; so must the form
    (a 422 page that wrote nothing, not 1,000,000,000,000 units on hand nor a 500)."""
    add_product(uow, "MUG", on_hand=5)
    answers = {}
    for delta in (str(10**9 + 1), str(10**12), str(-(10**12)), str(10**20)):
        before = state(uow)
        response = browser.post("/products/MUG/adjust", {"delta": delta, "reason": "typo"})
        answers[delta] = (response.status_code, state(uow) == before)
    assert answers == dict.fromkeys(answers, (422, True))


# Purchasing -------------------------------------------------------------------------


def test_creating_purchase_orders_from_the_suggestions(
    uow: UnitOfWork, browser: Browser, api: Api
) -> None:
    add_product(uow, "MUG", on_hand=1)
    add_product(uow, "LAMP")
    acme = supplier(uow, "Acme", "MUG", lead_time_days=10)
    birch = supplier(uow, "Birch", "LAMP", lead_time_days=5)
    ann, bob = customer(uow, "Ann"), customer(uow, "Bob")
    first = place(uow, ann, ("MUG", 4), ("LAMP", 2))
    second = place(uow, bob, ("MUG", 2))

    plan = browser.page("/purchasing")
    drafts = {int(row.attrs["data-supplier"]): row for row in plan.by_id("drafts").rows()}
    assert sorted(drafts) == [acme, birch]
    suggestions = suggest_purchase_orders(uow)
    for draft in suggestions.drafts:
        cells = drafts[draft.supplier_id].find_all("td")
        assert cells[1].text() == draft.expected_date.isoformat()
        assert cells[2].text() == str(len(draft.lines))
        assert cells[3].text() == str(sum(ln.qty for ln in draft.lines))
    assert drafts[acme].find("td").text() == "Acme"
    lines = {row.attrs["data-sku"]: row for row in plan.by_id("suggested-lines").rows()}
    assert sorted(lines) == ["LAMP", "MUG"]
    wanted = {ln.sku: ln.qty for draft in suggestions.drafts for ln in draft.lines}
    for sku, row in lines.items():
        assert row.find_all("td")[2].text() == str(wanted[sku])
    assert lines["MUG"].find_all("td")[3].text() == "backorders"
    covers = lines["MUG"].find_all("td")[4]
    assert covers.text().startswith("5 waiting unit(s) of 2 order(s):")
    assert [a.attrs["href"] for a in covers.find_all("a")] == [
        f"/orders/{first.id}",
        f"/orders/{second.id}",
    ]
    assert plan.has_id("create-pos")
    assert not plan.has_id("nothing-to-buy")

    before = po_count(uow)
    page = browser.submit("/purchasing/create")
    assert page.response.url.path == "/purchase-orders"
    with uow.read() as tx:
        created = list(
            tx.session.execute(
                select(PurchaseOrder.id, PurchaseOrder.supplier_id, PurchaseOrder.status).order_by(
                    PurchaseOrder.id
                )
            )
        )
        lines = list(
            tx.session.execute(
                select(PurchaseOrderLine.purchase_order_id, PurchaseOrderLine.ordered).order_by(
                    PurchaseOrderLine.purchase_order_id
                )
            )
        )
    assert len(created) == before + 2
    ids = [po_id for po_id, _, _ in created]
    assert page.notice == f"Created 2 purchase order(s): {ids[0]}, {ids[1]}."
    assert [(supplier_id, status) for _, supplier_id, status in created] == [
        (acme, "open"),
        (birch, "open"),
    ]
    assert [tuple(row) for row in lines] == [(ids[0], 5), (ids[1], 2)]
    listed = [int(row[0]) for row in page.root.find("table").cells()]
    assert listed == sorted(ids, reverse=True), "newest first"
    assert api.inventory("MUG")["on_order"] == 5
    assert api.inventory("LAMP")["on_order"] == 2
    for w in api_lines(api):
        assert w["eta_source"] == "purchase_order", w

    # Nothing is left to buy: the plan says so, and a second click creates nothing.
    plan = browser.page("/purchasing")
    assert plan.has_id("nothing-to-buy")
    assert not plan.has_id("create-pos")
    snapshot_before = state(uow)
    page = browser.submit("/purchasing/create")
    assert page.response.url.path == "/purchasing"
    assert page.notice == "Nothing was bought: see below what waits and why."
    assert page.has_id("nothing-to-buy")
    assert po_count(uow) == before + 2
    assert state(uow) == snapshot_before


def test_nothing_to_buy_is_not_claimed_while_units_wait_without_a_supplier(
    uow: UnitOfWork, browser: Browser
) -> None:
    """Waiting units of a product that no supplier offers are not covered: the page and
    the notice must not tell the buyer that every waiting unit is."""
    add_product(uow, "BOLT")
    place(uow, add_customer(uow), ("BOLT", 3))
    plan = browser.page("/purchasing")
    unsourced = plan.root.find("section", class_="refusal")
    assert "No supplier" in unsourced.text()
    assert "BOLT" in unsourced.text()
    assert "cover every waiting unit" not in plan.root.text()
    page = browser.submit("/purchasing/create")
    assert po_count(uow) == 0
    assert page.notice is not None
    assert "every waiting unit is covered" not in page.notice


@dataclass
class Delivery:
    """MUG waited for by three orders (Bob's complete, also waiting for LAMP), and a
    purchase order of 10 MUG from Acme."""

    po: int
    ann: OrderView
    bob: OrderView
    cid: OrderView


@pytest.fixture
def delivery(uow: UnitOfWork) -> Delivery:
    add_product(uow, "MUG")
    add_product(uow, "LAMP")
    acme = supplier(uow, "Acme", "MUG", "LAMP")
    ann = place(uow, customer(uow, "Ann"), ("MUG", 2), at=ago(3))
    bob = place(
        uow,
        customer(uow, "Bob"),
        ("MUG", 3),
        ("LAMP", 1),
        at=ago(2),
        ship_policy=ShipPolicy.COMPLETE,
    )
    cid = place(uow, customer(uow, "Cid"), ("MUG", 4), at=ago(1))
    po = purchase(uow, acme, ("MUG", 10), expected=today() + timedelta(days=4))
    return Delivery(po, ann, bob, cid)


def receipt_form(browser: Browser, po: int) -> dict[str, str]:
    """The receive form of a purchase order page, as the page fills it in."""
    page = browser.page(f"/purchase-orders/{po}")
    form = page.root.find("form", action=f"/purchase-orders/{po}/receive")
    return {
        node.attrs["name"]: node.attrs.get("value", "")
        for node in form.find_all("input")
        if node.attrs["name"] != "csrf_token"
    }


def test_receiving_through_the_form_shows_allocations_and_the_cross_dock(
    uow: UnitOfWork, browser: Browser, api: Api, delivery: Delivery
) -> None:
    form = receipt_form(browser, delivery.po)
    assert form["qty_MUG"] == "10", "the open quantity is filled in"
    assert len(form["receipt_form"]) >= 16
    assert receipt_form(browser, delivery.po)["receipt_form"] != form["receipt_form"]

    response = browser.post(f"/purchase-orders/{delivery.po}/receive", form | {"qty_MUG": "6"})
    assert response.status_code == 200, response.text
    page = Html.of(response)
    assert "partially received" in page.root.find("p", class_="notice").text()
    lines = {o.id: o.lines[0].id for o in (delivery.ann, delivery.bob, delivery.cid)}
    assert page.table("allocations") == [
        [str(delivery.ann.id), str(lines[delivery.ann.id]), "MUG", "2"],
        [str(delivery.bob.id), str(lines[delivery.bob.id]), "MUG", "3"],
        [str(delivery.cid.id), str(lines[delivery.cid.id]), "MUG", "1"],
    ]
    # Bob ships complete and still waits for LAMP: not on the cross-dock list.
    assert page.table("cross-dock") == [
        [str(delivery.ann.id), "Ann", "partial", "2"],
        [str(delivery.cid.id), "Cid", "partial", "1"],
    ]
    ready = api.ok(api.get("/shipments/ready"))
    assert [r["order_id"] for r in ready] == [delivery.ann.id, delivery.cid.id]
    assert api.counters("MUG") == (6, 6, 0, 3)
    po = api.ok(api.get(f"/purchase-orders/{delivery.po}"))
    assert (po["status"], po["lines"][0]["received"]) == ("partially_received", 6)

    # The same form again (a reload, a second click) is refused and receives nothing.
    before = state(uow)
    again = Html.of(
        browser.post(f"/purchase-orders/{delivery.po}/receive", form | {"qty_MUG": "6"})
    )
    assert "recorded already" in refusal(again, 409, "conflict")
    assert state(uow) == before

    # A fresh form with nothing filled in, or nonsense, is refused too.
    fresh = receipt_form(browser, delivery.po)
    assert fresh["qty_MUG"] == "4"
    for qty in ("", "  ", "0"):
        page = Html.of(
            browser.post(f"/purchase-orders/{delivery.po}/receive", fresh | {"qty_MUG": qty})
        )
        assert "at least one product" in refusal(page, 422, "validation_error")
    for qty in ("-2", "two", "1.5"):
        page = Html.of(
            browser.post(f"/purchase-orders/{delivery.po}/receive", fresh | {"qty_MUG": qty})
        )
        refusal(page, 422, "validation_error")
    page = Html.of(
        browser.post(f"/purchase-orders/{delivery.po}/receive", fresh | {"qty_LAMP": "1"})
    )
    assert "not on purchase order" in refusal(page, 422, "validation_error")
    no_token = {k: v for k, v in fresh.items() if k != "receipt_form"}
    page = Html.of(browser.post(f"/purchase-orders/{delivery.po}/receive", no_token))
    refusal(page, 422, "validation_error")
    assert state(uow) == before

    # The rest arrives with the fresh form; the purchase order closes.
    page = Html.of(browser.post(f"/purchase-orders/{delivery.po}/receive", fresh))
    assert page.status == 200
    assert "now received" in page.root.find("p", class_="notice").text()
    assert page.table("allocations") == [
        [str(delivery.cid.id), str(lines[delivery.cid.id]), "MUG", "3"]
    ]
    assert page.table("cross-dock") == [[str(delivery.cid.id), "Cid", "partial", "4"]]
    closed = browser.page(f"/purchase-orders/{delivery.po}")
    assert not closed.root.find_all("form", action=f"/purchase-orders/{delivery.po}/receive")
    assert api.counters("MUG") == (10, 9, 1, 0)
    # A closed purchase order refuses a receipt.
    before = state(uow)
    late_form = fresh | {"receipt_form": "a-new-form-token", "qty_MUG": "1"}
    refused = Html.of(browser.post(f"/purchase-orders/{delivery.po}/receive", late_form))
    refusal(refused, 409, "conflict")
    assert state(uow) == before


def test_a_double_click_on_receive_records_one_receipt(
    uow: UnitOfWork, client: TestClient, browser: Browser, delivery: Delivery
) -> None:
    """Two posts of one receipt form from one browser, the second sent before the first
    one's answer (and its new session cookie) arrived: the delivery is counted once."""
    form = receipt_form(browser, delivery.po) | {"qty_MUG": "6"}
    cookie_before = client.cookies.get(SESSION_COOKIE)
    assert cookie_before
    same_tab = Browser(TestClient(client.app, cookies={SESSION_COOKIE: cookie_before}))
    same_tab.csrf = browser.csrf
    first = browser.post(f"/purchase-orders/{delivery.po}/receive", form)
    assert first.status_code == 200, first.text
    before = state(uow)
    second = same_tab.post(f"/purchase-orders/{delivery.po}/receive", form)
    with uow.read() as tx:
        receipts = tx.session.scalar(select(func.count()).select_from(Receipt))
    on_hand = catalogue.get_inventory(uow, "MUG").on_hand
    assert (second.status_code, receipts, on_hand) == (409, 1, 6), "one delivery, received twice"
    refusal(Html.of(second), 409, "conflict")
    assert state(uow) == before


def test_rescheduling_a_purchase_order(
    uow: UnitOfWork, browser: Browser, api: Api, delivery: Delivery
) -> None:
    page = browser.page(f"/purchase-orders/{delivery.po}")
    date_input = page.root.find("input", name="expected_date")
    assert date_input.attrs["value"] == str(today() + timedelta(days=4))
    assert date_input.attrs["min"] == str(today())
    new_date = today() + timedelta(days=9)
    page = browser.submit(
        f"/purchase-orders/{delivery.po}/reschedule", {"expected_date": new_date.isoformat()}
    )
    assert page.notice == f"Purchase order {delivery.po} now expected {new_date.isoformat()}."
    assert f"expected {new_date.isoformat()}" in page.root.find("p", class_="muted").text()
    assert api.ok(api.get(f"/purchase-orders/{delivery.po}"))["expected_date"] == str(new_date)
    # The waiting lines it fills got dates from the new day, on the order page as in the API.
    line = api.get_order(delivery.ann.id)["lines"][0]
    assert date.fromisoformat(line["estimated_ship_date"]) > new_date
    shown = order_lines(browser.page(f"/orders/{delivery.ann.id}"))[line["id"]]
    assert shown["eta"].split()[0] == line["estimated_ship_date"]
    assert "purchase order" in shown["eta"]

    before = state(uow)
    path = f"/purchase-orders/{delivery.po}/reschedule"
    yesterday = (today() - timedelta(days=1)).isoformat()
    assert "in the past" in refusal(
        browser.refused(path, {"expected_date": yesterday}), 422, "validation_error"
    )
    for bad in ("", "tomorrow", "2026-13-01"):
        refusal(browser.refused(path, {"expected_date": bad}), 422, "validation_error")
    refusal(browser.refused(path, {}), 422, "validation_error")
    refusal(
        browser.refused("/purchase-orders/9999/reschedule", {"expected_date": str(new_date)}),
        404,
        "not_found",
    )
    assert state(uow) == before
    # Today is fine; a closed purchase order cannot move.
    browser.submit(path, {"expected_date": today().isoformat()})
    receive_purchase_order(uow, delivery.po, [("MUG", 10)])
    before = state(uow)
    refusal(browser.refused(path, {"expected_date": str(new_date)}), 409, "conflict")
    assert state(uow) == before


def test_purchase_order_lists_filter_by_status_and_due_date(
    uow: UnitOfWork, browser: Browser
) -> None:
    add_product(uow, "PEN")
    acme = supplier(uow, "Acme", "PEN")
    soon = purchase(uow, acme, ("PEN", 1), expected=today() + timedelta(days=2))
    late = purchase(uow, acme, ("PEN", 2), expected=today() - timedelta(days=1), at=ago(9))
    later = purchase(uow, acme, ("PEN", 3), expected=today() + timedelta(days=30))
    receive_purchase_order(uow, later, [("PEN", 3)])

    def listed(query: str) -> list[int]:
        return [
            int(r[0]) for r in browser.page("/purchase-orders" + query).root.find("table").cells()
        ]

    assert listed("") == [later, late, soon]
    assert listed("?due=week") == [soon]
    assert listed("?due=overdue") == [late]
    assert listed("?status=received") == [later]
    assert listed("?status=open") == [late, soon]
    page = browser.page("/purchase-orders")
    assert page.root.find("table").rows()[1].attrs.get("class") == "late"
    assert page.root.find("table").cells()[0][1] == "Acme"
    refusal(browser.page("/purchase-orders?status=lost", 422), 422, "validation_error")
    refusal(browser.page("/purchase-orders?due=month", 422), 422, "validation_error")
    refusal(browser.page("/purchase-orders/9999", 404), 404, "not_found")


# The product page -------------------------------------------------------------------


def test_product_page_shows_stock_queue_supply_history_and_availability(
    uow: UnitOfWork, browser: Browser, api: Api
) -> None:
    add_product(uow, "MUG", on_hand=2)
    ann = customer(uow, "Ann")
    vip = customer(uow, "Vip", priority=5)
    first = place(uow, ann, ("MUG", 3), at=ago(5))  # 2 allocated, 1 waits
    second = place(uow, ann, ("MUG", 1), at=ago(3))
    jumps = place(uow, vip, ("MUG", 2), at=ago(1))
    catalogue_reason = "found one"
    # One unit found goes to the head of the queue: the VIP.
    adjust_inventory(uow, "MUG", 1, reason=catalogue_reason)
    acme = supplier(uow, "Acme", "MUG")
    po = purchase(uow, acme, ("MUG", 4), expected=today() + timedelta(days=6))

    page = browser.page("/products/MUG?qty=3")
    inventory = api.inventory("MUG")
    assert {
        key: page.figure(key.replace("_", "-"))
        for key in ("on_hand", "allocated", "available", "backordered", "on_order")
    } == {
        key: str(inventory[key])
        for key in ("on_hand", "allocated", "available", "backordered", "on_order")
    }
    assert (inventory["on_hand"], inventory["backordered"], inventory["on_order"]) == (3, 3, 4)

    waiting = page.table("waiting")
    in_api = api_lines(api, sku="MUG")
    assert [(int(r[0]), int(r[1])) for r in waiting] == [
        (w["position"], w["order_id"]) for w in in_api
    ]
    assert [int(r[1]) for r in waiting] == [jumps.id, first.id, second.id]
    assert [r[2] for r in waiting] == ["Vip", "Ann", "Ann"]
    assert [r[3] for r in waiting] == ["1", "1", "1"]
    assert [r[4] for r in waiting] == ["1", "5", "3"], "days waiting"
    assert [r[5] for r in waiting] == [w["estimated_ship_date"] for w in in_api]
    assert [r[6] for r in waiting] == ["5", "0", "0"]

    assert page.table("incoming") == [[str(po), "Acme", "4", str(today() + timedelta(days=6))]]
    movements = page.table("movements")
    assert [row[1:] for row in movements] == [
        ["adjustment", "+1", catalogue_reason],
        ["adjustment", "+2", "initial count"],
    ]

    available = api.ok(api.get("/products/MUG/availability", qty=3))
    assert available["status"] == "backorder"
    text = page.by_id("availability").text()
    assert text.startswith(
        f"{available['ships_now']} ship now, {available['backordered']} wait until about "
        f"{available['estimated_ship_date']}"
    ), text
    assert page.input_value("qty") == "3"

    # A product that ships now; a deny product that would refuse the order.
    add_product(uow, "DESK", on_hand=10)
    assert (
        browser.page("/products/DESK?qty=4").by_id("availability").text() == "4 ship now in stock"
    )
    add_product(uow, "VASE", on_hand=1, policy=BackorderPolicy.DENY)
    refused = browser.page("/products/VASE?qty=2").by_id("availability").text()
    assert refused.startswith("Refused")
    quiet = browser.page("/products/DESK")
    assert quiet.table("incoming") == []
    assert quiet.table("waiting") == []

    refusal(browser.page("/products/MUG?qty=0", 422), 422, "validation_error")
    refusal(browser.page("/products/MUG?qty=lots", 422), 422, "validation_error")
    # An unknown SKU: the dashboard's 404 page, not the API's JSON envelope.
    page = browser.page("/products/NOPE", 404)
    assert refusal(page, 404, "not_found") == "product 'NOPE' not found"
    assert page.root.find("form", action="/sign-out"), "a page of the dashboard, signed in"


def test_the_product_list_searches_and_shows_shortages(uow: UnitOfWork, browser: Browser) -> None:
    add_product(uow, "MUG-BLUE", on_hand=1)
    add_product(uow, "MUG-RED", on_hand=5)
    add_product(uow, "LAMP")
    place(uow, add_customer(uow), ("MUG-BLUE", 2), ("LAMP", 1), ("MUG-RED", 1))

    def skus(query: str) -> list[str]:
        return [r[0] for r in browser.page("/products" + query).root.find("table").cells()]

    assert skus("") == ["LAMP", "MUG-BLUE", "MUG-RED"]
    assert skus("?q=mug") == ["MUG-BLUE", "MUG-RED"]
    assert skus("?q=Red") == ["MUG-RED"]
    assert skus("?waiting=true") == ["LAMP", "MUG-BLUE"]
    assert skus("?q=mug&waiting=true") == ["MUG-BLUE"]
    row = browser.page("/products?q=blue").root.find("table").cells()[0]
    assert row[3:] == ["1", "1", "0", "1", "0"]


# The order pages --------------------------------------------------------------------


def test_order_page_shows_lines_etas_and_history(
    uow: UnitOfWork, browser: Browser, api: Api
) -> None:
    add_product(uow, "MUG", on_hand=1)
    add_product(uow, "LAMP", on_hand=4)
    acme = supplier(uow, "Acme", "MUG")
    po = purchase(uow, acme, ("MUG", 5), expected=today() + timedelta(days=5))
    placed = place(uow, customer(uow, "Ann", priority=2), ("MUG", 3), ("LAMP", 1))

    page = browser.page(f"/orders/{placed.id}")
    assert page.by_id("order-status").text() == "backordered"
    intro = page.root.find("p", class_="muted").text()
    assert "Ann <ann@example.com>" in intro
    assert "ships partial" in intro
    assert "priority 2 (customer's)" in intro
    shown = order_lines(page)
    got = api.get_order(placed.id)
    for line in got["lines"]:
        row = shown[line["id"]]
        assert row["product"].split()[0] == line["sku"]
        numbers = [row[k] for k in ("ordered", "allocated", "waiting", "shipped", "cancelled")]
        assert numbers == [
            str(line[k]) for k in ("ordered", "allocated", "backordered", "shipped", "cancelled")
        ]
        assert row["eta"].split()[0] == (line["estimated_ship_date"] or "\N{EN DASH}")
    mug = shown[placed.lines[0].id]
    assert (mug["allocated"], mug["waiting"]) == ("1", "2")
    assert "purchase order" in mug["eta"]
    assert mug["told"] == mug["eta"].split()[0], "the date the customer was told"
    assert history(page) == ["placed", "backordered"]
    assert f"MUG backordered 2 ETA {mug['eta'].split()[0]}" in page.table("history")[1][2]

    receive_purchase_order(uow, po, [("MUG", 5)])
    page = browser.submit(f"/orders/{placed.id}/ship", {"tracking_number": "Z-9"})
    assert history(page) == ["placed"] + [
        t.removeprefix("order.").replace("_", " ") for t in event_types(uow, placed.id)
    ]
    assert history(page) == ["placed", "backordered", "allocated", "ready to ship", "shipped"]
    assert "MUG qty 2" in page.table("history")[2][2]
    assert page.by_id("order-status").text() == "shipped"

    page = browser.page("/orders/424242", 404)
    assert refusal(page, 404, "not_found") == "order 424242 not found"
    assert page.root.find("form", action="/sign-out"), "a page of the dashboard, signed in"
    refusal(browser.page("/orders/zero", 422), 422, "validation_error")


def test_order_search(uow: UnitOfWork, browser: Browser) -> None:
    add_product(uow, "MUG", on_hand=10)
    ann = customer(uow, "Ann", email="ann@shop.example")
    bob = customer(uow, "Bob")
    a1, b1, a2 = (place(uow, c, ("MUG", 1)) for c in (ann, bob, ann))

    def found(query: str) -> list[int]:
        return [int(r[0]) for r in browser.page("/orders" + query).root.find("table").cells()]

    assert found("") == [a2.id, b1.id, a1.id]
    assert found("?q=ann") == [a2.id, a1.id]
    assert found("?q=shop.example") == [a2.id, a1.id]
    placed = {a1.id: ann, b1.id: bob, a2.id: ann}
    for number in {a1.id, b1.id, a2.id, ann, bob}:
        # A number is an order's or a customer's.
        want = [o for o in sorted(placed, reverse=True) if number in (o, placed[o])]
        assert found(f"?q={number}") == want, number
    assert found("?q=nobody") == []
    row = browser.page("/orders?q=Bob").root.find("table").cells()[0]
    assert row[1] == f"Bob #{bob}"


def test_numbers_that_are_no_id_find_nothing_and_never_fail(
    uow: UnitOfWork, browser: Browser
) -> None:
    """Like the API, the dashboard refuses an id beyond 64 bits in a path or a filter
    (422), and a search for a number beyond any id finds nothing. '²' or '①' are digits
    to str.isdigit() but not numbers to int(): searching for them finds nothing too.
    Never a 500."""
    add_product(uow, "MUG")
    place(uow, add_customer(uow), ("MUG", 1))
    huge = "99999999999999999999"
    want = {
        f"/orders/{huge}": 422,
        f"/purchase-orders/{huge}": 422,
        f"/orders?q={huge}": 200,
        f"/queue?customer={huge}": 200,
        f"/queue?supplier={huge}": 422,
        "/queue?customer=%C2%B2": 200,
        "/orders?q=%C2%B2": 200,
        "/orders?q=%E2%91%A0": 200,
    }
    got = {path: browser.get(path).status_code for path in want}
    assert got == want
    for path, status in want.items():
        if status == 200:
            assert browser.page(path).root.find("table").rows() == [], path


# Charts -----------------------------------------------------------------------------


def test_charts_page_embeds_the_series(uow: UnitOfWork, browser: Browser, api: Api) -> None:
    for sku in ("MUG", "LAMP", "PEN", "BOX"):
        add_product(uow, sku)
    ann = add_customer(uow)
    place(uow, ann, ("MUG", 4), at=ago(100))  # > 60 d
    record_backlog(uow, now=ago(120))  # too old for the chart
    record_backlog(uow, now=ago(3))  # 4 units waited then
    place(uow, ann, ("MUG", 3), ("LAMP", 1), at=ago(10))  # 7-14 d
    place(uow, ann, ("LAMP", 2), at=ago(2))  # 1-3 d
    place(uow, ann, ("PEN", 12))  # < 1 d

    acme = supplier(uow, "Acme", "BOX")
    birch_name = "Birch</script><b>bold</b><!--"  # a name may not break out of the JSON
    birch = supplier(uow, birch_name, "BOX")
    early = purchase(uow, acme, ("BOX", 1), expected=today() + timedelta(days=5))
    late = purchase(uow, acme, ("BOX", 1), expected=today() - timedelta(days=10), at=ago(20))
    on_the_day = purchase(uow, birch, ("BOX", 1), expected=today())
    for po in (early, late, on_the_day):
        receive_purchase_order(uow, po, [("BOX", 1)])

    page = browser.page("/charts")
    assert not page.root.find_all("b")
    data = chart_data(page)
    assert set(data) == {"backlog_units", "top_products", "days_waiting", "supplier_on_time"}
    for series in data.values():
        assert set(series) == {"labels", "values"}
        assert len(series["labels"]) == len(series["values"])

    assert data["backlog_units"] == {
        "labels": [str(today() - timedelta(days=3)), str(today())],
        "values": [4, 22],
    }
    assert data["top_products"] == {"labels": ["PEN", "MUG", "LAMP"], "values": [12, 7, 3]}
    waiting = api_lines(api)
    assert data["days_waiting"]["labels"] == [
        "< 1 d",
        "1-3 d",
        "3-7 d",
        "7-14 d",
        "14-30 d",
        "30-60 d",
        "> 60 d",
    ]
    assert data["days_waiting"]["values"] == [1, 1, 0, 2, 0, 0, 1]
    assert sum(data["days_waiting"]["values"]) == len(waiting) == 5
    assert data["supplier_on_time"] == {"labels": ["Acme", birch_name], "values": [50.0, 100.0]}
    for sid, value in zip((acme, birch), data["supplier_on_time"]["values"], strict=True):
        rate = get_supplier(uow, sid).performance.on_time_rate
        assert rate is not None
        assert value == round(100 * rate, 1)


def test_an_empty_database_shows_zeros_and_empty_charts(browser: Browser) -> None:
    page = browser.page("/")
    assert page.figure("open-lines") == "0"
    assert page.figure("open-value") == "0.00"
    assert page.figure("oldest") == "\N{EN DASH}"
    assert page.by_id("oldest").attrs["href"] == "/queue"
    data = chart_data(browser.page("/charts"))
    assert data["backlog_units"] == {"labels": [str(today())], "values": [0]}
    assert data["top_products"] == {"labels": [], "values": []}
    assert data["days_waiting"]["values"] == [0] * 7
    assert data["supplier_on_time"] == {"labels": [], "values": []}


def chart_data(page: Html) -> dict[str, Any]:
    script = page.by_id("chart-data")
    assert script.tag == "script"
    assert script.attrs["type"] == "application/json"
    data: dict[str, Any] = json.loads("".join(c for c in script.children if isinstance(c, str)))
    return data


# The CLI ----------------------------------------------------------------------------


def test_cli_creates_and_lists_dashboard_users(
    uow: UnitOfWork, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("BACKORDER_DATABASE_URL", uow.settings.database_url)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("BACKORDER_NEW_USER_PASSWORD", "a long enough secret")

    def run(*args: str) -> Any:
        return runner.invoke(cli_app, list(args))

    made = run("users", "create", "ann@example.com", "--role", "staff")
    assert made.exit_code == 0, (made.stdout, made.stderr)
    assert "created staff user ann@example.com" in made.stdout
    assert "a long enough secret" not in made.stdout
    boss = run("users", "create", "boss@example.com", "--role", "admin")
    assert boss.exit_code == 0, boss.stderr

    duplicate = run("users", "create", "ann@example.com", "--role", "staff")
    assert duplicate.exit_code == 1
    assert "conflict" in duplicate.stderr
    assert "exists already" in duplicate.stderr

    monkeypatch.setenv("BACKORDER_NEW_USER_PASSWORD", "short")
    short = run("users", "create", "cid@example.com", "--role", "staff")
    assert short.exit_code == 1
    assert "validation_error" in short.stderr
    assert "at least 10 characters" in short.stderr
    monkeypatch.setenv("BACKORDER_NEW_USER_PASSWORD", "a long enough secret")
    for bad in (("not-an-email", "--role", "staff"), ("dan@example.com", "--role", "storefront")):
        refused = run("users", "create", *bad)
        assert refused.exit_code == 1, (bad, refused.stdout, refused.stderr)
    bad_role = run("users", "create", "eve@example.com", "--role", "owner")
    assert bad_role.exit_code == 2

    listing = run("users", "list")
    assert listing.exit_code == 0, listing.stderr
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in listing.stdout.splitlines()
        if "│" in line
    ]
    assert rows == [
        ["ann@example.com", "staff", str(today()), "False"],
        ["boss@example.com", "admin", str(today()), "False"],
    ]
    assert [(u.email, u.role) for u in list_users(uow)] == [
        ("ann@example.com", Role.STAFF),
        ("boss@example.com", Role.ADMIN),
    ]
    # The user signs in to the dashboard with that password.
    visitor = Browser(client)
    assert visitor.sign_in("ann@example.com", "a long enough secret").status_code == 303
    assert visitor.is_signed_in()


# Replenishment ---------------------------------------------------------------------


def test_replenishment_lists_what_runs_out_before_more_arrives(
    uow: UnitOfWork, browser: Browser
) -> None:
    add_product(uow, "MUG", on_hand=20)  # 4 a day: 5 days, lead time 10
    add_product(uow, "LAMP", on_hand=20)  # the same, but a purchase order lands in 3 days
    add_product(uow, "BOWL", on_hand=900)  # 9 a day, 100 days
    acme = supplier(uow, "Acme", "MUG", "LAMP", "BOWL")
    purchase(uow, acme, ("LAMP", 50), expected=today() + timedelta(days=3))
    history = [
        demand.DemandRow(i, today() - timedelta(days=d), sku, qty)
        for i, (sku, qty, d) in enumerate(
            (sku, qty, d)
            for sku, qty in (("MUG", 4), ("LAMP", 4), ("BOWL", 9))
            for d in range(1, 31)
        )
    ]
    demand.import_demand(uow, history)

    page = browser.page("/replenishment")
    assert page.h1 == "Replenishment"
    at_risk = page.table("at-risk")
    assert [row[0] for row in at_risk] == ["MUG"]
    assert at_risk[0][1:4] == ["4.00", "smooth", "20"]
    assert at_risk[0][6:] == [
        "5.0",
        str(today() + timedelta(days=5)),
        f"if ordered today: {today() + timedelta(days=10)}",
    ]
    assert [row[0] for row in page.table("fastest-movers")] == ["BOWL", "LAMP", "MUG"]
    charts = json.loads(page.by_id("chart-data").text())
    assert charts["cover"]["labels"] == ["MUG"]
    assert [d["values"] for d in charts["cover"]["datasets"]] == [[5.0], [10]]

    product = browser.page("/products/MUG")
    assert product.figure("demand-rate").startswith("4.00")
    assert product.figure("reorder-point").startswith("40")  # 4 a day over 10 days, no spread
    assert product.figure("safety-stock").startswith("0")


def test_replenishment_without_demand_says_how_to_get_some(browser: Browser) -> None:
    page = browser.page("/replenishment")
    assert page.has_id("none-at-risk")
    assert "backorder import demand" in page.by_id("no-demand").text()


# Addresses that are not pages ---------------------------------------------------------


def test_a_browser_gets_a_page_for_a_missing_page_or_a_forms_address(
    browser: Browser, client: TestClient
) -> None:
    """Reloading a form's POST-only address, or a mistyped one, shows a page in the
    dashboard's frame; the API and non-browser clients keep the JSON error."""
    html = {"Accept": "text/html,application/xhtml+xml"}
    reloaded = Html.of(browser.get("/purchasing/create", headers=html))
    assert reloaded.status == 405
    assert reloaded.error_code == "method_not_allowed"
    assert "only answers a form" in reloaded.error_message
    missing = Html.of(browser.get("/no-such-page", headers=html))
    assert missing.status == 404
    assert missing.error_code == "not_found"
    api = client.get("/api/v1/no-such-thing", headers=html)
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
    plain = client.get("/purchasing/create")
    assert plain.status_code == 405
    assert plain.json()["error"]["code"] == "method_not_allowed"
