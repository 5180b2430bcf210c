"""orders_aftersales: logistics, after-sales cases, refunds, price history, the shop link

Webhook deliveries (audit), effects (the outbox to the shop) and import jobs; `orders` gains the
shop's version, the reached-warehouse marker and the cancellation time.

Revision ID: a10000000001
Revises: 08680b9b221f
Create Date: 2026-11-23 18:20:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kefu.db

revision: str = "a10000000001"
down_revision: str | None = "08680b9b221f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _common(table: str) -> list[Any]:
    return [
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f(f"fk_{table}_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _ws_index(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_workspace_id"), table, ["workspace_id"], unique=False)


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("warehouse_at", kefu.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("cancelled_at", kefu.db.UTCDateTime(timezone=True), nullable=True)
        )

    op.create_table(
        "shipments",
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("tracking_no", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        *_common("shipments"),
        sa.UniqueConstraint(
            "workspace_id", "tracking_no", name=op.f("uq_shipments_workspace_id_tracking_no")
        ),
    )
    _ws_index("shipments")
    op.create_index("ix_shipments_ws_order", "shipments", ["workspace_id", "order_number"])

    op.create_table(
        "scan_events",
        sa.Column("tracking_no", sa.String(length=64), nullable=False),
        sa.Column("scan_id", sa.String(length=128), nullable=False),
        sa.Column(
            "code",
            _enum(
                "scan_code",
                "picked_up",
                "in_transit",
                "customs",
                "customs_cleared",
                "out_for_delivery",
                "delivered",
                "exception",
            ),
            nullable=False,
        ),
        sa.Column("occurred_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        *_common("scan_events"),
        sa.UniqueConstraint(
            "workspace_id",
            "tracking_no",
            "scan_id",
            name=op.f("uq_scan_events_workspace_id_tracking_no_scan_id"),
        ),
    )
    _ws_index("scan_events")

    op.create_table(
        "after_sales",
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("kind", _enum("after_sale_kind", "refund", "return_refund"), nullable=False),
        sa.Column(
            "status",
            _enum(
                "after_sale_status",
                "requested",
                "approved",
                "shipped_back",
                "received",
                "inspected",
                "refunded",
                "rejected",
                "cancelled",
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("photos", JSON, nullable=False),
        sa.Column("steps", JSON, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", ID, nullable=True),
        sa.Column("updated_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        *_common("after_sales"),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_after_sales_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint(
            "workspace_id", "number", name=op.f("uq_after_sales_workspace_id_number")
        ),
    )
    _ws_index("after_sales")
    op.create_index("ix_after_sales_ws_order", "after_sales", ["workspace_id", "order_number"])

    op.create_table(
        "refunds",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("order_item_id", ID, nullable=True),
        sa.Column("after_sale_id", ID, nullable=True),
        sa.Column(
            "kind", _enum("refund_kind", "refund", "price_protection", "cancel"), nullable=False
        ),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "status", _enum("refund_status", "pending", "confirmed", "failed"), nullable=False
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("confirmed_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        *_common("refunds"),
        sa.ForeignKeyConstraint(
            ["after_sale_id"],
            ["after_sales.id"],
            name=op.f("fk_refunds_after_sale_id_after_sales"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_refunds_workspace_id_key")),
    )
    _ws_index("refunds")
    op.create_index("ix_refunds_ws_order", "refunds", ["workspace_id", "order_number"])

    op.create_table(
        "price_points",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("effective_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("campaign", sa.String(length=64), nullable=False),
        *_common("price_points"),
        sa.UniqueConstraint(
            "workspace_id",
            "sku",
            "effective_at",
            name=op.f("uq_price_points_workspace_id_sku_effective_at"),
        ),
    )
    _ws_index("price_points")

    op.create_table(
        "shop_links",
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("previous_secret", sa.String(length=128), nullable=False),
        sa.Column("previous_until", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("api_url", sa.String(length=500), nullable=False),
        sa.Column("policy", JSON, nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        *_common("shop_links"),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_shop_links_workspace_id")),
    )
    _ws_index("shop_links")

    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.String(length=128), nullable=False),
        sa.Column("accepted_id", sa.String(length=128), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column(
            "outcome",
            _enum("delivery_outcome", "applied", "duplicate", "stale", "rejected"),
            nullable=False,
        ),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        *_common("webhook_deliveries"),
        sa.UniqueConstraint(
            "workspace_id",
            "accepted_id",
            name=op.f("uq_webhook_deliveries_workspace_id_accepted_id"),
        ),
    )
    _ws_index("webhook_deliveries")
    op.create_index("ix_webhook_deliveries_ws_id", "webhook_deliveries", ["workspace_id", "id"])

    op.create_table(
        "effects",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column(
            "kind", _enum("effect_kind", "refund", "address_change", "cancel"), nullable=False
        ),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column(
            "status", _enum("effect_status", "pending", "delivered", "failed"), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("next_attempt_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        *_common("effects"),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_effects_workspace_id_key")),
    )
    _ws_index("effects")
    op.create_index("ix_effects_ws_status_id", "effects", ["workspace_id", "status", "id"])
    op.create_index("ix_effects_status_due", "effects", ["status", "next_attempt_at"])

    op.create_table(
        "order_imports",
        sa.Column("status", _enum("import_status", "queued", "running", "done"), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("rows", JSON, nullable=False),
        sa.Column("errors", JSON, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("finished_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        *_common("order_imports"),
    )
    _ws_index("order_imports")


def downgrade() -> None:
    for table, extra in (
        ("order_imports", ()),
        ("effects", ("ix_effects_ws_status_id", "ix_effects_status_due")),
        ("webhook_deliveries", ("ix_webhook_deliveries_ws_id",)),
        ("shop_links", ()),
        ("price_points", ()),
        ("refunds", ("ix_refunds_ws_order",)),
        ("after_sales", ("ix_after_sales_ws_order",)),
        ("scan_events", ()),
        ("shipments", ("ix_shipments_ws_order",)),
    ):
        for index in extra:
            op.drop_index(index, table_name=table)
        op.drop_index(op.f(f"ix_{table}_workspace_id"), table_name=table)
        op.drop_table(table)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("warehouse_at")
        batch_op.drop_column("version")
