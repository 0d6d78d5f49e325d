"""Settings the business changes while it runs, kept in the database (not in code or
deployment configuration): how often waiting customers hear from us, and the defaults
of replenishment planning that products may override."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from backorder.db.uow import Transaction, UnitOfWork
from backorder.domain import replenishment
from backorder.domain.errors import InvalidInputError

DEFAULTS: dict[str, Any] = {
    "waiting_update_days": 7,
    "service_level": 0.95,
    "ordering_cost": 50.0,
    "holding_cost_rate": 0.25,
    "demand_window_days": 90,
}

BOUNDS = {**replenishment.BOUNDS, "waiting_update_days": (0, 365)}


@dataclass(frozen=True, slots=True)
class BusinessSettings:
    waiting_update_days: int
    """Days between updates to a customer whose lines wait; 0 turns them off."""
    service_level: float
    """Default target cycle service level of a product's stock."""
    ordering_cost: float
    """Default cost of placing one purchase order line (money)."""
    holding_cost_rate: float
    """Default yearly cost of holding a unit, as a share of its cost."""
    demand_window_days: int
    """Days of demand history a forecast rests on."""


def read(tx: Transaction) -> BusinessSettings:
    stored = tx.settings_store.stored()
    return BusinessSettings(**{key: stored.get(key, default) for key, default in DEFAULTS.items()})


def get_business_settings(uow: UnitOfWork) -> BusinessSettings:
    with uow.read() as tx:
        return read(tx)


def update_settings(uow: UnitOfWork, **changes: float) -> BusinessSettings:
    """Change some settings; an unknown name or a value out of bounds changes none."""
    if not changes:
        raise InvalidInputError(f"nothing to change: give one of {', '.join(DEFAULTS)}")
    replenishment.check_bounds(changes, BOUNDS)
    with uow.write() as tx:
        current = asdict(read(tx))
        for key, value in changes.items():
            tx.settings_store.put(key, type(current[key])(value))
        tx.commit()
        return read(tx)
