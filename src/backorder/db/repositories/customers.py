"""Customers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backorder.db.models import Customer


class CustomerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, customer: Customer) -> None:
        self.session.add(customer)
        self.session.flush()

    def get(self, customer_id: int) -> Customer | None:
        return self.session.get(Customer, customer_id)
