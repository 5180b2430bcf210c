"""workbench: macros (canned replies with variables)

Revision ID: a70000000007
Revises: a60000000006
Create Date: 2026-11-23 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.db

revision: str = "a70000000007"
down_revision: str | None = "a60000000006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "macros",
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("updated_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff.id"],
            name=op.f("fk_macros_created_by_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_macros_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_macros")),
        sa.UniqueConstraint(
            "workspace_id", "shortcut", name=op.f("uq_macros_workspace_id_shortcut")
        ),
    )
    with op.batch_alter_table("macros", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_macros_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("macros", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_macros_workspace_id"))
    op.drop_table("macros")
