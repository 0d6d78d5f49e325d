"""Settings the business changes while it runs, kept in the database (not in code or
deployment configuration): today, how often waiting customers hear from us."""

from __future__ import annotations

from dataclasses import dataclass

from backorder.db.uow import Transaction, UnitOfWork

DEFAULTS = {"waiting_update_days": 7}


@dataclass(frozen=True, slots=True)
class BusinessSettings:
    waiting_update_days: int
    """Days between updates to a customer whose lines wait; 0 turns them off."""


def read(tx: Transaction) -> BusinessSettings:
    stored = tx.settings_store.stored()
    return BusinessSettings(**{key: stored.get(key, default) for key, default in DEFAULTS.items()})


def get_business_settings(uow: UnitOfWork) -> BusinessSettings:
    with uow.read() as tx:
        return read(tx)


def set_waiting_update_days(uow: UnitOfWork, days: int) -> BusinessSettings:
    with uow.write() as tx:
        tx.settings_store.put("waiting_update_days", days)
        tx.commit()
        return read(tx)
