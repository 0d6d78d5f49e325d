"""Replenishment planning: each product's forecast, lead time, policy and stockout risk,
from its own demand history, its chosen supplier and the business's targets.

One pass reads what every product needs in a handful of queries (counters, stored
forecasts or daily demand, offers, measured lead times, next arrivals), so planning
thousands of products costs the same few round trips as planning one. The only writes
are the day's forecasts (``store_forecasts``), a cache of what the history says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backorder.db.repositories.planning import PlannedProduct
from backorder.db.uow import Transaction, UnitOfWork, retrying
from backorder.domain.errors import NotFoundError
from backorder.domain.forecast import Forecast, forecast
from backorder.domain.purchasing import SupplierOffer, choose_supplier
from backorder.domain.replenishment import (
    ExpectedService,
    LeadTime,
    Policy,
    Reorder,
    StockCover,
    Targets,
    cover,
    expected_service,
    lead_time,
    policy,
    position,
    reorder,
)
from backorder.services import business
from backorder.services.clock import utcnow

LEAD_TIME_HISTORY_DAYS = 365
"""Receipts older than this no longer say how long a supplier takes."""

FASTEST_MOVERS = 10


@dataclass(frozen=True, slots=True)
class Plan:
    """One product's replenishment: what it sells, what it takes to buy, its policy, and
    how long its stock lasts."""

    product_id: int
    sku: str
    window_start: date
    window_end: date
    """The first day after the window (today: today's demand is not complete)."""
    forecast: Forecast
    lead_time: LeadTime
    targets: Targets
    unit_cost: float
    offer: SupplierOffer | None
    policy: Policy
    available: int
    on_order: int
    backordered: int
    position: int
    cover: StockCover
    next_arrival: date | None
    """The earliest open purchase order's expected date; None when nothing is on order."""
    next_possible_arrival: date | None
    """``next_arrival``, or when an order placed today would arrive; None when nothing
    is on order and no lead time is known (no supplier)."""

    @property
    def buy(self) -> Reorder:
        """What to buy now and why; the reorder point counts only for a product that
        sells."""
        return reorder(self.position, self.policy if self.forecast.rate > 0 else None)

    @property
    def at_risk(self) -> bool:
        """Stock runs out before more can arrive (or with no known way to get more)."""
        stockout = self.cover.stockout_date
        if stockout is None:
            return False
        arrival = self.next_possible_arrival
        return arrival is None or stockout < arrival


@dataclass(frozen=True, slots=True)
class Planning:
    """The inputs shared by every product's plan, read once."""

    today: date
    settings: business.BusinessSettings
    forecasts: dict[int, Forecast]
    offers: dict[int, list[SupplierOffer]]
    lead_times: dict[int, list[int]]
    next_arrivals: dict[int, date]


def read_planning(tx: Transaction, products: list[PlannedProduct], today: date) -> Planning:
    settings = business.read(tx)
    ids = [p.id for p in products]
    offers = tx.purchasing.offers(ids)
    chosen = {o.supplier_id for o in (choose_supplier(v) for v in offers.values()) if o}
    return Planning(
        today=today,
        settings=settings,
        forecasts=current_forecasts(tx, products, today, settings.demand_window_days),
        offers=offers,
        lead_times=tx.planning.lead_times(
            chosen, since=today - timedelta(days=LEAD_TIME_HISTORY_DAYS)
        ),
        next_arrivals=tx.planning.next_arrivals(ids),
    )


def current_forecasts(
    tx: Transaction, products: list[PlannedProduct], today: date, window_days: int
) -> dict[int, Forecast]:
    """Each product's forecast for today: the stored one while it holds (same day, same
    window, no import since), else made now from the history."""
    ids = [p.id for p in products]
    stored = tx.planning.stored_forecasts(as_of=today, window_days=window_days, product_ids=ids)
    current: dict[int, Forecast] = {}
    stale: list[PlannedProduct] = []
    for product in products:
        version, made = stored.get(product.id, (None, None))
        if made is not None and version == product.demand_version:
            current[product.id] = made
        else:
            stale.append(product)
    if stale:
        current.update(make_forecasts(tx, stale, today, window_days))
    return current


def make_forecasts(
    tx: Transaction, products: list[PlannedProduct], today: date, window_days: int
) -> dict[int, Forecast]:
    """Forecasts from the history of the window, read in two queries for all products."""
    return {
        pid: forecast(series) for pid, series in histories(tx, products, today, window_days).items()
    }


def histories(
    tx: Transaction, products: list[PlannedProduct], today: date, window_days: int
) -> dict[int, list[int]]:
    """Each product's daily demand over the window, oldest first. A product younger than
    the window (counting imported history as its life) starts on its first day, so a
    new product is not averaged with weeks of zeros from before it was sold."""
    window_start = today - timedelta(days=window_days)
    ids = [p.id for p in products]
    demand = tx.planning.daily_demand(window_start, today, ids)
    first_imported = tx.planning.first_imported_days(ids)
    result: dict[int, list[int]] = {}
    for product in products:
        known_since = product.created_at.date()
        if product.id in first_imported:
            known_since = min(known_since, first_imported[product.id])
        start = max(window_start, known_since)
        days = demand.get(product.id)
        if days is None:
            result[product.id] = [0] * max((today - start).days, 0)
        else:
            result[product.id] = days[(start - window_start).days :]
    return result


def refresh_forecasts(
    uow: UnitOfWork, *, now: datetime | None = None, product_ids: set[int] | None = None
) -> int:
    """Store today's forecast of every product (or of ``product_ids``) whose stored one
    no longer holds; how many were made. Read in one transaction, written in a short
    other, so writers don't wait while thousands of forecasts are worked out. A history
    imported meanwhile moved its products' version on: what is written here for them
    will not count, and they are forecast afresh when next read."""
    return store_forecasts(uow, (now or utcnow()).date(), product_ids)


@retrying
def store_forecasts(uow: UnitOfWork, today: date, product_ids: set[int] | None = None) -> int:
    """``refresh_forecasts`` for a day. Every reader of all products' plans calls it
    first: with the worker's job it finds nothing to do (two reads), and without a worker
    only the first read of a day pays for forecasting every product."""
    with uow.read() as tx:
        window = business.read(tx).demand_window_days
        products = tx.planning.products()
        if product_ids is not None:
            products = [p for p in products if p.id in product_ids]
        stored = tx.planning.stored_versions(as_of=today, window_days=window)
        stale = [p for p in products if stored.get(p.id) != p.demand_version]
        made = make_forecasts(tx, stale, today, window) if stale else {}
    if not made:
        return 0
    rows = [(p.id, p.demand_version, made[p.id]) for p in stale]
    with uow.write() as tx:
        tx.planning.put_forecasts(rows, as_of=today, window_days=window)
        tx.commit()
    return len(rows)


def plan(product: PlannedProduct, inputs: Planning) -> Plan:
    """The plan of one product from the shared inputs."""
    today, settings = inputs.today, inputs.settings
    demand = inputs.forecasts[product.id]
    offer = choose_supplier(inputs.offers.get(product.id, []))
    lead = lead_time(
        offer,
        product.lead_time_days,
        inputs.lead_times.get(offer.supplier_id, []) if offer else [],
    )
    targets = Targets(
        service_level=product.service_level or settings.service_level,
        fill_rate=product.fill_rate,
        ordering_cost=float(
            settings.ordering_cost if product.ordering_cost is None else product.ordering_cost
        ),
        holding_cost_rate=product.holding_cost_rate or settings.holding_cost_rate,
    )
    unit_cost = float(offer.cost if offer else product.price)
    rule = policy(
        demand_rate=demand.rate,
        demand_std=demand.std,
        lead_time=lead.days,
        lead_time_std=lead.std,
        targets=targets,
        unit_cost=unit_cost,
        offer=offer,
    )
    available = product.on_hand - product.allocated
    arrival = inputs.next_arrivals.get(product.id)
    return Plan(
        product_id=product.id,
        sku=product.sku,
        window_start=today - timedelta(days=demand.days),
        window_end=today,
        forecast=demand,
        lead_time=lead,
        targets=targets,
        unit_cost=unit_cost,
        offer=offer,
        policy=rule,
        available=available,
        on_order=product.on_order,
        backordered=product.backordered,
        position=position(
            available=available, on_order=product.on_order, backordered=product.backordered
        ),
        cover=cover(
            available=available,
            backordered=product.backordered,
            demand_rate=demand.rate,
            today=today,
        ),
        next_arrival=arrival,
        next_possible_arrival=arrival or _arrival_if_ordered(lead, today),
    )


def _arrival_if_ordered(lead: LeadTime, today: date) -> date | None:
    if lead.source == "none":
        return None
    return today + timedelta(days=round(lead.days))


def plans(tx: Transaction, today: date) -> list[Plan]:
    """Every product's plan, by SKU."""
    products = tx.planning.products()
    inputs = read_planning(tx, products, today)
    return [plan(p, inputs) for p in products]


@dataclass(frozen=True, slots=True)
class Detail:
    plan: Plan
    service: ExpectedService


def product_plan(
    uow: UnitOfWork, sku: str, *, today: date | None = None
) -> tuple[Detail, list[int]]:
    """One product's plan with what it delivers, and the daily demand behind it (oldest
    first)."""
    today = today or utcnow().date()
    with uow.read() as tx:
        products = tx.planning.products(sku)
        if not products:
            raise NotFoundError("product", sku)
        inputs = read_planning(tx, products, today)
        window = inputs.settings.demand_window_days
        series = histories(tx, products, today, window)[products[0].id]
    result = plan(products[0], inputs)
    return Detail(result, expected_service(result.policy)), series


def all_plans(uow: UnitOfWork, *, today: date | None = None) -> list[Detail]:
    """Every product's plan with what it delivers, by SKU."""
    today = today or utcnow().date()
    store_forecasts(uow, today)
    with uow.read() as tx:
        every = plans(tx, today)
    return [Detail(p, expected_service(p.policy)) for p in every]


@dataclass(frozen=True, slots=True)
class AtRisk:
    at_risk: list[Plan]
    """Products whose stock runs out before more can arrive, soonest first."""
    fastest_movers: list[Plan]
    """The products with the highest forecast demand."""


def at_risk(uow: UnitOfWork, *, today: date | None = None, limit: int = 100) -> AtRisk:
    today = today or utcnow().date()
    store_forecasts(uow, today)
    with uow.read() as tx:
        every = plans(tx, today)
    risky = sorted(
        (p for p in every if p.at_risk),
        key=lambda p: (p.cover.stockout_date or today, -p.forecast.rate, p.sku),
    )
    moving = [p for p in every if p.forecast.rate > 0]
    moving.sort(key=lambda p: (-p.forecast.rate, p.sku))
    return AtRisk(risky[:limit], moving[:FASTEST_MOVERS])
