"""Line and order statuses follow from quantities."""

from __future__ import annotations

import pytest

from backorder.domain.errors import ConflictError
from backorder.domain.model import LineStatus, ShipPolicy
from backorder.domain.status import LineQuantities, check_shippable, line_status, order_status


def q(
    ordered: int, allocated: int = 0, backordered: int = 0, shipped: int = 0, cancelled: int = 0
) -> LineQuantities:
    return LineQuantities(ordered, allocated, backordered, shipped, cancelled)


@pytest.mark.parametrize(
    ("line", "status"),
    [
        (q(5, allocated=5), LineStatus.ALLOCATED),
        (q(5, allocated=2, backordered=3), LineStatus.BACKORDERED),
        (q(5, shipped=2, allocated=3), LineStatus.PARTIALLY_SHIPPED),
        (q(5, shipped=2, backordered=3), LineStatus.BACKORDERED),
        (q(5, shipped=3, cancelled=2), LineStatus.SHIPPED),
        (q(5, cancelled=5), LineStatus.CANCELLED),
    ],
)
def test_line_status(line: LineQuantities, status: LineStatus) -> None:
    assert line_status(line) == status


def test_order_is_backordered_while_any_line_waits() -> None:
    assert order_status([q(2, allocated=2), q(3, backordered=3)]) == LineStatus.BACKORDERED


def test_order_with_a_shipment_and_open_units_is_partially_shipped() -> None:
    assert order_status([q(2, shipped=2), q(3, backordered=3)]) == LineStatus.PARTIALLY_SHIPPED


def test_cancelled_lines_do_not_hold_an_order_back_from_shipped() -> None:
    assert order_status([q(2, shipped=2), q(3, cancelled=3)]) == LineStatus.SHIPPED


def test_order_is_cancelled_only_when_every_line_is() -> None:
    assert order_status([q(2, cancelled=2), q(3, cancelled=3)]) == LineStatus.CANCELLED
    assert order_status([q(2, cancelled=2), q(3, allocated=3)]) == LineStatus.ALLOCATED


def test_balance_rejects_negative_or_missing_units() -> None:
    assert q(5, allocated=2, backordered=3).is_balanced()
    assert not q(5, allocated=2, backordered=2).is_balanced()
    assert not q(5, allocated=6, backordered=-1).is_balanced()


def test_complete_order_does_not_ship_while_units_wait() -> None:
    with pytest.raises(ConflictError):
        check_shippable(ShipPolicy.COMPLETE, [q(2, allocated=2), q(1, backordered=1)])
    check_shippable(ShipPolicy.PARTIAL, [q(2, allocated=2), q(1, backordered=1)])


def test_nothing_allocated_means_nothing_to_ship() -> None:
    with pytest.raises(ConflictError):
        check_shippable(ShipPolicy.PARTIAL, [q(2, backordered=2)])
