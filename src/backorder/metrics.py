"""Prometheus metrics: what an operator watches during a rush on one product.

Counters and histograms live in this process's default registry; with several server
processes, each exposes its own and Prometheus sums them. The open backorder units are
read from the database at scrape time, so every process reports the same truth.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

REQUESTS = Counter("backorder_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "backorder_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
ORDERS_PLACED = Counter("backorder_orders_placed_total", "Orders placed (replays excluded)")
LINES_BACKORDERED = Counter(
    "backorder_lines_backordered_total", "Order lines that had units backordered when placed"
)
LOCK_WAIT = Histogram(
    "backorder_allocation_lock_wait_seconds",
    "Time spent waiting for product row locks",
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5),
)


class OpenBackorderUnits(Collector):
    """A gauge read at scrape time from the products' backordered counters."""

    def __init__(self, read: Callable[[], int]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "backorder_open_backorder_units", "Units waiting for stock", value=self.read()
        )


_collector: OpenBackorderUnits | None = None


def watch_open_backorders(read: Callable[[], int]) -> None:
    """Register (once per process) the gauge of open backorder units."""
    global _collector
    if _collector is None:
        _collector = OpenBackorderUnits(read)
        REGISTRY.register(_collector)
    else:
        _collector.read = read
