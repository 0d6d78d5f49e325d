"""Replenishment: imported demand history, stored daily forecasts, per-product service
and cost targets, an index that reads a product's order lines by day, and one that
reads a supplier's latest receipts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backorder.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CHECKS = {
    "service_level_ok": "service_level IS NULL OR (service_level > 0 AND service_level < 1)",
    "fill_rate_ok": "fill_rate IS NULL OR (fill_rate > 0 AND fill_rate < 1)",
    "ordering_cost_ok": "ordering_cost IS NULL OR ordering_cost >= 0",
    "holding_cost_rate_ok": "holding_cost_rate IS NULL OR holding_cost_rate > 0",
}


def upgrade() -> None:
    op.create_table(
        "demand_history",
        sa.Column("product_id", Id, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("imported_at", backorder.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("qty >= 0", name=op.f("ck_demand_history_qty_not_negative")),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_demand_history_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("product_id", "day", name=op.f("pk_demand_history")),
    )
    op.create_table(
        "demand_forecasts",
        sa.Column("product_id", Id, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("demand_version", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("std", sa.Float(), nullable=False),
        sa.Column("pattern", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("adi", sa.Float(), nullable=True),
        sa.Column("cv2", sa.Float(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("demand_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_demand_forecasts_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_demand_forecasts")),
    )
    with op.batch_alter_table("products") as batch_op:
        batch_op.add_column(
            sa.Column("demand_version", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("service_level", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("fill_rate", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("ordering_cost", sa.Numeric(precision=12, scale=2), nullable=True)
        )
        batch_op.add_column(sa.Column("holding_cost_rate", sa.Float(), nullable=True))
        for name, check in CHECKS.items():
            batch_op.create_check_constraint(op.f(f"ck_products_{name}"), check)
    op.create_index("ix_order_lines_product_placed", "order_lines", ["product_id", "placed_at"])
    op.drop_index(op.f("ix_order_lines_product_id"), table_name="order_lines")
    op.create_index("ix_receipts_supplier_created", "receipts", ["supplier_id", "created_at"])
    op.drop_index(op.f("ix_receipts_supplier_id"), table_name="receipts")


def downgrade() -> None:
    op.create_index(op.f("ix_receipts_supplier_id"), "receipts", ["supplier_id"])
    op.drop_index("ix_receipts_supplier_created", table_name="receipts")
    op.create_index(op.f("ix_order_lines_product_id"), "order_lines", ["product_id"])
    op.drop_index("ix_order_lines_product_placed", table_name="order_lines")
    with op.batch_alter_table("products") as batch_op:
        for name in CHECKS:
            batch_op.drop_constraint(op.f(f"ck_products_{name}"), type_="check")
        for column in (
            "holding_cost_rate",
            "ordering_cost",
            "fill_rate",
            "service_level",
            "demand_version",
        ):
            batch_op.drop_column(column)
    op.drop_table("demand_forecasts")
    op.drop_table("demand_history")
