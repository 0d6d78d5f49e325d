"""Customers."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backorder.api.deps import Uow, require
from backorder.api.schemas import CustomerCreate, CustomerRead, PathId
from backorder.domain.access import Action
from backorder.services import catalogue

router = APIRouter(tags=["customers"], dependencies=[Depends(require(Action.MANAGE_CUSTOMERS))])


@router.post("/customers", status_code=201)
def create_customer(body: CustomerCreate, uow: Uow) -> CustomerRead:
    view = catalogue.create_customer(
        uow, name=body.name, email=str(body.email), priority=body.priority
    )
    return CustomerRead.model_validate(view)


@router.get("/customers/{customer_id}")
def get_customer(customer_id: PathId, uow: Uow) -> CustomerRead:
    return CustomerRead.model_validate(catalogue.get_customer(uow, customer_id))
