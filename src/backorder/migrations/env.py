"""Alembic environment: runs on the connection that ``backorder.db.migrate`` hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from backorder.db.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations with 'backorder db upgrade', which passes the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
