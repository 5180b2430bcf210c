"""routing: agent presence and caps, per-workspace routing settings, the waiting queue

Revision ID: a40000000004
Revises: a30000000003
Create Date: 2026-11-23 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kefu.db

revision: str = "a40000000004"
down_revision: str | None = "a30000000003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_presence",
        sa.Column("staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "online", "away", "offline", name="presence_state", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("state_since", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_assigned_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "caps",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_agent_presence_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_agent_presence_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_presence")),
        sa.UniqueConstraint("staff_id", name=op.f("uq_agent_presence_staff_id")),
    )
    op.create_index(
        op.f("ix_agent_presence_workspace_id"), "agent_presence", ["workspace_id"], unique=False
    )
    op.create_table(
        "routing_settings",
        sa.Column(
            "caps",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sticky_days", sa.Integer(), nullable=False),
        sa.Column("overflow_after_s", sa.Integer(), nullable=False),
        sa.Column(
            "overflow",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("auto_away_after_min", sa.Integer(), nullable=False),
        sa.Column("senior_level", sa.Integer(), nullable=False),
        sa.Column(
            "default_team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "vip_tiers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("vip_skill", sa.String(length=80), nullable=False),
        sa.Column("route_on_customer_message", sa.Boolean(), nullable=False),
        sa.Column("updated_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["default_team_id"],
            ["teams.id"],
            name=op.f("fk_routing_settings_default_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_routing_settings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_settings")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_routing_settings_workspace_id")),
    )
    op.create_index(
        op.f("ix_routing_settings_workspace_id"), "routing_settings", ["workspace_id"], unique=False
    )
    op.create_table(
        "queue_entries",
        sa.Column(
            "conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "assigned",
                "cancelled",
                name="queue_entry_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("channel_class", sa.String(length=16), nullable=False),
        sa.Column("senior", sa.Boolean(), nullable=False),
        sa.Column(
            "needs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("enqueued_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("overflow_hops", sa.Integer(), nullable=False),
        sa.Column(
            "assigned_to_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("left_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"],
            ["staff.id"],
            name=op.f("fk_queue_entries_assigned_to_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_queue_entries_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_queue_entries_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_queue_entries_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_entries")),
    )
    op.create_index(
        op.f("ix_queue_entries_conversation_id"), "queue_entries", ["conversation_id"], unique=False
    )
    op.create_index(
        "ix_queue_entries_waiting",
        "queue_entries",
        ["workspace_id", "status", "priority", "enqueued_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_queue_entries_workspace_id"), "queue_entries", ["workspace_id"], unique=False
    )
    op.create_index(
        "uq_queue_entries_one_waiting",
        "queue_entries",
        ["conversation_id"],
        unique=True,
        postgresql_where=sa.text("status = 'waiting'"),
        sqlite_where=sa.text("status = 'waiting'"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_queue_entries_one_waiting",
        table_name="queue_entries",
        postgresql_where=sa.text("status = 'waiting'"),
        sqlite_where=sa.text("status = 'waiting'"),
    )
    op.drop_index(op.f("ix_queue_entries_workspace_id"), table_name="queue_entries")
    op.drop_index("ix_queue_entries_waiting", table_name="queue_entries")
    op.drop_index(op.f("ix_queue_entries_conversation_id"), table_name="queue_entries")
    op.drop_table("queue_entries")
    op.drop_index(op.f("ix_routing_settings_workspace_id"), table_name="routing_settings")
    op.drop_table("routing_settings")
    op.drop_index(op.f("ix_agent_presence_workspace_id"), table_name="agent_presence")
    op.drop_table("agent_presence")
