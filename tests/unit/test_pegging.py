"""Pegging waiting lines to incoming supply."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from backorder.domain.pegging import Demand, PegResult, Supply, eta_after, is_delay, peg

D = date(2026, 12, 1)


def day(n: int) -> date:
    return D + timedelta(days=n)


def etas(results: dict) -> dict[int, date | None]:  # type: ignore[type-arg]
    return {line: r.estimated_ship_date for line, r in results.items()}


def test_lines_take_the_earliest_supply_first_in_serving_order() -> None:
    demands = [Demand(1, 3), Demand(2, 4)]
    supplies = [Supply(5, day(10)), Supply(5, day(3))]
    assert etas(peg(demands, supplies, fallback=day(40), handling_days=1)) == {
        1: day(4),
        2: day(11),
    }


def test_a_line_spanning_two_supplies_waits_for_the_later_one() -> None:
    results = peg(
        [Demand(1, 6)], [Supply(4, day(2)), Supply(4, day(9))], fallback=None, handling_days=0
    )
    assert results[1].estimated_ship_date == day(9)
    assert results[1].covered_by_supply


def test_demand_beyond_all_supply_gets_the_fallback_date() -> None:
    results = peg(
        [Demand(1, 2), Demand(2, 2)], [Supply(3, day(2))], fallback=day(30), handling_days=1
    )
    assert etas(results) == {1: day(3), 2: day(31)}
    assert not results[2].covered_by_supply


def test_without_supplier_an_uncovered_line_has_no_date() -> None:
    results = peg([Demand(1, 1)], [], fallback=None, handling_days=1)
    assert results[1].estimated_ship_date is None
    assert not results[1].covered_by_supply


def test_supplier_lateness_makes_the_date_conservative() -> None:
    results = peg(
        [Demand(1, 1)], [Supply(1, day(5), lateness_days=3)], fallback=None, handling_days=1
    )
    assert results[1].estimated_ship_date == day(9)


def test_a_preorder_never_ships_before_its_release() -> None:
    results = peg(
        [Demand(1, 1)], [Supply(1, day(2))], fallback=None, handling_days=1, not_before=day(20)
    )
    assert results[1].estimated_ship_date == day(20)


@given(
    demands=st.lists(st.integers(1, 9), max_size=15),
    supplies=st.lists(st.tuples(st.integers(1, 9), st.integers(0, 60)), max_size=6),
)
def test_etas_never_go_earlier_down_the_queue(
    demands: list[int], supplies: list[tuple[int, int]]
) -> None:
    results = peg(
        [Demand(i, q) for i, q in enumerate(demands)],
        [Supply(q, day(n)) for q, n in supplies],
        fallback=day(90),
        handling_days=1,
    )
    dates = [results[i].estimated_ship_date for i in range(len(demands))]
    assert dates == sorted(d for d in dates if d is not None)


def test_a_new_line_at_the_end_is_dated_from_the_units_ahead_of_it() -> None:
    supplies = [Supply(5, day(3)), Supply(5, day(8))]
    assert eta_after(4, 1, supplies, fallback=day(30), handling_days=1).estimated_ship_date == day(
        4
    )
    assert eta_after(5, 1, supplies, fallback=day(30), handling_days=1).estimated_ship_date == day(
        9
    )
    beyond = eta_after(9, 2, supplies, fallback=day(30), handling_days=1)
    assert beyond == PegResult(day(31), "lead_time")


def test_only_a_later_or_lost_date_is_a_delay() -> None:
    assert is_delay(day(3), day(4))
    assert is_delay(day(3), None)
    assert not is_delay(day(3), day(3))
    assert not is_delay(day(3), day(1))
    assert not is_delay(None, day(9))
