"""The time services use: UTC, so "today" is the same for every process and database."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
