"""Products and customers: creating them, reading them, and what an order would get."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from backorder.db.models import Customer, Product
from backorder.db.repositories.products import to_stock
from backorder.db.uow import Transaction, UnitOfWork
from backorder.domain.allocation import LineRequest, after_serving, plan_order
from backorder.domain.errors import ConflictError, InvalidInputError, NotFoundError, OutOfStockError
from backorder.domain.model import BackorderPolicy
from backorder.domain.replenishment import BOUNDS, check_bounds
from backorder.services.clock import utcnow
from backorder.services.etas import eta_basis
from backorder.services.views import (
    CustomerView,
    InventoryView,
    ProductView,
    customer_view,
    inventory_view,
    product_view,
)


@dataclass(frozen=True, slots=True)
class NewProduct:
    sku: str
    name: str
    price: Decimal
    backorder_policy: BackorderPolicy
    release_date: date | None = None
    max_backorder_qty: int | None = None
    lead_time_days: int | None = None


def create_product(uow: UnitOfWork, new: NewProduct) -> ProductView:
    """A duplicate SKU is a conflict, whether seen first or raced by another request."""
    if new.backorder_policy is BackorderPolicy.PREORDER and new.release_date is None:
        raise InvalidInputError(
            "a preorder product needs a release_date",
            details={"field": "release_date"},
        )
    try:
        with uow.write() as tx:
            if tx.products.by_sku(new.sku) is not None:
                raise _duplicate_sku(new.sku)
            product = Product(
                sku=new.sku,
                name=new.name,
                price=new.price,
                backorder_policy=new.backorder_policy.value,
                release_date=new.release_date,
                max_backorder_qty=new.max_backorder_qty,
                lead_time_days=new.lead_time_days,
                on_hand=0,
                allocated=0,
                backordered=0,
                created_at=utcnow(),
            )
            tx.products.add(product)
            view = product_view(product)
            tx.commit()
            return view
    except IntegrityError as error:
        raise _duplicate_sku(new.sku) from error


def _duplicate_sku(sku: str) -> ConflictError:
    return ConflictError(f"a product with sku {sku!r} exists already", details={"sku": sku})


def find_product(tx: Transaction, sku: str) -> Product:
    product = tx.products.by_sku(sku)
    if product is None:
        raise NotFoundError("product", sku)
    return product


def get_product(uow: UnitOfWork, sku: str) -> ProductView:
    with uow.read() as tx:
        return product_view(find_product(tx, sku))


def list_products(uow: UnitOfWork, *, offset: int, limit: int) -> tuple[list[ProductView], int]:
    with uow.read() as tx:
        return [product_view(p) for p in tx.products.page(offset=offset, limit=limit)], (
            tx.products.count()
        )


def get_inventory(uow: UnitOfWork, sku: str) -> InventoryView:
    with uow.read() as tx:
        return inventory_view(find_product(tx, sku))


@dataclass(frozen=True, slots=True)
class Availability:
    sku: str
    status: str
    available: int
    ships_now: int
    backordered: int
    estimated_ship_date: date | None


def check_availability(
    uow: UnitOfWork, sku: str, qty: int, *, today: date | None = None
) -> Availability:
    """What an order of ``qty`` would get now, by the same rules that place orders: its
    waiting units join the end of the queue.

    Nothing is written and nothing is locked: the answer can be overtaken by the next
    order, which the storefront learns at checkout.
    """
    today = today or utcnow().date()
    with uow.read() as tx:
        stock, _ = after_serving(to_stock(find_product(tx, sku)), today=today)
        available = max(stock.available, 0)
        try:
            (plan,) = plan_order([LineRequest(sku, qty)], {sku: stock}, today=today)
        except OutOfStockError:
            return Availability(sku, "out_of_stock", available, 0, 0, None)
        eta = None
        if plan.backordered:
            basis = eta_basis(tx, stock, today=today)
            eta = basis.after(stock.backordered, plan.backordered).estimated_ship_date
    if stock.is_held(today):
        status = "preorder"
    elif plan.backordered:
        status = "backorder"
    else:
        status = "in_stock"
    return Availability(sku, status, available, plan.allocated, plan.backordered, eta)


def create_customer(uow: UnitOfWork, *, name: str, email: str, priority: int = 0) -> CustomerView:
    with uow.write() as tx:
        customer = Customer(name=name, email=email, priority=priority, created_at=utcnow())
        tx.customers.add(customer)
        view = customer_view(customer)
        tx.commit()
        return view


def get_customer(uow: UnitOfWork, customer_id: int) -> CustomerView:
    with uow.read() as tx:
        customer = tx.customers.get(customer_id)
        if customer is None:
            raise NotFoundError("customer", customer_id)
        return customer_view(customer)


TARGETS = ("service_level", "fill_rate", "ordering_cost", "holding_cost_rate")


def update_targets(uow: UnitOfWork, sku: str, changes: dict[str, Any]) -> ProductView:
    """Set or clear (None) a product's replenishment targets; the counters are not touched,
    so no stock lock is needed."""
    check_bounds(changes, {key: BOUNDS[key] for key in TARGETS})
    with uow.write() as tx:
        product = find_product(tx, sku)
        for key, value in changes.items():
            setattr(product, key, value)
        tx.session.flush()
        view = product_view(product)
        tx.commit()
        return view
