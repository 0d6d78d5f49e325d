"""Dashboard: staff users, the daily backlog record, events keyed by order, receipts
that can't be recorded twice, and the indexes behind the dashboard's queue, oldest line
and overdue lines.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backorder.db.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WAITING = sa.text("backordered > 0")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", Id, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", backorder.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", backorder.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("signed_out_at", backorder.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'staff')", name=op.f("ck_users_role_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "backlog_snapshots",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("taken_at", backorder.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_backlog_snapshots")),
    )
    with op.batch_alter_table("receipts") as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_receipts_idempotency_key"), ["idempotency_key"])
    op.add_column("events", sa.Column("order_id", Id, nullable=True))
    order_id = (
        "CAST(payload->>'order_id' AS BIGINT)"
        if op.get_bind().dialect.name == "postgresql"
        else "json_extract(payload, '$.order_id')"
    )
    op.execute(f"UPDATE events SET order_id = {order_id}")
    op.create_index(op.f("ix_events_order_id"), "events", ["order_id"])
    indexes: list[tuple[str, list[str | sa.TextClause]]] = [
        ("ix_order_lines_serving", [sa.text("priority DESC"), "placed_at", "id"]),
        ("ix_order_lines_waiting_since", ["placed_at", "id"]),
        ("ix_order_lines_eta", ["estimated_ship_date", "id"]),
    ]
    for name, columns in indexes:
        op.create_index(
            name, "order_lines", columns, postgresql_where=WAITING, sqlite_where=WAITING
        )


def downgrade() -> None:
    for name in ("ix_order_lines_eta", "ix_order_lines_waiting_since", "ix_order_lines_serving"):
        op.drop_index(name, table_name="order_lines")
    op.drop_index(op.f("ix_events_order_id"), table_name="events")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("order_id")
    with op.batch_alter_table("receipts") as batch_op:
        batch_op.drop_constraint(op.f("uq_receipts_idempotency_key"), type_="unique")
        batch_op.drop_column("idempotency_key")
    op.drop_table("backlog_snapshots")
    op.drop_table("users")
