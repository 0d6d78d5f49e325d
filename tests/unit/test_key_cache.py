"""A server process trusts a key it has found for a bounded time, and only keys it found."""

from __future__ import annotations

from backorder.domain.model import Role
from backorder.services.keys import KeyCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_kept_key_is_trusted_until_its_time_is_up() -> None:
    clock = Clock()
    cache = KeyCache(10, clock=clock)
    cache.keep("bo_secret", Role.STOREFRONT)
    clock.now += 9.9
    assert cache.role("bo_secret") is Role.STOREFRONT
    clock.now += 0.1
    assert cache.role("bo_secret") is None


def test_only_the_kept_key_is_known() -> None:
    cache = KeyCache(10)
    cache.keep("bo_secret", Role.ADMIN)
    assert cache.role("bo_other") is None
    assert cache.role(None) is None
    assert cache.role("") is None


def test_zero_seconds_keeps_nothing() -> None:
    cache = KeyCache(0)
    cache.keep("bo_secret", Role.ADMIN)
    assert cache.role("bo_secret") is None
