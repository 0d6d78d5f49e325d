"""Customers."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backorder.db.models import Customer

_PRIORITY = select(Customer.priority).where(Customer.id == bindparam("customer_id"))


class CustomerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, customer: Customer) -> None:
        self.session.add(customer)
        self.session.flush()

    def get(self, customer_id: int) -> Customer | None:
        return self.session.get(Customer, customer_id)

    def priority(self, customer_id: int) -> int | None:
        """The customer's priority, or None when there is no such customer: all that
        placing an order reads of them."""
        row = self.session.connection().execute(_PRIORITY, {"customer_id": customer_id}).first()
        return None if row is None else int(row[0])
