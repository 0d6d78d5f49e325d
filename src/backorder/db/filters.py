"""Restricting a query to a set of keys, whatever its size."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import QueryableAttribute

MANY_KEYS = 500
"""Beyond this many keys a query reads every row and the caller picks its own: an IN
list of thousands of parameters costs more, and SQLite caps their number."""

Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")


def among(
    query: Q, column: ColumnElement[Any] | QueryableAttribute[Any], keys: Collection[Any] | None
) -> Q:
    """``query`` where ``column`` is one of ``keys``; unrestricted when ``keys`` is None
    (all) or many. Callers look results up by key, so extra rows are harmless."""
    if keys is None or len(keys) > MANY_KEYS:
        return query
    return query.where(column.in_(set(keys)))
