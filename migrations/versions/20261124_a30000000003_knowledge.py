"""knowledge: KB entries, tags, versions, suggestion usage, revisions, full-text index

Revision ID: a30000000003
Revises: a20000000002
Create Date: 2026-11-23 18:20:00

The full-text index is dialect-specific and not described by the models: an FTS5 table with
sync triggers on SQLite, a GIN expression index on PostgreSQL (kefu/knowledge/search.py holds
the DDL; migrations/env.py keeps those objects out of `alembic check`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kefu.db

revision: str = "a30000000003"
down_revision: str | None = "a20000000002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, not imported: a migration must keep doing what it did when the module changes.
_SQLITE_DDL = (
    "CREATE VIRTUAL TABLE kb_fts USING fts5("
    "search_question, search_body, content='kb_entries', content_rowid='id')",
    "CREATE TRIGGER kb_fts_ai AFTER INSERT ON kb_entries BEGIN "
    "INSERT INTO kb_fts(rowid, search_question, search_body) "
    "VALUES (new.id, new.search_question, new.search_body); END",
    "CREATE TRIGGER kb_fts_ad AFTER DELETE ON kb_entries BEGIN "
    "INSERT INTO kb_fts(kb_fts, rowid, search_question, search_body) "
    "VALUES ('delete', old.id, old.search_question, old.search_body); END",
    "CREATE TRIGGER kb_fts_au AFTER UPDATE OF search_question, search_body ON kb_entries BEGIN "
    "INSERT INTO kb_fts(kb_fts, rowid, search_question, search_body) "
    "VALUES ('delete', old.id, old.search_question, old.search_body); "
    "INSERT INTO kb_fts(rowid, search_question, search_body) "
    "VALUES (new.id, new.search_question, new.search_body); END",
)
_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS kb_fts_au",
    "DROP TRIGGER IF EXISTS kb_fts_ad",
    "DROP TRIGGER IF EXISTS kb_fts_ai",
    "DROP TABLE IF EXISTS kb_fts",
)
_PG_DDL = (
    "CREATE INDEX ix_kb_entries_search_tsv ON kb_entries USING gin (("
    "setweight(to_tsvector('simple'::regconfig, search_question), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, search_body), 'B')))",
)
_PG_DROP = ("DROP INDEX IF EXISTS ix_kb_entries_search_tsv",)

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _scoped_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("id", _ID, nullable=False),
    ]


def _scoped_constraints(table: str) -> list[sa.Constraint]:
    return [
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
        "kb_entries",
        sa.Column(
            "kind",
            sa.Enum("faq", "article", name="kb_entry_kind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("draft", "published", name="kb_entry_status", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("paraphrases", _JSON, nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answer_chat", sa.Text(), nullable=False),
        sa.Column("answer_email", sa.Text(), nullable=False),
        sa.Column("campaign", sa.String(length=64), nullable=False),
        sa.Column("valid_from", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_until", kefu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("search_question", sa.Text(), nullable=False),
        sa.Column("search_body", sa.Text(), nullable=False),
        sa.Column("updated_at", kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", kefu.db.UTCDateTime(timezone=True), nullable=True),
        *_scoped_columns(),
        *_scoped_constraints("kb_entries"),
    )
    with op.batch_alter_table("kb_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_entries_campaign"), ["campaign"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_kb_entries_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            "ix_kb_entries_ws_status_id", ["workspace_id", "status", "id"], unique=False
        )

    op.create_table(
        "kb_entry_tags",
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["kb_entries.id"],
            name=op.f("fk_kb_entry_tags_entry_id_kb_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "tag", name=op.f("pk_kb_entry_tags")),
    )
    with op.batch_alter_table("kb_entry_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_entry_tags_tag"), ["tag"], unique=False)

    op.create_table(
        "kb_versions",
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_kind", sa.String(length=16), nullable=False),
        sa.Column("author_staff_id", _ID, nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("content", _JSON, nullable=False),
        *_scoped_columns(),
        sa.ForeignKeyConstraint(
            ["author_staff_id"],
            ["staff.id"],
            name=op.f("fk_kb_versions_author_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["kb_entries.id"],
            name=op.f("fk_kb_versions_entry_id_kb_entries"),
            ondelete="CASCADE",
        ),
        *_scoped_constraints("kb_versions"),
        sa.UniqueConstraint("entry_id", "number", name=op.f("uq_kb_versions_entry_id_number")),
    )
    with op.batch_alter_table("kb_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_versions_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "kb_uses",
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("conversation_id", _ID, nullable=False),
        sa.Column("message_id", _ID, nullable=True),
        sa.Column("staff_id", _ID, nullable=True),
        *_scoped_columns(),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_kb_uses_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["kb_entries.id"],
            name=op.f("fk_kb_uses_entry_id_kb_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_kb_uses_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_kb_uses_staff_id_staff"), ondelete="SET NULL"
        ),
        *_scoped_constraints("kb_uses"),
    )
    with op.batch_alter_table("kb_uses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_uses_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_kb_uses_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kb_uses_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "kb_revisions",
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        *_scoped_columns(),
        *_scoped_constraints("kb_revisions"),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_kb_revisions_workspace_id")),
    )
    with op.batch_alter_table("kb_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_revisions_workspace_id"), ["workspace_id"], unique=False
        )

    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_DDL if sqlite else _PG_DDL:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_DROP if sqlite else _PG_DROP:
        op.execute(statement)
    op.drop_table("kb_revisions")
    op.drop_table("kb_uses")
    op.drop_table("kb_versions")
    op.drop_table("kb_entry_tags")
    op.drop_table("kb_entries")
