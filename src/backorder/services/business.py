"""Settings the business changes while it runs, kept in the database (not in code or
deployment configuration): today, how often waiting customers hear from us."""

from __future__ import annotations

from dataclasses import dataclass

from backorder.db.models import BusinessSetting
from backorder.db.uow import Transaction, UnitOfWork

DEFAULTS = {"waiting_update_days": 7}


@dataclass(frozen=True, slots=True)
class BusinessSettings:
    waiting_update_days: int
    """Days between updates to a customer whose lines wait; 0 turns them off."""


def read(tx: Transaction) -> BusinessSettings:
    stored = {row.key: row.value for row in tx.session.query(BusinessSetting).all()}
    return BusinessSettings(**{**DEFAULTS, **stored})


def get_business_settings(uow: UnitOfWork) -> BusinessSettings:
    with uow.read() as tx:
        return read(tx)


def set_waiting_update_days(uow: UnitOfWork, days: int) -> BusinessSettings:
    with uow.write() as tx:
        tx.session.merge(BusinessSetting(key="waiting_update_days", value=days))
        tx.commit()
        return read(tx)
