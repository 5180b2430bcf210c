"""realtime: chat attachments (checked images stored on disk) and their link to messages

Revision ID: a60000000006
Revises: a50000000005
Create Date: 2026-11-23 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.db

revision: str = "a60000000006"
down_revision: str | None = "a50000000005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("uploader_customer_id", _ID, nullable=True),
        sa.Column("uploader_staff_id", _ID, nullable=True),
        sa.Column("message_id", _ID, nullable=True),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["uploader_customer_id"],
            ["customers.id"],
            name=op.f("fk_attachments_uploader_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["uploader_staff_id"],
            ["staff.id"],
            name=op.f("fk_attachments_uploader_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_attachments_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_attachments_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_attachments_storage_key")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attachments_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attachments_message_id"), ["message_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_attachments_uploader_customer_id"),
            ["uploader_customer_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_uploader_customer_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_message_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_workspace_id"))
    op.drop_table("attachments")
