"""compensation: versioned policy documents and grants, unique per case

Revision ID: a20000000002
Revises: a10000000001
Create Date: 2026-11-23 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kefu.db

revision: str = "a20000000002"
down_revision: str | None = "a10000000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
CASE_TYPES = (
    "late_shipment",
    "out_of_stock_after_payment",
    "lost_parcel",
    "damaged_parcel",
    "wrong_item",
    "price_drop",
    "broken_promise",
    "service_failure",
)
FAULTS = ("shop", "warehouse", "carrier", "supplier", "platform", "customer")
REMEDIES = ("voucher", "free_shipping", "partial_refund", "full_refund", "points", "replacement")
STATUSES = ("pending_approval", "granted", "rejected")


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "compensation_policies",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by_kind", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
        _fk("compensation_policies", "created_by_id", "staff", "SET NULL"),
        _fk("compensation_policies", "workspace_id", "workspaces", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compensation_policies")),
        sa.UniqueConstraint(
            "workspace_id", "version", name=op.f("uq_compensation_policies_workspace_id_version")
        ),
    )
    with op.batch_alter_table("compensation_policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compensation_policies_workspace_id"), ["workspace_id"], unique=False
        )

    g = "compensation_grants"
    op.create_table(
        g,
        sa.Column("case_key", sa.String(length=200), nullable=False),
        sa.Column("case_ref", sa.String(length=200), nullable=False),
        sa.Column("case_type", _enum(CASE_TYPES, "compensation_case_type"), nullable=False),
        sa.Column("fault", _enum(FAULTS, "compensation_fault"), nullable=False),
        sa.Column("remedy", _enum(REMEDIES, "compensation_remedy"), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", _enum(STATUSES, "compensation_grant_status"), nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("ticket_id", ID, nullable=True),
        sa.Column("conversation_id", ID, nullable=True),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("profile_key", sa.String(length=64), nullable=False),
        sa.Column("offer_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("requested_by_kind", sa.String(length=16), nullable=False),
        sa.Column("requested_by_id", ID, nullable=True),
        sa.Column("approver_id", ID, nullable=True),
        sa.Column("approval_due_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", ID, nullable=True),
        sa.Column("decided_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=False),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
        _fk(g, "customer_id", "customers", "RESTRICT"),
        _fk(g, "order_id", "orders", "SET NULL"),
        _fk(g, "ticket_id", "tickets", "SET NULL"),
        _fk(g, "conversation_id", "conversations", "SET NULL"),
        _fk(g, "requested_by_id", "staff", "SET NULL"),
        _fk(g, "approver_id", "staff", "SET NULL"),
        _fk(g, "decided_by_id", "staff", "SET NULL"),
        _fk(g, "workspace_id", "workspaces", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compensation_grants")),
        sa.UniqueConstraint(
            "workspace_id", "case_key", name=op.f("uq_compensation_grants_workspace_id_case_key")
        ),
    )
    with op.batch_alter_table(g, schema=None) as batch_op:
        for column in ("workspace_id", "customer_id", "order_id", "ticket_id", "conversation_id"):
            batch_op.create_index(batch_op.f(f"ix_{g}_{column}"), [column], unique=False)
        batch_op.create_index(
            "ix_compensation_grants_ws_customer_created",
            ["workspace_id", "customer_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_compensation_grants_ws_status_id", ["workspace_id", "status", "id"], unique=False
        )
        batch_op.create_index(
            "ix_compensation_grants_ws_case_ref", ["workspace_id", "case_ref"], unique=False
        )


def downgrade() -> None:
    g = "compensation_grants"
    with op.batch_alter_table(g, schema=None) as batch_op:
        batch_op.drop_index("ix_compensation_grants_ws_case_ref")
        batch_op.drop_index("ix_compensation_grants_ws_status_id")
        batch_op.drop_index("ix_compensation_grants_ws_customer_created")
        for column in ("conversation_id", "ticket_id", "order_id", "customer_id", "workspace_id"):
            batch_op.drop_index(batch_op.f(f"ix_{g}_{column}"))
    op.drop_table(g)
    with op.batch_alter_table("compensation_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compensation_policies_workspace_id"))
    op.drop_table("compensation_policies")
