"""Handoffs to internal teams and external parties, the escalation ladder, staff notifications."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, BigId
from kefu.models_base import WorkspaceScoped, str_enum


class HandoffStatus(enum.StrEnum):
    open = "open"
    answered = "answered"
    cancelled = "cancelled"


class Handoff(WorkspaceScoped, Base):
    """The owner asks a team or an external party a question with an internal due time (OLA).

    The owner keeps the ticket and stays the customer's one face; the assignee only answers.
    """

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_ws_status_due", "workspace_id", "status", "due_at"),)

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    asked_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL")
    )
    team_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    party_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("parties.id", ondelete="SET NULL"), default=None
    )
    question: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[HandoffStatus] = mapped_column(
        str_enum(HandoffStatus, "handoff_status"), default=HandoffStatus.open
    )
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_by: Mapped[str] = mapped_column(
        String(200), default=""
    )  # "staff:12" or a contact's name
    # The external party's portal link: only its hash is kept; it expires.
    portal_token_hash: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    portal_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    chase_count: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)


class EscalationLevel(WorkspaceScoped, Base):
    """One rung of the workspace's ladder: owner → team lead → supervisor → CX manager …"""

    __tablename__ = "escalation_levels"
    __table_args__ = (UniqueConstraint("workspace_id", "level"),)

    level: Mapped[int] = mapped_column(Integer)  # 1 = first step above the owner
    name: Mapped[str] = mapped_column(String(120))
    # The named senior responder; "owner's team lead" when empty and the rung says so.
    responder_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    use_team_lead: Mapped[bool] = mapped_column(default=False)
    # How fast this rung answers the customer (the promise it makes), in business minutes.
    respond_within_minutes: Mapped[int] = mapped_column(Integer, default=120)


class Escalation(WorkspaceScoped, Base):
    __tablename__ = "escalations"

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(
        String(64)
    )  # sla_breach, promise_breach, handoff_overdue, …
    reason: Mapped[str] = mapped_column(String(1000), default="")
    responder_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL")
    )
    promise_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("promises.id", ondelete="SET NULL"), default=None
    )
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Notification(WorkspaceScoped, Base):
    """Something a staff member must see: a customer message on their ticket, a breach, an answer."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_staff_unread", "staff_id", "read_at", "id"),)

    staff_id: Mapped[int] = mapped_column(BigId, ForeignKey("staff.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(BigId, default=None)
    text: Mapped[str] = mapped_column(String(1000))
    read_at: Mapped[datetime | None] = mapped_column(default=None)
