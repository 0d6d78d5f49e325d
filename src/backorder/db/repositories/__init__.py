"""Repositories: the only code that writes SQL. Each works inside one Session."""

from backorder.db.repositories.api_keys import ApiKeyRepository
from backorder.db.repositories.customers import CustomerRepository
from backorder.db.repositories.events import EventRepository
from backorder.db.repositories.ledger import LedgerRepository
from backorder.db.repositories.orders import OrderRepository
from backorder.db.repositories.planning import PlanningRepository
from backorder.db.repositories.products import ProductRepository
from backorder.db.repositories.purchasing import PurchasingRepository
from backorder.db.repositories.reports import ReportRepository
from backorder.db.repositories.settings import SettingsRepository
from backorder.db.repositories.users import UserRepository

__all__ = [
    "ApiKeyRepository",
    "CustomerRepository",
    "EventRepository",
    "LedgerRepository",
    "OrderRepository",
    "PlanningRepository",
    "ProductRepository",
    "PurchasingRepository",
    "ReportRepository",
    "SettingsRepository",
    "UserRepository",
]
