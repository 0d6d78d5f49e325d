"""The serving order, splitting a line, placing and cancelling: rules without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backorder.domain.allocation import (
    LineRequest,
    after_serving,
    plan_order,
    serve_waiting,
    split_cancellation,
)
from backorder.domain.errors import ConflictError, OutOfStockError
from backorder.domain.model import BackorderPolicy, Stock, WaitingLine

TODAY = date(2026, 11, 22)
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def waiting(line_id: int, *, priority: int = 0, minutes: int = 0, qty: int = 1) -> WaitingLine:
    return WaitingLine(
        line_id=line_id,
        order_id=100 + line_id,
        priority=priority,
        placed_at=T0 + timedelta(minutes=minutes),
        backordered=qty,
    )


def stock(
    policy: BackorderPolicy = BackorderPolicy.ALLOW,
    *,
    on_hand: int = 0,
    allocated: int = 0,
    backordered: int = 0,
    **rules: object,
) -> Stock:
    return Stock(1, "MUG", policy, on_hand, allocated, backordered, **rules)  # type: ignore[arg-type]


def served(allocations: list) -> list[tuple[int, int]]:  # type: ignore[type-arg]
    return [(a.line_id, a.qty) for a in allocations]


class TestServingOrder:
    def test_serves_oldest_first_at_equal_priority(self) -> None:
        lines = [waiting(1, minutes=5), waiting(2, minutes=1)]
        assert served(serve_waiting(1, lines)) == [(2, 1)]

    def test_serves_higher_priority_before_older(self) -> None:
        lines = [waiting(1, minutes=0), waiting(2, priority=5, minutes=60)]
        assert served(serve_waiting(1, lines)) == [(2, 1)]

    def test_breaks_ties_by_line_id(self) -> None:
        lines = [waiting(7), waiting(3)]
        assert served(serve_waiting(2, lines)) == [(3, 1), (7, 1)]

    def test_splits_the_last_line_served(self) -> None:
        lines = [waiting(1, qty=3), waiting(2, minutes=1, qty=5)]
        assert served(serve_waiting(6, lines)) == [(1, 3), (2, 3)]

    def test_gives_nothing_when_nothing_is_available(self) -> None:
        assert serve_waiting(0, [waiting(1)]) == []

    @given(
        available=st.integers(0, 50),
        quantities=st.lists(st.tuples(st.integers(-3, 3), st.integers(1, 9)), max_size=12),
    )
    def test_never_gives_more_than_available_or_waited_for(
        self, available: int, quantities: list[tuple[int, int]]
    ) -> None:
        lines = [waiting(i, priority=p, minutes=i, qty=q) for i, (p, q) in enumerate(quantities)]
        allocations = serve_waiting(available, lines)
        assert sum(a.qty for a in allocations) == min(available, sum(q for _, q in quantities))
        by_id = {ln.line_id: ln for ln in lines}
        assert all(0 < a.qty <= by_id[a.line_id].backordered for a in allocations)


class TestPlanOrder:
    def test_allocates_what_is_available_and_backorders_the_rest(self) -> None:
        (plan,) = plan_order([LineRequest("MUG", 10)], {"MUG": stock(on_hand=4)}, today=TODAY)
        assert (plan.allocated, plan.backordered) == (4, 6)

    def test_a_line_within_stock_is_allocated_whole(self) -> None:
        (plan,) = plan_order([LineRequest("MUG", 2)], {"MUG": stock(on_hand=4)}, today=TODAY)
        assert (plan.allocated, plan.backordered) == (2, 0)

    def test_deny_product_refuses_with_what_is_available(self) -> None:
        with pytest.raises(OutOfStockError) as refused:
            plan_order(
                [LineRequest("MUG", 3)],
                {"MUG": stock(BackorderPolicy.DENY, on_hand=2)},
                today=TODAY,
            )
        assert refused.value.details["lines"] == [
            {"line": 0, "sku": "MUG", "requested": 3, "available": 2}
        ]

    def test_two_lines_of_one_sku_share_the_stock(self) -> None:
        with pytest.raises(OutOfStockError) as refused:
            plan_order(
                [LineRequest("MUG", 2), LineRequest("MUG", 2)],
                {"MUG": stock(BackorderPolicy.DENY, on_hand=3)},
                today=TODAY,
            )
        assert refused.value.details["lines"][0]["line"] == 1
        assert refused.value.details["lines"][0]["available"] == 1

    def test_backorder_cap_counts_what_already_waits(self) -> None:
        capped = stock(on_hand=0, backordered=8, max_backorder_qty=10)
        assert plan_order([LineRequest("MUG", 2)], {"MUG": capped}, today=TODAY)[0].backordered == 2
        with pytest.raises(OutOfStockError) as refused:
            plan_order([LineRequest("MUG", 3)], {"MUG": capped}, today=TODAY)
        assert refused.value.details["lines"][0]["backorder_limit"] == 2

    def test_preorder_before_release_waits_even_with_stock(self) -> None:
        release = TODAY + timedelta(days=30)
        preorder = stock(BackorderPolicy.PREORDER, on_hand=50, release_date=release)
        (plan,) = plan_order([LineRequest("MUG", 5)], {"MUG": preorder}, today=TODAY)
        assert (plan.allocated, plan.backordered) == (0, 5)

    def test_preorder_after_release_allocates_like_allow(self) -> None:
        released = stock(BackorderPolicy.PREORDER, on_hand=50, release_date=TODAY)
        (plan,) = plan_order([LineRequest("MUG", 5)], {"MUG": released}, today=TODAY)
        assert (plan.allocated, plan.backordered) == (5, 0)

    def test_lists_every_short_line_at_once(self) -> None:
        deny = stock(BackorderPolicy.DENY)
        with pytest.raises(OutOfStockError) as refused:
            plan_order(
                [LineRequest("A", 1), LineRequest("B", 1)],
                {"A": deny, "B": deny},
                today=TODAY,
            )
        assert [s["sku"] for s in refused.value.details["lines"]] == ["A", "B"]


class TestAfterServing:
    def test_waiting_lines_take_available_stock_first(self) -> None:
        s, units = after_serving(stock(on_hand=5, backordered=3), today=TODAY)
        assert (units, s.available, s.backordered) == (3, 2, 0)

    def test_held_preorder_keeps_its_stock(self) -> None:
        held = stock(
            BackorderPolicy.PREORDER,
            on_hand=5,
            backordered=3,
            release_date=TODAY + timedelta(days=1),
        )
        assert after_serving(held, today=TODAY) == (held, 0)


class TestCancellation:
    def test_cancels_waiting_units_before_allocated_ones(self) -> None:
        assert split_cancellation(allocated=4, backordered=6, qty=7) == (6, 1)

    def test_cancelling_within_backordered_leaves_allocation(self) -> None:
        assert split_cancellation(allocated=4, backordered=6, qty=2) == (2, 0)

    def test_refuses_more_than_unshipped(self) -> None:
        with pytest.raises(ConflictError) as refused:
            split_cancellation(allocated=1, backordered=1, qty=3)
        assert refused.value.details == {"cancellable": 2, "requested": 3}
