"""Which role may do what. The API asks here; it holds no rule of its own."""

from __future__ import annotations

from enum import StrEnum

from backorder.domain.errors import ForbiddenError
from backorder.domain.model import Role


class Action(StrEnum):
    READ_CATALOGUE = "read_catalogue"
    MANAGE_CATALOGUE = "manage_catalogue"
    ADJUST_INVENTORY = "adjust_inventory"
    MANAGE_CUSTOMERS = "manage_customers"
    PLACE_ORDER = "place_order"
    READ_ORDER = "read_order"
    CANCEL_ORDER = "cancel_order"
    SHIP_ORDER = "ship_order"
    READ_BACKORDERS = "read_backorders"
    PRIORITIZE_ORDER = "prioritize_order"
    PURCHASE = "purchase"
    PLAN_REPLENISHMENT = "plan_replenishment"
    RECEIVE_STOCK = "receive_stock"
    READ_EVENTS = "read_events"
    MANAGE_INTEGRATIONS = "manage_integrations"


_STOREFRONT = frozenset(
    {
        Action.READ_CATALOGUE,
        Action.MANAGE_CUSTOMERS,
        Action.PLACE_ORDER,
        Action.READ_ORDER,
        Action.CANCEL_ORDER,
    }
)

GRANTS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.STAFF: frozenset(Action) - {Action.MANAGE_INTEGRATIONS},
    Role.STOREFRONT: _STOREFRONT,
}


def authorize(role: Role, action: Action) -> None:
    """Raise ForbiddenError unless ``role`` is granted ``action``."""
    if action not in GRANTS[role]:
        allowed = sorted(r.value for r, actions in GRANTS.items() if action in actions)
        raise ForbiddenError(
            f"a {role.value} key may not {action.value.replace('_', ' ')}; "
            f"use a key with role {' or '.join(allowed)}",
            details={"role": role.value, "action": action.value, "allowed": allowed},
        )
