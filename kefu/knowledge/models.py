"""Knowledge base: FAQ entries and articles, their versions, suggestion usage, the KB revision.

Full-text search is not described here: SQLite keeps an FTS5 table `kb_fts` (external content on
`kb_entries`, kept in sync by triggers) and PostgreSQL a GIN index over `to_tsvector('simple', …)`
of the two `search_*` columns; both are created by the knowledge migration (see search.py).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu import clock
from kefu.db import Base, BigId, JSONDoc
from kefu.models_base import WorkspaceScoped, str_enum


class EntryKind(enum.StrEnum):
    faq = "faq"  # a question with paraphrases and an answer: the bot answers with it
    article = "article"  # a longer text: searched and suggested, titled by `question`


class EntryStatus(enum.StrEnum):
    draft = "draft"  # being written: searchable by staff, never answers customers
    published = "published"


class KbEntry(WorkspaceScoped, Base):
    __tablename__ = "kb_entries"
    __table_args__ = (
        Index("ix_kb_entries_ws_status_id", "workspace_id", "status", "id"),
        # One live entry per question: import and export match entries by question. The text
        # itself is indexed, not a hash: VARCHAR(300) is at most 1,200 bytes in UTF-8, well under
        # PostgreSQL's btree entry limit (~2,700 bytes); a question much longer would need one.
        Index(
            "uq_kb_entries_live_question",
            "workspace_id",
            "question",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )

    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, "kb_entry_kind"))
    status: Mapped[EntryStatus] = mapped_column(
        str_enum(EntryStatus, "kb_entry_status"), default=EntryStatus.draft
    )
    question: Mapped[str] = mapped_column(String(300))
    paraphrases: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    # Sanitised HTML. `answer` is the default; chat and email variants fall back to it when empty.
    answer: Mapped[str] = mapped_column(Text)
    answer_chat: Mapped[str] = mapped_column(Text, default="")
    answer_email: Mapped[str] = mapped_column(Text, default="")
    campaign: Mapped[str] = mapped_column(String(64), default="", index=True)
    # Outside [valid_from, valid_until) the entry does not answer (a campaign's rules expire).
    valid_from: Mapped[datetime | None] = mapped_column(default=None)
    valid_until: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # jieba-segmented, space-joined tokens: what the full-text index reads.
    search_question: Mapped[str] = mapped_column(Text, default="")
    search_body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    tag_rows: Mapped[list[KbEntryTag]] = relationship(
        cascade="all, delete-orphan", order_by="KbEntryTag.tag", lazy="selectin"
    )

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]

    def valid_at(self, at: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or at < self.valid_until
        )


class KbEntryTag(Base):
    __tablename__ = "kb_entry_tags"

    entry_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("kb_entries.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class KbVersion(WorkspaceScoped, Base):
    """The content of an entry as one edit left it; version 1 is the create."""

    __tablename__ = "kb_versions"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("kb_entries.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    author_kind: Mapped[str] = mapped_column(String(16))
    author_staff_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    content: Mapped[dict[str, Any]] = mapped_column()


class KbUse(WorkspaceScoped, Base):
    """An agent inserted a suggested answer into a conversation: the ranking's prior."""

    __tablename__ = "kb_uses"

    entry_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("kb_entries.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="SET NULL"), default=None
    )
    staff_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )


class KbRevision(WorkspaceScoped, Base):
    """A counter every KB edit of the workspace bumps: in-process answer indexes key on it."""

    __tablename__ = "kb_revisions"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Random per bump: a counter alone could repeat after a rolled-back edit or a recreated
    # workspace, and a cached index must never be taken for another state of the KB.
    token: Mapped[str] = mapped_column(String(32))
