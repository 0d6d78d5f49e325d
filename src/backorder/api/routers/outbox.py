"""Events to poll, webhooks to subscribe, deliveries to watch and retry, and the
business settings of customer communication."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from backorder.api.deps import Uow, require
from backorder.api.schemas import (
    MAX_ID,
    BusinessSettingsRead,
    BusinessSettingsUpdate,
    DeliveryRead,
    DeliveryStatus,
    EventRead,
    PathId,
    WebhookCreate,
    WebhookRead,
)
from backorder.domain.access import Action
from backorder.services import business, dispatch, webhooks

router = APIRouter(tags=["events and webhooks"])

Limit = Annotated[int, Query(ge=1, le=1000)]
integrations = [Depends(require(Action.MANAGE_INTEGRATIONS))]


@router.get("/events", dependencies=[Depends(require(Action.READ_EVENTS))])
def list_events(
    uow: Uow, after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0, limit: Limit = 100
) -> list[EventRead]:
    """Events after an id, oldest first: poll with the last id you saw."""
    return [
        EventRead.model_validate(e) for e in dispatch.list_events(uow, after=after, limit=limit)
    ]


@router.post("/webhooks", status_code=201, dependencies=integrations)
def create_webhook(body: WebhookCreate, uow: Uow) -> WebhookRead:
    view = webhooks.create_webhook(uow, url=str(body.url), events=body.events, secret=body.secret)
    return WebhookRead.model_validate(view)


@router.get("/webhooks", dependencies=integrations)
def list_webhooks(uow: Uow) -> list[WebhookRead]:
    return [WebhookRead.model_validate(w) for w in webhooks.list_webhooks(uow)]


@router.delete("/webhooks/{webhook_id}", status_code=204, dependencies=integrations)
def delete_webhook(webhook_id: PathId, uow: Uow) -> Response:
    webhooks.delete_webhook(uow, webhook_id)
    return Response(status_code=204)


@router.get("/deliveries", dependencies=integrations)
def list_deliveries(
    uow: Uow,
    status: DeliveryStatus | None = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Limit = 100,
) -> list[DeliveryRead]:
    views = dispatch.list_deliveries(uow, status=status, offset=offset, limit=limit)
    return [DeliveryRead.model_validate(v) for v in views]


@router.post("/deliveries/{delivery_id}/redeliver", dependencies=integrations)
def redeliver(delivery_id: PathId, uow: Uow) -> DeliveryRead:
    """Put a failed delivery back in line; the worker sends it on its next pass."""
    return DeliveryRead.model_validate(dispatch.redeliver(uow, delivery_id))


@router.get("/settings", dependencies=integrations)
def get_settings(uow: Uow) -> BusinessSettingsRead:
    return BusinessSettingsRead.model_validate(business.get_business_settings(uow))


@router.patch("/settings", dependencies=integrations)
def update_settings(body: BusinessSettingsUpdate, uow: Uow) -> BusinessSettingsRead:
    view = business.update_settings(uow, **body.model_dump(exclude_none=True))
    return BusinessSettingsRead.model_validate(view)
