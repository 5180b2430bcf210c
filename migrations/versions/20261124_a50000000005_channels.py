"""channels: e-mail by Message-ID, call records and callbacks, community groups, merge suggestions

Revision ID: a50000000005
Revises: a40000000004
Create Date: 2026-11-23 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kefu.db

revision: str = "a50000000005"
down_revision: str | None = "a40000000004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_records",
        sa.Column(
            "channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "direction",
            sa.Enum("inbound", "outbound", name="call_direction", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "answered",
                "missed",
                "dropped_in_queue",
                "voicemail",
                name="call_outcome",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("started_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("wait_s", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("recording_url", sa.String(length=500), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["staff.id"],
            name=op.f("fk_call_records_agent_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_call_records_channel_id_channels"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_call_records_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_call_records_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_records")),
        sa.UniqueConstraint(
            "workspace_id", "external_id", name=op.f("uq_call_records_workspace_id_external_id")
        ),
    )
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_records_channel_id"), ["channel_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_call_records_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_call_records_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "community_groups",
        sa.Column(
            "channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("post_notice", sa.Boolean(), nullable=False),
        sa.Column("notice_text", sa.String(length=500), nullable=False),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_community_groups_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_community_groups_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_groups")),
        sa.UniqueConstraint(
            "workspace_id",
            "channel_id",
            "external_id",
            name=op.f("uq_community_groups_workspace_id_channel_id_external_id"),
        ),
    )
    with op.batch_alter_table("community_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_groups_channel_id"), ["channel_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_community_groups_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "community_messages",
        sa.Column("group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("sent_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "invitation_conversation_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_community_messages_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["community_groups.id"],
            name=op.f("fk_community_messages_group_id_community_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_conversation_id"],
            ["conversations.id"],
            name=op.f("fk_community_messages_invitation_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_community_messages_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_messages")),
        sa.UniqueConstraint(
            "group_id", "external_id", name=op.f("uq_community_messages_group_id_external_id")
        ),
    )
    with op.batch_alter_table("community_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_messages_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_community_messages_group_topic_at", ["group_id", "topic", "sent_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_community_messages_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "community_storms",
        sa.Column("group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("started_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["community_groups.id"],
            name=op.f("fk_community_storms_group_id_community_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_community_storms_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_storms")),
    )
    with op.batch_alter_table("community_storms", schema=None) as batch_op:
        batch_op.create_index(
            "ix_community_storms_group_topic", ["group_id", "topic"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_community_storms_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "customer_merge_suggestions",
        sa.Column(
            "source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "target_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "phone",
                "email",
                "member_id",
                "app_user_id",
                "wechat_openid",
                "wechat_unionid",
                "weibo_id",
                name="identity_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("value_masked", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "accepted",
                "dismissed",
                name="merge_suggestion_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "decided_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("decided_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("merge_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff.id"],
            name=op.f("fk_customer_merge_suggestions_decided_by_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merge_id"],
            ["customer_merges.id"],
            name=op.f("fk_customer_merge_suggestions_merge_id_customer_merges"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["customers.id"],
            name=op.f("fk_customer_merge_suggestions_source_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["customers.id"],
            name=op.f("fk_customer_merge_suggestions_target_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_customer_merge_suggestions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_merge_suggestions")),
        sa.UniqueConstraint(
            "workspace_id",
            "source_id",
            "target_id",
            name=op.f("uq_customer_merge_suggestions_workspace_id_source_id_target_id"),
        ),
    )
    with op.batch_alter_table("customer_merge_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_merge_suggestions_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "callback_tasks",
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "widget",
                "ivr",
                "api",
                "dropped_call",
                name="callback_source",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open", "done", "cancelled", name="callback_status", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("due_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "promise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "from_call_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "kept_by_call_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("done_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_callback_tasks_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_callback_tasks_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["from_call_id"],
            ["call_records.id"],
            name=op.f("fk_callback_tasks_from_call_id_call_records"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["kept_by_call_id"],
            ["call_records.id"],
            name=op.f("fk_callback_tasks_kept_by_call_id_call_records"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["promise_id"],
            ["promises.id"],
            name=op.f("fk_callback_tasks_promise_id_promises"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_callback_tasks_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_tasks")),
    )
    with op.batch_alter_table("callback_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_callback_tasks_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_callback_tasks_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            "ix_callback_tasks_ws_status_due", ["workspace_id", "status", "due_at"], unique=False
        )

    op.create_table(
        "email_messages",
        sa.Column(
            "channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "direction",
            sa.Enum("inbound", "outbound", name="mail_direction", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "stored",
                "auto_reply",
                "bounce",
                "quarantined",
                "pending",
                "sent",
                "failed",
                "bounced",
                name="mail_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("rfc_message_id", sa.String(length=500), nullable=False),
        sa.Column("in_reply_to", sa.String(length=500), nullable=False),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("from_addr", sa.String(length=254), nullable=False),
        sa.Column("reply_to", sa.String(length=254), nullable=False),
        sa.Column("to_addrs", sa.String(length=1000), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column(
            "attachments",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("raw_path", sa.String(length=300), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("sent_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_email_messages_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_email_messages_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_email_messages_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_email_messages_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_messages")),
        sa.UniqueConstraint(
            "workspace_id",
            "direction",
            "rfc_message_id",
            name=op.f("uq_email_messages_workspace_id_direction_rfc_message_id"),
        ),
    )
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_email_messages_channel_id"), ["channel_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_email_messages_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_email_messages_message_id"), ["message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_email_messages_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            "ix_email_messages_ws_rfc", ["workspace_id", "rfc_message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_email_messages_ws_rfc")
        batch_op.drop_index(batch_op.f("ix_email_messages_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_email_messages_message_id"))
        batch_op.drop_index(batch_op.f("ix_email_messages_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_email_messages_channel_id"))

    op.drop_table("email_messages")
    with op.batch_alter_table("callback_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_callback_tasks_ws_status_due")
        batch_op.drop_index(batch_op.f("ix_callback_tasks_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_callback_tasks_customer_id"))

    op.drop_table("callback_tasks")
    with op.batch_alter_table("customer_merge_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_merge_suggestions_workspace_id"))

    op.drop_table("customer_merge_suggestions")
    with op.batch_alter_table("community_storms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_storms_workspace_id"))
        batch_op.drop_index("ix_community_storms_group_topic")

    op.drop_table("community_storms")
    with op.batch_alter_table("community_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_messages_workspace_id"))
        batch_op.drop_index("ix_community_messages_group_topic_at")
        batch_op.drop_index(batch_op.f("ix_community_messages_customer_id"))

    op.drop_table("community_messages")
    with op.batch_alter_table("community_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_groups_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_community_groups_channel_id"))

    op.drop_table("community_groups")
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_records_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_call_records_customer_id"))
        batch_op.drop_index(batch_op.f("ix_call_records_channel_id"))

    op.drop_table("call_records")
