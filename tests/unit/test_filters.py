"""Restricting a query to keys: an IN list for a few, every row for many."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from backorder.db.filters import MANY_KEYS, among
from backorder.db.models import Product


def sql(keys: list[int] | None) -> str:
    query = among(select(Product.sku), Product.id, keys)
    return str(query.compile(dialect=sqlite.dialect()))


def test_a_few_keys_are_an_in_list_and_many_or_none_read_every_row() -> None:
    assert " IN " in sql([1, 2, 3])
    assert " IN " in sql(list(range(MANY_KEYS)))
    assert "WHERE" not in sql(list(range(MANY_KEYS + 1)))
    assert "WHERE" not in sql(None)
