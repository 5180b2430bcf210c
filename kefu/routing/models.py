"""Routing rows: per-workspace settings, each agent's presence and caps, the waiting queue.

Nothing about routing lives only in memory: a waiting conversation is a `QueueEntry` row, an agent's
state a `AgentPresence` row; any in-memory index is rebuilt from these rows.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from kefu import clock
from kefu.db import Base, BigId, JSONDoc
from kefu.models_base import WorkspaceScoped, str_enum


class Presence(enum.StrEnum):
    online = "online"
    away = "away"
    offline = "offline"


class EntryStatus(enum.StrEnum):
    waiting = "waiting"
    assigned = "assigned"
    cancelled = "cancelled"  # closed, assigned by hand, or taken by another channel


class RoutingSettings(WorkspaceScoped, Base):
    """One row per workspace once an admin saves settings; defaults (rules.DEFAULTS) until then."""

    __tablename__ = "routing_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    caps: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"chat": 8, "call": 1, ...}
    sticky_days: Mapped[int] = mapped_column(Integer, default=7)
    overflow_after_s: Mapped[int] = mapped_column(Integer, default=300)
    # [{"team_id": 1, "to_team_id": 2}, ...]: where a team's waiting conversations overflow to.
    overflow: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    auto_away_after_min: Mapped[int] = mapped_column(Integer, default=15)
    senior_level: Mapped[int] = mapped_column(Integer, default=4)
    default_team_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    vip_tiers: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    vip_skill: Mapped[str] = mapped_column(String(80), default="VIP")
    route_on_customer_message: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class AgentPresence(WorkspaceScoped, Base):
    """An agent's routing state: online/away/offline, last activity, last assignment, cap overrides."""

    __tablename__ = "agent_presence"
    __table_args__ = (UniqueConstraint("staff_id"),)

    staff_id: Mapped[int] = mapped_column(BigId, ForeignKey("staff.id", ondelete="CASCADE"))
    state: Mapped[Presence] = mapped_column(
        str_enum(Presence, "presence_state"), default=Presence.offline
    )
    state_since: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)
    last_assigned_at: Mapped[datetime | None] = mapped_column(default=None)
    caps: Mapped[dict[str, Any]] = mapped_column(default=dict)  # overrides of the workspace caps


class QueueEntry(WorkspaceScoped, Base):
    """A conversation waiting for a human, in a team's queue (team None: anyone may take it)."""

    __tablename__ = "queue_entries"
    __table_args__ = (
        Index("ix_queue_entries_waiting", "workspace_id", "status", "priority", "enqueued_at"),
        # A conversation waits in one queue at a time.
        Index(
            "uq_queue_entries_one_waiting",
            "conversation_id",
            unique=True,
            postgresql_where=text("status = 'waiting'"),
            sqlite_where=text("status = 'waiting'"),
        ),
    )

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[EntryStatus] = mapped_column(
        str_enum(EntryStatus, "queue_entry_status"), default=EntryStatus.waiting
    )
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher is served first
    # Copied out of `needs` so that an agent's pull skips in SQL what they could never take.
    channel_class: Mapped[str] = mapped_column(String(16), default="chat")
    senior: Mapped[bool] = mapped_column(Boolean, default=False)
    needs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str] = mapped_column(String(64), default="")
    enqueued_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    overflow_hops: Mapped[int] = mapped_column(Integer, default=0)
    assigned_to_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    left_at: Mapped[datetime | None] = mapped_column(default=None)
