"""Forecasting daily demand: classify the pattern, then use a method suited to it.

A product's history is a series of daily demand, oldest first, zeros included. The
pattern comes from two figures (Syntetos, Boylan & Croston 2005): the average
inter-demand interval (ADI: days per day with demand) and the squared coefficient of
variation of the non-zero demand sizes (CV²). Cut-offs 1.32 and 0.49 split the plane:

    ADI < 1.32, CV² < 0.49: smooth        ADI >= 1.32, CV² < 0.49: intermittent
    ADI < 1.32, CV² >= 0.49: erratic      ADI >= 1.32, CV² >= 0.49: lumpy

Smooth and erratic demand comes most days: simple exponential smoothing forecasts it.
Intermittent demand gets Croston's method with the Syntetos-Boylan correction (SBA),
which removes Croston's upward bias. Lumpy demand gets TSB (Teunter, Syntetos & Babai
2011), which updates the chance of demand every day rather than only on days with demand,
so a lumpy item whose demand dries up sees its forecast fall instead of freezing.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49

ALPHA = 0.1
"""Smoothing constant of levels, sizes and intervals: on daily data, roughly the last
three weeks weigh most. The low end of the usual 0.05-0.3, as Croston-type methods want."""

BETA = 0.1
"""TSB's smoothing constant of the probability of demand."""


class Pattern(StrEnum):
    SMOOTH = "smooth"
    ERRATIC = "erratic"
    INTERMITTENT = "intermittent"
    LUMPY = "lumpy"
    NONE = "none"
    """No demand at all in the window."""


class Method(StrEnum):
    SES = "ses"
    SBA = "sba"
    TSB = "tsb"
    NONE = "none"


METHODS = {
    Pattern.SMOOTH: Method.SES,
    Pattern.ERRATIC: Method.SES,
    Pattern.INTERMITTENT: Method.SBA,
    Pattern.LUMPY: Method.TSB,
    Pattern.NONE: Method.NONE,
}


@dataclass(frozen=True, slots=True)
class Classification:
    pattern: Pattern
    adi: float | None
    """Days per day with demand; None without demand."""
    cv2: float | None
    """Squared coefficient of variation of the non-zero sizes; None without demand."""


def variance(values: Sequence[float], mean: float, *, ddof: int = 1) -> float:
    """Variance in floating point: ``statistics.variance`` is exact (fractions) and costs
    a hundred times more, which thousands of products a plan notice."""
    return math.fsum((v - mean) ** 2 for v in values) / (len(values) - ddof)


def deviation(values: Sequence[float]) -> float:
    """Sample standard deviation in floating point; 0 for fewer than two values."""
    if len(values) < 2:
        return 0.0
    return math.sqrt(variance(values, statistics.fmean(values)))


def classify(series: Sequence[float]) -> Classification:
    """The Syntetos-Boylan pattern of ``series``. ADI is the number of periods over the
    number of periods with demand; CV² uses the population deviation of the sizes."""
    sizes = [d for d in series if d > 0]
    if not sizes:
        return Classification(Pattern.NONE, None, None)
    adi = len(series) / len(sizes)
    mean = statistics.fmean(sizes)
    cv2 = variance(sizes, mean, ddof=0) / mean**2
    if adi < ADI_CUTOFF:
        pattern = Pattern.SMOOTH if cv2 < CV2_CUTOFF else Pattern.ERRATIC
    else:
        pattern = Pattern.INTERMITTENT if cv2 < CV2_CUTOFF else Pattern.LUMPY
    return Classification(pattern, adi, cv2)


def ses(series: Sequence[float], alpha: float = ALPHA) -> float:
    """Simple exponential smoothing; the level starts at the series' mean, so a short
    window is not pulled towards whatever its first day happened to be."""
    if not series:
        return 0.0
    level = statistics.fmean(series)
    for demand in series:
        level += alpha * (demand - level)
    return level


@dataclass(frozen=True, slots=True)
class CrostonState:
    size: float
    """Smoothed size of a demand."""
    interval: float
    """Smoothed periods between demands."""


def croston_path(series: Sequence[float], alpha: float = ALPHA) -> list[CrostonState]:
    """Croston (1972): size and interval smoothed only in periods with demand; the state
    after each demand. They start at the mean size and the mean interval of the window
    (the first interval counted from its start), so that no single early demand sets the
    forecast, as the level of ``ses`` starts at the mean."""
    sizes: list[float] = []
    intervals: list[int] = []
    since = 0
    for demand in series:
        since += 1
        if demand > 0:
            sizes.append(demand)
            intervals.append(since)
            since = 0
    if not sizes:
        return []
    state = CrostonState(statistics.fmean(sizes), statistics.fmean(intervals))
    path: list[CrostonState] = []
    for size, interval in zip(sizes, intervals, strict=True):
        state = CrostonState(
            state.size + alpha * (size - state.size),
            state.interval + alpha * (interval - state.interval),
        )
        path.append(state)
    return path


def croston(series: Sequence[float], alpha: float = ALPHA) -> float:
    """Croston's forecast of demand per period: size over interval."""
    path = croston_path(series, alpha)
    return path[-1].size / path[-1].interval if path else 0.0


def sba(series: Sequence[float], alpha: float = ALPHA) -> float:
    """Croston with the Syntetos-Boylan (2005) correction factor 1 - alpha/2."""
    return (1 - alpha / 2) * croston(series, alpha)


def tsb(series: Sequence[float], alpha: float = ALPHA, beta: float = BETA) -> float:
    """TSB (Teunter, Syntetos & Babai 2011): the probability of demand is smoothed every
    period, the size only in periods with demand. They start at the window's share of
    periods with demand and its mean size."""
    sizes = [d for d in series if d > 0]
    if not sizes:
        return 0.0
    probability = len(sizes) / len(series)
    size = statistics.fmean(sizes)
    for demand in series:
        if demand > 0:
            probability += beta * (1 - probability)
            size += alpha * (demand - size)
        else:
            probability -= beta * probability
    return probability * size


@dataclass(frozen=True, slots=True)
class Forecast:
    """Demand per day and its deviation, with the pattern and the method behind them."""

    rate: float
    std: float
    """Sample standard deviation of daily demand over the window."""
    classification: Classification
    method: Method
    days: int
    """Days of history the forecast rests on."""
    demand_days: int
    """Of which days with demand."""


def forecast(series: Sequence[float]) -> Forecast:
    """Classify ``series`` (daily demand, oldest first) and forecast it by its pattern."""
    classification = classify(series)
    method = METHODS[classification.pattern]
    rate = {
        Method.SES: ses,
        Method.SBA: sba,
        Method.TSB: tsb,
        Method.NONE: lambda _: 0.0,
    }[method](series)
    return Forecast(
        rate=rate,
        std=deviation(series),
        classification=classification,
        method=method,
        days=len(series),
        demand_days=sum(1 for d in series if d > 0),
    )
