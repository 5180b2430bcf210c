"""kb_entries: one live entry per question and workspace (a partial unique index)

Revision ID: de0c8a909164
Revises: a90000000009
Create Date: 2026-12-08 10:00:00

The knowledge service refused a second live entry with the same question by looking first, which
two concurrent writers could both pass; from now on the database refuses it too.

A database may already hold such duplicates (from that race). None is deleted: in each group the
oldest entry (lowest id) keeps its question, and every later one is renamed
"<question> [重复/duplicate #<id>]" (cut to fit 300 characters). Its old question becomes one of
its paraphrases, so the bot matches it as before; the rename is a new version authored by
"system" whose note says why, and the workspace's KB revision is bumped so answer caches rebuild.
Staff find the renamed entries by searching for "duplicate" and merge or delete them. The
downgrade drops the index and leaves the names as they are.
"""

import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kefu.db

revision: str = "de0c8a909164"
down_revision: str | None = "a90000000009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, not imported: a migration must keep doing what it did when the modules change.
INDEX = "uq_kb_entries_live_question"
LIVE = sa.text("deleted_at IS NULL")
MAX_QUESTION = 300
MAX_PARAPHRASES = 50  # what the API accepts: one more and the entry could not be edited
NOTE = (
    "迁移：与 #{keep} 问题相同，已改名，原问题留作问法 / "
    "migration: same question as #{keep}, renamed; the old question kept as a paraphrase"
)
# The full-text tokens the suffix adds (the old question's are there already, as a paraphrase's).
SEARCH_TOKENS = "重复 duplicate"

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_entries = sa.table(
    "kb_entries",
    sa.column("id", sa.Integer),
    sa.column("workspace_id", sa.Integer),
    sa.column("question", sa.String),
    sa.column("paraphrases", _JSON),
    sa.column("search_question", sa.Text),
    sa.column("version", sa.Integer),
    sa.column("updated_at", kefu.db.UTCDateTime(timezone=True)),
    sa.column("deleted_at", kefu.db.UTCDateTime(timezone=True)),
)
_versions = sa.table(
    "kb_versions",
    sa.column("workspace_id", sa.Integer),
    sa.column("entry_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("author_kind", sa.String),
    sa.column("author_staff_id", sa.Integer),
    sa.column("note", sa.String),
    sa.column("content", _JSON),
    sa.column("created_at", kefu.db.UTCDateTime(timezone=True)),
)
_revisions = sa.table(
    "kb_revisions",
    sa.column("workspace_id", sa.Integer),
    sa.column("revision", sa.Integer),
    sa.column("token", sa.String),
)


def upgrade() -> None:
    _rename_duplicates(op.get_bind(), datetime.now(UTC))
    op.create_index(
        INDEX,
        "kb_entries",
        ["workspace_id", "question"],
        unique=True,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="kb_entries", postgresql_where=LIVE, sqlite_where=LIVE)


def _rename_duplicates(conn: sa.Connection, now: datetime) -> None:
    e = _entries.c
    live = e.deleted_at.is_(None)
    groups = (
        sa.select(e.workspace_id, e.question)
        .where(live)
        .group_by(e.workspace_id, e.question)
        .having(sa.func.count() > 1)
        .subquery()
    )
    rows = conn.execute(
        sa.select(e.id, e.workspace_id, e.question, e.paraphrases, e.search_question, e.version)
        .join(
            groups,
            sa.and_(e.workspace_id == groups.c.workspace_id, e.question == groups.c.question),
        )
        .where(live)
        .order_by(e.workspace_id, e.question, e.id)
    ).all()
    if not rows:
        return
    workspaces = sorted({r.workspace_id for r in rows})
    taken: dict[int, set[str]] = defaultdict(set)
    for ws, question in conn.execute(
        sa.select(e.workspace_id, e.question).where(live, e.workspace_id.in_(workspaces))
    ):
        taken[ws].add(question)
    keep: dict[tuple[int, str], int] = {}
    for row in rows:
        first = keep.setdefault((row.workspace_id, row.question), row.id)
        if first != row.id:
            name = _new_name(row.question, row.id, taken[row.workspace_id])
            taken[row.workspace_id].add(name)
            _rename(conn, row, name, keep=first, now=now)
    for ws in workspaces:
        conn.execute(
            sa.update(_revisions)
            .where(_revisions.c.workspace_id == ws)
            .values(revision=_revisions.c.revision + 1, token=secrets.token_hex(16))
        )


def _new_name(question: str, entry_id: int, taken: set[str]) -> str:
    # The id makes the name unique unless a live entry already bears it; then a counter does.
    n = 0
    while True:
        suffix = f" [重复/duplicate #{entry_id}{f'-{n}' if n else ''}]"
        name = question[: MAX_QUESTION - len(suffix)].rstrip() + suffix
        if name not in taken:
            return name
        n += 1


def _rename(conn: sa.Connection, row: Any, name: str, *, keep: int, now: datetime) -> None:
    paraphrases = list(row.paraphrases or [])
    if row.question not in paraphrases and len(paraphrases) < MAX_PARAPHRASES:
        paraphrases.append(row.question)
    latest = conn.scalar(
        sa.select(_versions.c.content).where(
            _versions.c.entry_id == row.id, _versions.c.number == row.version
        )
    )
    # Every entry has its versions (create writes the first); without one, only the rename.
    version = row.version if latest is None else row.version + 1
    conn.execute(
        sa.update(_entries)
        .where(_entries.c.id == row.id)
        .values(
            question=name,
            paraphrases=paraphrases,
            search_question=f"{row.search_question} {SEARCH_TOKENS}".strip(),
            version=version,
            updated_at=now,
        )
    )
    if latest is not None:
        conn.execute(
            sa.insert(_versions).values(
                workspace_id=row.workspace_id,
                entry_id=row.id,
                number=version,
                author_kind="system",
                author_staff_id=None,
                note=NOTE.format(keep=keep),
                content={**latest, "question": name, "paraphrases": paraphrases},
                created_at=now,
            )
        )
