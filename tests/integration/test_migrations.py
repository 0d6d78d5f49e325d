"""The migrations build exactly the schema the models describe, and undo it cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from backorder.db import migrate
from backorder.db.models import Base
from backorder.db.uow import UnitOfWork


def test_migrated_schema_matches_the_models(uow: UnitOfWork) -> None:
    with uow.writer.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # The serving-order indexes are expression indexes (priority DESC), which SQLite's
    # reflection can't compare; their presence is checked below instead.
    expression_indexes = {"ix_order_lines_waiting", "ix_order_lines_serving"}
    assert [d for d in diff if not any(ix in repr(d) for ix in expression_indexes)] == []
    indexes = {ix["name"] for ix in inspect(uow.writer).get_indexes("order_lines")}
    assert expression_indexes <= indexes


def test_downgrade_to_nothing_and_back(uow: UnitOfWork) -> None:
    migrate.downgrade(uow.writer, "base")
    assert inspect(uow.writer).get_table_names() == ["alembic_version"]
    migrate.upgrade(uow.writer)
    assert migrate.is_current(uow.writer)
