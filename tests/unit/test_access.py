"""What each role of API key may do."""

from __future__ import annotations

import pytest

from backorder.domain.access import Action, authorize
from backorder.domain.errors import ForbiddenError
from backorder.domain.model import Role


@pytest.mark.parametrize(
    "action",
    [Action.READ_CATALOGUE, Action.PLACE_ORDER, Action.READ_ORDER, Action.CANCEL_ORDER],
)
def test_storefront_may_sell(action: Action) -> None:
    authorize(Role.STOREFRONT, action)


@pytest.mark.parametrize(
    "action",
    [Action.MANAGE_CATALOGUE, Action.ADJUST_INVENTORY, Action.SHIP_ORDER, Action.READ_BACKORDERS],
)
def test_storefront_may_not_run_the_warehouse(action: Action) -> None:
    with pytest.raises(ForbiddenError):
        authorize(Role.STOREFRONT, action)


def test_admin_may_do_everything() -> None:
    for action in Action:
        authorize(Role.ADMIN, action)


def test_staff_may_do_everything_but_manage_integrations() -> None:
    for action in set(Action) - {Action.MANAGE_INTEGRATIONS}:
        authorize(Role.STAFF, action)
    with pytest.raises(ForbiddenError) as refused:
        authorize(Role.STAFF, Action.MANAGE_INTEGRATIONS)
    assert refused.value.details["allowed"] == ["admin"]
