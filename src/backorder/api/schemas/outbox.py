"""Bodies of the outbox part of the API: events, webhooks, deliveries, settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, Field, UrlConstraints

from backorder.api.schemas.core import Input, Output, Text

__all__ = [
    "BusinessSettingsRead",
    "BusinessSettingsUpdate",
    "DeliveryRead",
    "DeliveryStatus",
    "EventRead",
    "WebhookCreate",
    "WebhookRead",
]

DeliveryStatus = Literal["pending", "delivered", "failed"]
EventType = Annotated[str, Field(max_length=64, description="An event type, or * for all")]


class EventRead(Output):
    id: int
    type: str
    created_at: datetime
    payload: dict[str, Any]


class WebhookCreate(Input):
    url: Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)]
    events: Annotated[
        list[Annotated[str, Field(max_length=64)]], Field(min_length=1, max_length=50)
    ]
    secret: Annotated[Text, Field(min_length=16, max_length=200)]


class WebhookRead(Output):
    id: int
    url: str
    events: list[str]
    created_at: datetime


class DeliveryRead(Output):
    id: int
    event_id: int
    event_type: str
    channel: str
    target: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    delivered_at: datetime | None


class BusinessSettingsRead(Output):
    waiting_update_days: int
    service_level: float
    ordering_cost: float
    holding_cost_rate: float
    demand_window_days: int


class BusinessSettingsUpdate(Input):
    """Only the fields given change; the service checks their bounds."""

    waiting_update_days: Annotated[int | None, Field(description="0 turns updates off")] = None
    service_level: Annotated[
        float | None, Field(description="Default target cycle service level, e.g. 0.95")
    ] = None
    ordering_cost: Annotated[float | None, Field(description="Cost of ordering one line")] = None
    holding_cost_rate: Annotated[
        float | None, Field(description="Yearly holding cost as a share of unit cost")
    ] = None
    demand_window_days: Annotated[
        int | None, Field(description="Days of demand history behind a forecast")
    ] = None
