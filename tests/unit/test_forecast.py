"""Demand classification and the forecasting methods."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backorder.domain.forecast import (
    Method,
    Pattern,
    classify,
    croston,
    croston_path,
    forecast,
    sba,
    ses,
    tsb,
)


def test_croston_sizes_match_a_published_run() -> None:
    """SAP HANA Predictive Analysis Library, Croston (hana_ml documentation example):
    series 0,1,4,0,0,0,5,3,0,0,0 with alpha 0.1 starting from the mean size. Published
    smoothed sizes after the first two demands: 3.025000 and 3.122500."""
    path = croston_path([0, 1, 4, 0, 0, 0, 5, 3, 0, 0, 0], alpha=0.1)
    assert [round(state.size, 6) for state in path[:2]] == [3.025, 3.1225]


def test_croston_by_hand() -> None:
    """Demands 1, 4, 5, 3 at periods 2, 3, 7, 8: sizes start at their mean 3.25 and
    intervals (2, 1, 4, 1) at theirs, 2; each demand moves both by alpha."""
    path = croston_path([0, 1, 4, 0, 0, 0, 5, 3, 0, 0, 0], alpha=0.1)
    assert [round(s.interval, 4) for s in path] == [2.0, 1.9, 2.11, 1.999]
    assert croston([0, 1, 4, 0, 0, 0, 5, 3, 0, 0, 0], alpha=0.1) == pytest.approx(3.279225 / 1.999)


def test_sba_is_croston_deflated_by_one_minus_half_alpha() -> None:
    """Syntetos & Boylan (2005): the bias correction factor is 1 - alpha/2."""
    series = [0, 0, 3, 0, 5, 0, 0, 0, 2, 0]
    assert sba(series, alpha=0.2) == pytest.approx(0.9 * croston(series, alpha=0.2))


def test_tsb_decays_while_no_demand_comes() -> None:
    """TSB smooths the chance of demand every period: a run of zeros lowers the forecast,
    where Croston's stays where the last demand left it."""
    active = [0, 4, 0, 0, 5, 0, 3, 0, 0, 4]
    stopped = [*active, *[0] * 20]
    assert tsb(stopped) < tsb(active)
    assert croston(stopped) == pytest.approx(croston(active))


def test_ses_of_a_constant_series_is_the_constant() -> None:
    assert ses([7] * 30) == pytest.approx(7)


def test_ses_follows_a_step() -> None:
    level = ses([2] * 30 + [10] * 30)
    assert 2 < level < 10
    assert level > ses([2] * 30 + [10] * 5)


@pytest.mark.parametrize(
    ("series", "pattern", "method"),
    [
        ([4, 5, 4, 6, 5, 4, 5, 5], Pattern.SMOOTH, Method.SES),
        ([1, 20, 2, 30, 1, 1, 25, 2], Pattern.ERRATIC, Method.SES),
        ([0, 0, 5, 0, 0, 6, 0, 0, 5, 0], Pattern.INTERMITTENT, Method.SBA),
        ([0, 0, 1, 0, 0, 40, 0, 0, 2, 0], Pattern.LUMPY, Method.TSB),
        ([0, 0, 0], Pattern.NONE, Method.NONE),
        ([], Pattern.NONE, Method.NONE),
    ],
)
def test_pattern_picks_the_method(series: list[int], pattern: Pattern, method: Method) -> None:
    result = forecast(series)
    assert result.classification.pattern is pattern
    assert result.method is method


def test_cut_offs_are_syntetos_boylan() -> None:
    """ADI 1.32 and CV² 0.49 (Syntetos, Boylan & Croston 2005), each inclusive above."""
    # 33 periods, 25 with demand: ADI 1.32 exactly, sizes all equal: CV² 0.
    at_adi = [5] * 25 + [0] * 8
    assert classify(at_adi).adi == pytest.approx(1.32)
    assert classify(at_adi).pattern is Pattern.INTERMITTENT
    assert classify([5] * 26 + [0] * 8).pattern is Pattern.SMOOTH
    # Sizes 1 and x, equally often: CV² = ((x-1)/(x+1))²; 0.49 at x = 17/3.
    assert classify([3, 17] * 10).cv2 == pytest.approx(0.49)
    assert classify([3, 17] * 10).pattern is Pattern.ERRATIC
    assert classify([3, 16] * 10).pattern is Pattern.SMOOTH


def test_forecast_reports_its_history() -> None:
    result = forecast([0, 2, 0, 4])
    assert (result.days, result.demand_days) == (4, 2)
    assert result.std == pytest.approx(1.914854, abs=1e-6)


daily = st.lists(st.integers(min_value=0, max_value=1_000), min_size=1, max_size=120)


@given(daily)
def test_every_method_forecasts_within_the_range_of_demand(series: list[int]) -> None:
    """Smoothing averages: a forecast never exceeds the largest demand nor goes negative."""
    for method in (ses, croston, sba, tsb):
        assert 0 <= method(series) <= max(series) + 1e-9
    assert 0 <= forecast(series).rate <= max(series) + 1e-9
