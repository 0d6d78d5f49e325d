"""The dashboard as its users see it, in a real browser: signing in, the overview's
figures, buying from suggestions, receiving, cancelling from the queue, CSRF refusals,
the charts, the queue's in-place filter, and every page at laptop and tablet sizes.

Every test of a use case runs on SQLite and on PostgreSQL, asserts what the page shows
(the DOM, after htmx has swapped it) and, where it changes something, what the database
then holds; the last two tests (the address bar, the styles) need only one database.
Each page visited is saved as a full-page screenshot under ``test-output/screenshots``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Dialog, Locator, expect

from backorder.db.uow import UnitOfWork
from backorder.domain.allocation import LineRequest
from backorder.domain.model import BackorderPolicy, Role, ShipPolicy
from backorder.services import catalogue, demand, inventory, orders
from backorder.services.backorders import list_backorders
from backorder.services.catalogue import get_inventory
from backorder.services.clock import utcnow
from backorder.services.keys import create_api_key
from backorder.services.overview import overview, record_backlog
from backorder.services.purchase_orders import (
    NewPurchaseOrder,
    create_purchase_order,
    list_purchase_orders,
)
from backorder.services.receiving import receive_purchase_order
from backorder.services.suppliers import (
    NewSupplierProduct,
    add_supplier_product,
    create_supplier,
)
from backorder.services.views import OrderView
from tests.browser.conftest import EMAIL, TABLET, Dashboard
from tests.helpers import check_invariants, snapshot

pytestmark = pytest.mark.browser


# Seeding ----------------------------------------------------------------------------


def add_product(uow: UnitOfWork, sku: str, name: str, price: str, *, on_hand: int = 0) -> None:
    new = catalogue.NewProduct(
        sku=sku, name=name, price=Decimal(price), backorder_policy=BackorderPolicy.ALLOW
    )
    catalogue.create_product(uow, new)
    if on_hand:
        inventory.adjust_inventory(uow, sku, on_hand, reason="initial count")


def add_customer(uow: UnitOfWork, name: str, *, priority: int = 0) -> int:
    email = name.split()[0].lower() + "@example.com"
    return catalogue.create_customer(uow, name=name, email=email, priority=priority).id


def place(
    uow: UnitOfWork,
    customer_id: int,
    *lines: tuple[str, int],
    ship_policy: ShipPolicy = ShipPolicy.PARTIAL,
    now: datetime | None = None,
) -> OrderView:
    new = orders.NewOrder(
        customer_id=customer_id,
        lines=[LineRequest(sku, qty) for sku, qty in lines],
        ship_policy=ship_policy,
    )
    return orders.place_order(uow, new, now=now).order


def add_supplier(uow: UnitOfWork, name: str, lead_time_days: int, *skus: str, **terms: int) -> int:
    email = "orders@" + name.split()[0].lower() + ".example"
    supplier = create_supplier(uow, name=name, email=email, lead_time_days=lead_time_days)
    for sku in skus:
        offer = NewSupplierProduct(sku=sku, cost=Decimal("10.00"), preferred=True, **terms)
        add_supplier_product(uow, supplier.id, offer)
    return supplier.id


@dataclass(frozen=True)
class Backlog:
    """What ``seed_backlog`` made that a test opens by id."""

    sku: str
    order_id: int
    po_id: int
    overdue_po_id: int


def seed_backlog(uow: UnitOfWork) -> Backlog:
    """A furniture shop's last six weeks, replayed in order with back-dated clocks: seven
    customers' orders over six products, one delivery received, one purchase order
    overdue and one due this week, one product nobody supplies, and the backlog
    recorded after each event so the chart has a history."""
    start = utcnow()

    def ago(days: int) -> datetime:
        return start - timedelta(days=days)

    add_product(uow, "CHAIR-OAK", "Oak dining chair", "149.00", on_hand=4)
    add_product(uow, "DESK-WAL", "Walnut standing desk", "689.00")
    add_product(uow, "LAMP-BRS", "Brass desk lamp", "79.50", on_hand=2)
    add_product(uow, "SHELF-PINE", "Pine bookshelf, 5 shelves", "129.00")
    add_product(uow, "RUG-WOOL", "Wool rug 160 x 230", "249.00")
    add_product(uow, "STOOL-BAR", "Bar stool, black", "59.90", on_hand=12)
    northwind = add_customer(uow, "Northwind Traders")
    contoso = add_customer(uow, "Contoso Interiors", priority=5)
    fabrikam = add_customer(uow, "Fabrikam Offices")
    tailspin = add_customer(uow, "Tailspin Hotels")
    wide_world = add_customer(uow, "Wide World Importers")
    adventure = add_customer(uow, "Adventure Works Cafe")
    nordic = add_supplier(uow, "Nordic Timber Co.", 14, "CHAIR-OAK", "DESK-WAL", "SHELF-PINE")
    lumen = add_supplier(uow, "Lumen Lighting", 7, "LAMP-BRS")

    first = place(uow, northwind, ("CHAIR-OAK", 6), ("DESK-WAL", 2), now=ago(41))
    record_backlog(uow, now=ago(41))
    place(uow, contoso, ("LAMP-BRS", 5), ("SHELF-PINE", 3), now=ago(30))
    record_backlog(uow, now=ago(30))
    lamps = NewPurchaseOrder(lumen, [("LAMP-BRS", 4)], expected_date=ago(20).date())
    delivered = create_purchase_order(uow, lamps, now=ago(28))
    place(uow, fabrikam, ("DESK-WAL", 4), ("CHAIR-OAK", 8), now=ago(21))
    record_backlog(uow, now=ago(21))
    receive_purchase_order(uow, delivered.id, [("LAMP-BRS", 4)], now=ago(20))
    record_backlog(uow, now=ago(20))
    chairs = NewPurchaseOrder(nordic, [("CHAIR-OAK", 6)], expected_date=ago(3).date())
    overdue = create_purchase_order(uow, chairs, now=ago(18))
    place(uow, tailspin, ("RUG-WOOL", 2), ("LAMP-BRS", 3), now=ago(12))
    record_backlog(uow, now=ago(12))
    place(uow, wide_world, ("SHELF-PINE", 5), ("STOOL-BAR", 4), now=ago(6))
    record_backlog(uow, now=ago(6))
    place(uow, adventure, ("CHAIR-OAK", 3), ("RUG-WOOL", 1), now=ago(2))
    desks = NewPurchaseOrder(nordic, [("DESK-WAL", 5)], expected_date=ago(-4).date())
    due = create_purchase_order(uow, desks, now=ago(1))
    record_backlog(uow, now=ago(1))
    place(uow, northwind, ("DESK-WAL", 1), ("LAMP-BRS", 2))
    check_invariants(uow, today=start.date())
    return Backlog(sku="CHAIR-OAK", order_id=first.id, po_id=due.id, overdue_po_id=overdue.id)


def line_of(uow: UnitOfWork, order_id: int, sku: str) -> tuple[int, int, int]:
    """(allocated, backordered, cancelled) of an order's line of ``sku``."""
    line = next(ln for ln in orders.get_order(uow, order_id).lines if ln.sku == sku)
    return line.allocated, line.backordered, line.cancelled


def waiting_skus(uow: UnitOfWork) -> list[str]:
    """The SKU of every waiting line."""
    return [row.sku for row in list_backorders(uow, limit=1000)]


def column(rows: Locator, index: int) -> list[str]:
    """The text of one cell (0-based) of each row."""
    return [text.strip() for text in rows.locator(f"td:nth-child({index + 1})").all_inner_texts()]


# The tests --------------------------------------------------------------------------


def test_sign_in_lands_on_overview_whose_figures_match_the_api(dashboard: Dashboard) -> None:
    uow = dashboard.uow
    seed_backlog(uow)
    page = dashboard.page
    dashboard.visit("/sign-in", "sign-in", heading="Backorder")
    dashboard.sign_in(EMAIL, "not the password", ok=False)
    expect(page.get_by_role("alert")).to_contain_text("the email or the password is wrong")
    dashboard.shot("wrong-password")
    dashboard.sign_in()
    expect(page).to_have_url(dashboard.url("/"))
    expect(page.locator("h1")).to_contain_text("Overview")
    expect(page.locator("header.top nav a[aria-current='page']")).to_have_text("Overview")
    dashboard.shot("overview")

    want = overview(uow)
    key = create_api_key(uow, Role.ADMIN).secret
    waiting = dashboard.server.api(key, "/backorders", limit=1000)
    prices = {p["sku"]: Decimal(str(p["price"])) for p in dashboard.server.api(key, "/products")}
    assert want.oldest is not None
    oldest = min(waiting, key=lambda w: (w["created_at"], w["line_id"]))
    # The service and the JSON API agree, and the scenario exercises every figure.
    assert want.backlog.lines == len(waiting) > 0
    assert want.backlog.units == sum(w["backordered"] for w in waiting)
    assert want.backlog.value == sum(w["backordered"] * prices[w["sku"]] for w in waiting)
    assert (want.oldest.order_id, want.oldest_days) == (oldest["order_id"], 41)
    assert want.past_eta == sum(
        1
        for w in waiting
        if w["estimated_ship_date"] and w["estimated_ship_date"] < str(want.today)
    )
    assert want.past_eta > 0
    assert want.out_of_stock_waiting == len({w["sku"] for w in waiting})
    assert (want.purchase_orders_due_this_week, want.purchase_orders_overdue) == (1, 1)

    shown = {
        "open-lines": f"{want.backlog.lines:,}",
        "open-units": f"{want.backlog.units:,}",
        "open-value": f"{want.backlog.value:,.2f}",
        "oldest": f"{want.oldest_days} d",
        "past-eta": f"{want.past_eta:,}",
        "out-of-stock": f"{want.out_of_stock_waiting:,}",
        "due-week": "1",
        "overdue-pos": "1",
    }
    figures = page.locator("a.figure")
    expect(figures).to_have_count(len(shown))
    for figure_id, text in shown.items():
        expect(page.locator(f"a.figure#{figure_id} > strong")).to_have_text(text)
    expect(page.locator("#oldest")).to_contain_text(f"order {want.oldest.order_id}")
    expect(page.locator("#oldest")).to_have_attribute("href", f"/orders/{want.oldest.order_id}")

    # A figure opens the list behind it (a boosted link: swapped in place).
    page.locator("#open-lines").click()
    expect(page).to_have_url(dashboard.url("/queue"))
    expect(page.locator("#queue tbody tr[data-line]")).to_have_count(want.backlog.lines)
    dashboard.shot("queue")


def test_signed_out_visitor_is_sent_to_sign_in_and_back(dashboard: Dashboard) -> None:
    add_product(dashboard.uow, "MUG-RED", "Red mug", "8.00")
    place(dashboard.uow, add_customer(dashboard.uow, "Ann Archer"), ("MUG-RED", 5))
    page = dashboard.page
    response = page.goto(dashboard.url("/queue"))
    assert response is not None
    assert response.status == 200
    expect(page).to_have_url(dashboard.url("/sign-in?next=/queue"))
    expect(page.locator("header.top")).to_have_count(0)
    expect(page.locator("input[name=next]")).to_have_value("/queue")
    dashboard.shot("sign-in")
    dashboard.sign_in()
    expect(page).to_have_url(dashboard.url("/queue"))
    expect(page.locator("h1")).to_have_text("Backorder queue")
    expect(page.locator("#queue tr[data-line]")).to_have_count(1)
    dashboard.shot("queue")

    # Signed out again, the queue is closed; the way back keeps the query too.
    page.locator("header.top").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(dashboard.url("/sign-in"))
    expect(page.locator("header.top")).to_have_count(0)
    dashboard.shot("signed-out")
    page.goto(dashboard.url("/queue?sort=eta"))
    expect(page).to_have_url(dashboard.url("/sign-in?next=/queue%3Fsort%3Deta"))
    expect(page.locator("input[name=next]")).to_have_value("/queue?sort=eta")


ANY_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_create_purchase_orders_from_suggestions(dashboard: Dashboard) -> None:
    uow = dashboard.uow
    add_product(uow, "BOLT-M8", "Hex bolt M8, box of 100", "6.40")
    ann, bob = add_customer(uow, "Ann Archer"), add_customer(uow, "Bob Baker")
    first = place(uow, ann, ("BOLT-M8", 5))
    second = place(uow, bob, ("BOLT-M8", 3))
    supplier = add_supplier(uow, "Acme Fasteners", 10, "BOLT-M8", min_order_qty=10, pack_size=5)
    page = dashboard.page
    dashboard.signed_in()

    page.locator("header.top nav").get_by_role("link", name="Purchasing").click()
    expect(page).to_have_url(dashboard.url("/purchasing"))
    draft = page.locator(f"#drafts tr[data-supplier='{supplier}'] td")
    expect(draft).to_have_text(["Acme Fasteners", ANY_DATE, "1", "10"])
    row = page.locator("#suggested-lines tr[data-sku='BOLT-M8'] td")
    expect(row.nth(0)).to_have_text("Acme Fasteners")
    expect(row.nth(1)).to_contain_text("BOLT-M8")
    expect(row.nth(2)).to_have_text("10")  # 8 waiting, raised to the minimum
    expect(row.nth(3)).to_have_text("backorders")
    expect(row.nth(4)).to_contain_text("8 waiting unit(s) of 2 order(s)")
    expect(row.nth(4).locator("a")).to_have_text([str(first.id), str(second.id)])
    dashboard.shot("suggestions")

    button = page.locator("#create-pos")
    expect(button).to_have_text("Create 1 purchase order")
    button.click()
    expect(page).to_have_url(dashboard.url("/purchase-orders"))
    created = list_purchase_orders(uow, supplier_id=None, status=None, offset=0, limit=10)
    assert [
        (po.supplier_id, po.status, [(ln.sku, ln.ordered) for ln in po.lines]) for po in created
    ] == [(supplier, "open", [("BOLT-M8", 10)])]
    po = created[0]
    expect(page.locator("p.notice")).to_have_text(f"Created 1 purchase order(s): {po.id}.")
    rows = page.locator("table.rows tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td")).to_have_text(
        [str(po.id), "Acme Fasteners", "open", po.expected_date.isoformat(), "1", "10"]
    )
    dashboard.shot("purchase-orders")

    # Nothing is left to buy, and the waiting lines now wait for the purchase order.
    dashboard.visit("/purchasing", "nothing-to-buy", heading="Purchasing")
    expect(page.locator("#nothing-to-buy")).to_be_visible()
    expect(page.locator("#create-pos")).to_have_count(0)
    assert get_inventory(uow, "BOLT-M8").on_order == 10


def test_receive_a_purchase_order_fills_backorders(dashboard: Dashboard) -> None:
    uow = dashboard.uow
    add_product(uow, "CABLE-USB", "USB-C cable, 2 m", "9.90")
    ann = add_customer(uow, "Ann Archer")
    bob = add_customer(uow, "Bob Baker")
    cid = add_customer(uow, "Cid Carter")
    first = place(uow, ann, ("CABLE-USB", 5))
    second = place(uow, bob, ("CABLE-USB", 3))
    whole = place(uow, cid, ("CABLE-USB", 4), ship_policy=ShipPolicy.COMPLETE)
    supplier = add_supplier(uow, "Volt Supplies", 5, "CABLE-USB")
    po = create_purchase_order(uow, NewPurchaseOrder(supplier, [("CABLE-USB", 10)]))
    page = dashboard.page
    dashboard.signed_in()

    dashboard.visit(f"/purchase-orders/{po.id}", "purchase-order", heading=f"order {po.id}")
    quantity = page.locator("input[name='qty_CABLE-USB']")
    expect(quantity).to_have_value("10")
    page.locator("#receive").click()
    expect(page.locator("h1")).to_contain_text(f"Received against purchase order {po.id}")
    expect(page.locator("p.notice")).to_contain_text("the purchase order is now received")
    filled = page.locator("#allocations tbody tr")
    expect(filled).to_have_count(3)
    assert column(filled, 0) == [str(first.id), str(second.id), str(whole.id)]
    assert column(filled, 2) == ["CABLE-USB"] * 3
    assert column(filled, 3) == ["5", "3", "2"]
    # Ann's and Bob's orders can ship; Cid's ships complete, and 2 of his 4 still wait.
    dock = page.locator("#cross-dock tbody tr")
    expect(dock).to_have_count(2)
    expect(dock.nth(0).locator("td")).to_have_text([str(first.id), "Ann Archer", "partial", "5"])
    expect(dock.nth(1).locator("td")).to_have_text([str(second.id), "Bob Baker", "partial", "3"])
    dashboard.shot("receipt")

    dashboard.visit("/queue", "queue", heading="Backorder queue")
    waiting = page.locator("#queue tbody tr[data-line]")
    expect(waiting).to_have_count(1)
    expect(waiting.locator("td").nth(0)).to_have_text(str(whole.id))
    expect(waiting.locator("td").nth(3)).to_have_text("2")

    dashboard.visit("/products/CABLE-USB", "product", heading="CABLE-USB")
    for figure_id, text in {
        "on-hand": "10",
        "allocated": "10",
        "available": "0",
        "backordered": "2",
        "on-order": "0",
    }.items():
        expect(page.locator(f"#{figure_id} strong")).to_have_text(text)
    expect(page.locator("#waiting tbody tr td:nth-child(2)")).to_have_text([str(whole.id)])
    assert line_of(uow, first.id, "CABLE-USB") == (5, 0, 0)
    assert line_of(uow, second.id, "CABLE-USB") == (3, 0, 0)
    assert line_of(uow, whole.id, "CABLE-USB") == (2, 2, 0)
    check_invariants(uow, today=utcnow().date())


def test_cancel_lines_from_the_queue(dashboard: Dashboard) -> None:
    uow = dashboard.uow
    add_product(uow, "MUG-RED", "Red mug", "8.00")
    first = place(uow, add_customer(uow, "Ann Archer"), ("MUG-RED", 5))
    second = place(uow, add_customer(uow, "Bob Baker"), ("MUG-RED", 4))
    page = dashboard.page
    asked: list[str] = []

    def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    dashboard.signed_in()
    dashboard.visit("/queue", "queue", heading="Backorder queue")
    line_1, line_2 = first.lines[0].id, second.lines[0].id
    row = page.locator(f"#queue tr[data-line='{line_1}']")
    expect(row.locator("input[name=qty]")).to_have_value("5")

    # Part of a line: 2 of Ann's 5 units.
    row.locator("input[name=qty]").fill("2")
    row.get_by_role("button", name="Cancel").click()
    expect(page.locator("p.notice")).to_have_text(
        f"Order {first.id}: 2 unit(s) of line {line_1} cancelled."
    )
    assert asked == [f"Cancel these units of order {first.id}?"]
    expect(page).to_have_url(re.compile(r"/queue\??$"))
    expect(row.locator("td").nth(3)).to_have_text("3")
    expect(row.locator("input[name=qty]")).to_have_value("3")
    dashboard.shot("part-cancelled")
    assert line_of(uow, first.id, "MUG-RED") == (0, 3, 2)

    # All of a line: Bob's row goes.
    page.locator(f"#queue tr[data-line='{line_2}']").get_by_role("button", name="Cancel").click()
    expect(page.locator("p.notice")).to_have_text(
        f"Order {second.id}: 4 unit(s) of line {line_2} cancelled."
    )
    expect(page.locator(f"#queue tr[data-line='{line_2}']")).to_have_count(0)
    expect(page.locator("#queue tr[data-line]")).to_have_count(1)
    dashboard.shot("line-cancelled")
    assert len(asked) == 2
    assert line_of(uow, second.id, "MUG-RED") == (0, 0, 4)
    assert get_inventory(uow, "MUG-RED").backordered == 3
    check_invariants(uow, today=utcnow().date())


def test_a_form_without_its_csrf_token_is_refused(dashboard: Dashboard) -> None:
    uow = dashboard.uow
    add_product(uow, "MUG-RED", "Red mug", "8.00")
    place(uow, add_customer(uow, "Ann Archer"), ("MUG-RED", 5))
    page = dashboard.page
    dashboard.signed_in()
    dashboard.visit("/products/MUG-RED", "product", heading="MUG-RED")
    before = snapshot(uow)

    form = page.locator("form[action='/products/MUG-RED/adjust']")
    form.locator("input[name=delta]").fill("5")
    form.locator("input[name=reason]").fill("found in the back room")
    removed = page.evaluate(
        """() => {
            const form = document.querySelector("form[action='/products/MUG-RED/adjust']");
            const token = form.querySelector("input[name=csrf_token]");
            token.remove();
            return form.querySelectorAll("input[name=csrf_token]").length === 0;
        }"""
    )
    assert removed
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        form.get_by_role("button", name="Adjust").click()
    response = posted.value
    assert response.url == dashboard.url("/products/MUG-RED/adjust")
    assert response.status == 403
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("this form did not come from a page of this dashboard")
    expect(refusal.locator("code")).to_have_text("csrf_failed")
    expect(refusal).to_contain_text("nothing was changed")
    dashboard.shot("refused")
    assert snapshot(uow) == before

    # The same form with its token goes through: the token was the only thing missing.
    dashboard.visit("/products/MUG-RED", "product-again", heading="MUG-RED")
    form.locator("input[name=delta]").fill("5")
    form.locator("input[name=reason]").fill("found in the back room")
    form.get_by_role("button", name="Adjust").click()
    expect(page.locator("p.notice")).to_have_text("MUG-RED: on hand +5 to 5.")
    expect(page.locator("#allocated strong")).to_have_text("5")
    dashboard.shot("adjusted")
    assert get_inventory(uow, "MUG-RED").on_hand == 5


def test_charts_page_draws_four_charts(dashboard: Dashboard) -> None:
    seed_backlog(dashboard.uow)
    page = dashboard.page
    dashboard.signed_in()
    page.locator("header.top nav").get_by_role("link", name="Charts").click()
    expect(page).to_have_url(dashboard.url("/charts"))
    canvases = page.locator("canvas[data-series]")
    expect(canvases).to_have_count(4)
    for canvas in canvases.all():
        expect(canvas).to_have_attribute("data-drawn", "true")
        box = canvas.bounding_box()
        assert box is not None
        assert box["width"] > 100, box
        assert box["height"] > 100, box
        size = canvas.evaluate("c => [c.width, c.height]")
        assert min(size) > 0, size
    series = page.evaluate("() => JSON.parse(document.getElementById('chart-data').textContent)")
    assert {name: len(s["values"]) > 0 for name, s in series.items()} == {
        "backlog_units": True,
        "top_products": True,
        "days_waiting": True,
        "supplier_on_time": True,
    }
    dashboard.shot("charts")
    assert dashboard.console_errors == []


def test_replenishment_charts_cover_against_lead_time(dashboard: Dashboard) -> None:
    uow = dashboard.uow
    seed_backlog(uow)
    today = utcnow().date()
    # Ninety days of history: stools sell steadily, lamps and shelves in bursts.
    pattern = {"STOOL-BAR": [3, 4, 5, 4], "LAMP-BRS": [0, 2, 0, 0], "SHELF-PINE": [0, 0, 0, 6]}
    history = [
        demand.DemandRow(1, today - timedelta(days=d), sku, days[d % len(days)])
        for sku, days in pattern.items()
        for d in range(1, 91)
    ]
    demand.import_demand(uow, history)
    page = dashboard.page
    dashboard.signed_in()
    page.locator("header.top nav").get_by_role("link", name="Replenishment").click()
    expect(page).to_have_url(dashboard.url("/replenishment"))
    canvas = page.locator("#chart-cover")
    expect(canvas).to_have_attribute("data-drawn", "true")
    box = canvas.bounding_box()
    assert box is not None
    assert box["width"] > 300, box
    at_risk = page.locator("#at-risk tbody tr")
    expect(at_risk).not_to_have_count(0)
    expect(page.locator("#at-risk tr[data-sku='STOOL-BAR'] td").nth(2)).to_have_text("smooth")
    expect(page.locator("#fastest-movers tbody tr").first).to_have_attribute(
        "data-sku", "STOOL-BAR"
    )
    dashboard.shot("replenishment")
    page.locator("#at-risk tr[data-sku='STOOL-BAR'] a").click()
    expect(page.locator("#demand-rate strong")).not_to_have_text("0.00")
    dashboard.shot("product-replenishment")
    assert dashboard.console_errors == []


def test_queue_filter_updates_the_table_in_place(dashboard: Dashboard) -> None:
    uow = dashboard.uow
    seeded = seed_backlog(uow)
    page = dashboard.page
    dashboard.signed_in()
    dashboard.visit("/queue", "queue", heading="Backorder queue")
    total = overview(uow).backlog.lines
    rows = page.locator("#queue tbody tr[data-line]")
    expect(rows).to_have_count(total)
    # A mark on the form: gone if the whole page were loaded or swapped.
    page.evaluate("() => { document.querySelector('form.filters').dataset.kept = 'yes'; }")

    with page.expect_response(lambda r: "/queue?" in r.url) as answered:
        page.get_by_label("Product (SKU)").fill("CHAIR-OAK")
        page.get_by_label("Product (SKU)").press("Enter")
    request = answered.value.request
    assert request.headers.get("hx-target") == "queue"
    expect(page).to_have_url(re.compile(r"/queue\?.*sku=CHAIR-OAK"))
    expect(rows).to_have_count(waiting_skus(uow).count("CHAIR-OAK"))
    assert set(column(rows, 2)) == {"CHAIR-OAK Oak dining chair"}
    expect(page.locator("form.filters[data-kept='yes']")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    dashboard.shot("by-sku")

    page.get_by_label("Product (SKU)").fill("")
    with page.expect_response(lambda r: "sort=waiting" in r.url):
        page.get_by_label("Sort").select_option("waiting")
    expect(page).to_have_url(re.compile(r"/queue\?.*sort=waiting"))
    expect(rows).to_have_count(total)
    expect(rows.first.locator("td").first).to_have_text(str(seeded.order_id))
    days = [int(n) for n in column(rows, 4)]
    assert days == sorted(days, reverse=True)
    assert days[0] == 41
    expect(page.locator("form.filters[data-kept='yes']")).to_have_count(1)
    dashboard.shot("longest-waiting")

    # The pushed URL is a real address: opened afresh, it shows the same table.
    dashboard.visit(page.url.removeprefix(dashboard.server.url), "reloaded")
    expect(page.get_by_label("Sort")).to_have_value("waiting")
    assert [int(n) for n in column(rows, 4)] == days


def test_every_page_at_laptop_and_tablet_size(dashboard: Dashboard) -> None:
    uow = dashboard.uow
    seeded = seed_backlog(uow)
    page = dashboard.page
    dashboard.signed_in()
    nav = page.locator("header.top nav")
    for label, path, step in [
        ("Queue", "/queue", "queue"),
        ("Products", "/products", "products"),
        ("Purchasing", "/purchasing", "purchasing"),
        ("Purchase orders", "/purchase-orders", "purchase-orders"),
        ("Orders", "/orders", "orders"),
        ("Overview", "/", "overview"),
    ]:
        nav.get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(dashboard.url(path))
        expect(nav.locator("a[aria-current='page']")).to_have_text(label)
        expect(page.locator("table.rows, .figures").first).to_be_visible()
        dashboard.shot(step)

    dashboard.visit(f"/products/{seeded.sku}", "product", heading=seeded.sku)
    expect(page.locator("#waiting tbody tr")).not_to_have_count(0)
    dashboard.visit(f"/purchase-orders/{seeded.po_id}", "purchase-order", heading="Purchase order")
    expect(page.locator("input[name='qty_DESK-WAL']")).to_have_value("5")
    dashboard.visit(f"/purchase-orders/{seeded.overdue_po_id}", "overdue-po")
    expect(page.locator("p.muted .badge.warn")).to_have_text("overdue")
    dashboard.visit(f"/orders/{seeded.order_id}", "order", heading=f"Order {seeded.order_id}")
    expect(page.locator("#lines tbody tr")).to_have_count(2)
    dashboard.visit("/charts", "charts", heading="Charts")
    expect(page.locator("canvas[data-drawn='true']")).to_have_count(4)
    assert dashboard.console_errors == []

    page.set_viewport_size(TABLET)
    for path, step in [("/", "tablet-overview"), ("/queue", "tablet-queue")]:
        dashboard.visit(path, step)
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= TABLET["width"], f"{path} is {wide}px wide on a tablet"


# What a page does in the browser alone (its address, its styles) needs one database.
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_the_address_shown_after_a_form_can_be_reloaded(dashboard: Dashboard) -> None:
    """A form answered with a page of its own (a receipt, a refusal) must not leave its
    POST-only address in the address bar: reloading that would answer 405 in JSON."""
    uow = dashboard.uow
    add_product(uow, "CABLE-USB", "USB-C cable, 2 m", "9.90")
    place(uow, add_customer(uow, "Ann Archer"), ("CABLE-USB", 5))
    supplier = add_supplier(uow, "Volt Supplies", 5, "CABLE-USB")
    po = create_purchase_order(uow, NewPurchaseOrder(supplier, [("CABLE-USB", 10)]))
    page = dashboard.page
    dashboard.signed_in()
    reloaded: dict[str, tuple[str, int]] = {}

    dashboard.visit(f"/purchase-orders/{po.id}", "purchase-order", heading="Purchase order")
    page.locator("#receive").click()
    expect(page.locator("#allocations tbody tr")).to_have_count(1)
    shown = page.url.removeprefix(dashboard.server.url)
    response = page.reload()
    assert response is not None
    reloaded["receipt"] = (shown, response.status)
    dashboard.shot("receipt-reloaded")

    dashboard.visit("/products/CABLE-USB", "product", heading="CABLE-USB")
    form = page.locator("form[action='/products/CABLE-USB/adjust']")
    form.locator("input[name=delta]").fill("1")
    form.locator("input[name=reason]").fill("found one")
    form.locator("input[name=csrf_token]").evaluate("token => token.remove()")
    form.get_by_role("button", name="Adjust").click()
    expect(page.get_by_role("alert").locator("code")).to_have_text("csrf_failed")
    shown = page.url.removeprefix(dashboard.server.url)
    response = page.reload()
    assert response is not None
    reloaded["refusal"] = (shown, response.status)
    dashboard.shot("refusal-reloaded")

    assert {page: status for page, (_, status) in reloaded.items()} == {
        "receipt": 200,
        "refusal": 200,
    }, f"address shown, and the status when reloaded: {reloaded}"


# What a page does in the browser alone (its address, its styles) needs one database.
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_number_columns_are_right_aligned(dashboard: Dashboard) -> None:
    """app.css right-aligns number columns (``.num``) and centres an empty table's note
    (``td.empty``), as people read figures down a column."""
    add_product(dashboard.uow, "MUG-RED", "Red mug", "8.00")
    place(dashboard.uow, add_customer(dashboard.uow, "Ann Archer"), ("MUG-RED", 5))
    dashboard.signed_in()
    dashboard.visit("/products/MUG-RED", "product", heading="MUG-RED")
    aligned = {
        selector: dashboard.page.locator(selector).first.evaluate(
            "cell => getComputedStyle(cell).textAlign"
        )
        for selector in ("#waiting th.num", "#waiting td.num", "#incoming td.empty")
    }
    assert aligned == {
        "#waiting th.num": "right",
        "#waiting td.num": "right",
        "#incoming td.empty": "center",
    }
