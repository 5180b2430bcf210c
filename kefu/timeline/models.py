"""The append-only event log: the timelines of customers, conversations and tickets; the outbox.

An event is written in the same transaction as the change it describes. `dispatched_at` stays
empty until in-process subscribers have seen it, so an event whose process died between commit
and dispatch is dispatched at the next start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from kefu import clock
from kefu.db import Base, BigId
from kefu.models_base import IdMixin


class Event(IdMixin, Base):
    __tablename__ = "events"
    __table_args__ = (
        # The outbox sweep reads only undispatched rows; a partial index keeps it small.
        Index(
            "ix_events_pending",
            "id",
            postgresql_where=text("dispatched_at IS NULL"),
            sqlite_where=text("dispatched_at IS NULL"),
        ),
    )

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff, customer, bot, system
    actor_id: Mapped[int | None] = mapped_column(BigId, default=None)
    # What the event is about; a timeline reads by any of these.
    # No foreign keys: the log outlives the rows.
    customer_id: Mapped[int | None] = mapped_column(BigId, default=None, index=True)
    conversation_id: Mapped[int | None] = mapped_column(BigId, default=None, index=True)
    ticket_id: Mapped[int | None] = mapped_column(BigId, default=None, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dispatched_at: Mapped[datetime | None] = mapped_column(default=None)
