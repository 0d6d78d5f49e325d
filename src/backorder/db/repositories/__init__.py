"""Repositories: the only code that writes SQL. Each works inside one Session."""

from backorder.db.repositories.api_keys import ApiKeyRepository
from backorder.db.repositories.customers import CustomerRepository
from backorder.db.repositories.ledger import LedgerRepository
from backorder.db.repositories.orders import OrderRepository
from backorder.db.repositories.products import ProductRepository

__all__ = [
    "ApiKeyRepository",
    "CustomerRepository",
    "LedgerRepository",
    "OrderRepository",
    "ProductRepository",
]
