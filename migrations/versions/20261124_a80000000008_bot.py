"""bot: a workspace's own intents and their examples; the dialogue state per conversation;
campaign explainers/quizzes and their completions

Revision ID: a80000000008
Revises: a70000000007
Create Date: 2026-11-23 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kefu.db

revision: str = "a80000000008"
down_revision: str | None = "a70000000007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _scoped(table: str) -> list[sa.Column | sa.Constraint]:  # type: ignore[type-arg]
    return [
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f(f"fk_{table}_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "bot_intents",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        *_scoped("bot_intents"),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_bot_intents_workspace_id_name")),
    )
    with op.batch_alter_table("bot_intents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bot_intents_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "bot_intent_examples",
        sa.Column("intent_id", _ID, nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        *_scoped("bot_intent_examples"),
        sa.ForeignKeyConstraint(
            ["intent_id"],
            ["bot_intents.id"],
            name=op.f("fk_bot_intent_examples_intent_id_bot_intents"),
            ondelete="CASCADE",
        ),
    )
    with op.batch_alter_table("bot_intent_examples", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bot_intent_examples_intent_id"), ["intent_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_bot_intent_examples_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "bot_dialogues",
        sa.Column("conversation_id", _ID, nullable=False),
        sa.Column("handed_off", sa.Boolean(), nullable=False),
        sa.Column("failed_turns", sa.Integer(), nullable=False),
        sa.Column("last_event_id", _ID, nullable=True),
        sa.Column("state", _JSON, nullable=False),
        sa.Column("updated_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        *_scoped("bot_dialogues"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_bot_dialogues_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_bot_dialogues_conversation_id")),
    )
    with op.batch_alter_table("bot_dialogues", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bot_dialogues_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "bot_campaigns",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("keywords", _JSON, nullable=False),
        sa.Column("content", _JSON, nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_until", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        *_scoped("bot_campaigns"),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_bot_campaigns_workspace_id_key")),
    )
    with op.batch_alter_table("bot_campaigns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bot_campaigns_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "bot_campaign_completions",
        sa.Column("campaign_id", _ID, nullable=False),
        sa.Column("campaign_version", sa.Integer(), nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("conversation_id", _ID, nullable=True),
        sa.Column("answers", _JSON, nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("max_score", sa.Integer(), nullable=False),
        *_scoped("bot_campaign_completions"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["bot_campaigns.id"],
            name=op.f("fk_bot_campaign_completions_campaign_id_bot_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_bot_campaign_completions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_bot_campaign_completions_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
    )
    with op.batch_alter_table("bot_campaign_completions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bot_campaign_completions_campaign_id_id", ["campaign_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_bot_campaign_completions_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_bot_campaign_completions_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("bot_campaign_completions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_campaign_completions_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_bot_campaign_completions_customer_id"))
        batch_op.drop_index("ix_bot_campaign_completions_campaign_id_id")
    op.drop_table("bot_campaign_completions")
    with op.batch_alter_table("bot_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_campaigns_workspace_id"))
    op.drop_table("bot_campaigns")
    with op.batch_alter_table("bot_dialogues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_dialogues_workspace_id"))
    op.drop_table("bot_dialogues")
    with op.batch_alter_table("bot_intent_examples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_intent_examples_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_bot_intent_examples_intent_id"))
    op.drop_table("bot_intent_examples")
    with op.batch_alter_table("bot_intents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_intents_workspace_id"))
    op.drop_table("bot_intents")
