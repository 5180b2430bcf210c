"""Canned replies (macros) an agent inserts into a reply, with {variables} filled in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu import clock
from kefu.db import Base, BigId
from kefu.models_base import WorkspaceScoped


class Macro(WorkspaceScoped, Base):
    __tablename__ = "macros"
    # The shortcut is what an agent types after "/" in the reply box: one per workspace.
    __table_args__ = (UniqueConstraint("workspace_id", "shortcut"),)

    shortcut: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
