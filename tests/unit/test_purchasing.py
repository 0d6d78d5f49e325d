"""Supplier choice, order quantities and supplier lateness."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backorder.domain.purchasing import (
    Cover,
    SupplierOffer,
    choose_supplier,
    order_quantity,
    percentile,
    performance,
    uncovered,
)


def offer(supplier_id: int, *, cost: str = "5", lead: int = 10, **rules: object) -> SupplierOffer:
    return SupplierOffer(supplier_id, Decimal(cost), lead, **rules)  # type: ignore[arg-type]


def test_prefers_the_preferred_supplier_over_a_faster_cheaper_one() -> None:
    chosen = choose_supplier([offer(1, lead=2, cost="1"), offer(2, lead=30, preferred=True)])
    assert chosen is not None
    assert chosen.supplier_id == 2


def test_without_a_preferred_one_takes_the_shortest_lead_time_then_the_lowest_cost() -> None:
    offers = [offer(1, lead=7, cost="3"), offer(2, lead=5, cost="9"), offer(3, lead=5, cost="4")]
    chosen = choose_supplier(offers)
    assert chosen is not None
    assert chosen.supplier_id == 3


def test_no_offer_means_no_supplier() -> None:
    assert choose_supplier([]) is None


@pytest.mark.parametrize(
    ("need", "moq", "pack", "qty"),
    [(0, 10, 1, 0), (3, 10, 1, 10), (13, 10, 6, 18), (12, 1, 6, 12), (1, 1, 1, 1), (7, 5, 4, 8)],
)
def test_order_quantity_meets_the_minimum_and_whole_packs(
    need: int, moq: int, pack: int, qty: int
) -> None:
    assert order_quantity(need, offer(1, min_order_qty=moq, pack_size=pack)) == qty


def test_percentile_is_a_seen_value() -> None:
    assert percentile([0, 0, 1, 2, 10], 80) == 2
    assert percentile([4], 80) == 4
    assert percentile([], 80) == 0


def test_performance_counts_early_receipts_as_on_time() -> None:
    perf = performance([-2, 0, 0, 3, 5])
    assert perf.receipts == 5
    assert perf.on_time_rate == pytest.approx(0.6)
    assert perf.mean_days_late == pytest.approx(1.6)
    assert perf.p80_days_late == 3


def test_no_history_means_no_lateness() -> None:
    assert performance([]).p80_days_late == 0
    assert performance([]).on_time_rate is None


def test_uncovered_skips_the_units_already_covered_in_serving_order() -> None:
    queue = [Cover(1, 10, 3), Cover(2, 20, 4), Cover(3, 30, 2)]
    assert uncovered(queue, covered=5) == [Cover(2, 20, 2), Cover(3, 30, 2)]
    assert uncovered(queue, covered=0) == queue
    assert uncovered(queue, covered=9) == []
