"""SLA policies, the per-ticket state of each target, and the promise ledger."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, BigId
from kefu.models_base import WorkspaceScoped, str_enum


class Target(enum.StrEnum):
    first_response = "first_response"  # first human reply; a bot reply does not count
    next_response = "next_response"  # a human reply after each customer message
    update_cadence = "update_cadence"  # the customer hears from us at least this often while open
    resolution = "resolution"


class TargetStatus(enum.StrEnum):
    running = "running"
    paused = "paused"  # waiting on the customer: the clock stops
    met = "met"
    breached = "breached"  # stays breached; a later reply records met_at too
    cancelled = "cancelled"


class SlaPolicy(WorkspaceScoped, Base):
    """Matched in `position` order against a ticket; the first match applies."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # {"priority": ["P1"], "tier": ["vip2"], "channel_kind": ["phone"], "type_key": [...],
    #  "category": [...], "tags": [...]} — AND across keys, OR within one; {} matches every ticket.
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {"preset": "back_office"} or {"timezone": ..., "hours": {"mon": "09:00-18:00", ...}, "strict": false}
    calendar: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {"first_response": {"minutes": 180, "clock": "business"}, "update_cadence": {...}, ...}
    targets: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Warn the owner when this share of a target's window has passed.
    warn_at: Mapped[float] = mapped_column(default=0.75)
    source: Mapped[str] = mapped_column(String(500), default="")
    as_of: Mapped[str] = mapped_column(String(10), default="")


class TicketTarget(WorkspaceScoped, Base):
    """One SLA target of one ticket: its window, pauses, and whether it was met or breached."""

    __tablename__ = "ticket_targets"
    __table_args__ = (
        UniqueConstraint("ticket_id", "target"),
        Index("ix_ticket_targets_ws_status", "workspace_id", "status"),
    )

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    policy_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("sla_policies.id", ondelete="SET NULL"), default=None
    )
    target: Mapped[Target] = mapped_column(str_enum(Target, "sla_target"))
    business: Mapped[bool] = mapped_column(Boolean, default=True)
    budget_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[TargetStatus] = mapped_column(str_enum(TargetStatus, "sla_target_status"))
    cycle: Mapped[int] = mapped_column(Integer, default=1)  # next_response / cadence restart
    started_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column(default=None)  # None while paused
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)  # rests on uncovered years
    paused_at: Mapped[datetime | None] = mapped_column(default=None)
    remaining_seconds: Mapped[int | None] = mapped_column(
        Integer, default=None
    )  # kept while paused
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)  # wall-clock time spent paused
    warned_at: Mapped[datetime | None] = mapped_column(default=None)
    met_at: Mapped[datetime | None] = mapped_column(default=None)
    breached_at: Mapped[datetime | None] = mapped_column(default=None)


class PromiseKind(enum.StrEnum):
    callback = "callback"
    update = "update"
    refund = "refund"
    shipment = "shipment"
    replacement = "replacement"
    other = "other"


class PromiseStatus(enum.StrEnum):
    open = "open"
    kept = "kept"
    broken = "broken"
    cancelled = "cancelled"


class Promise(WorkspaceScoped, Base):
    """Something we told a customer we would do by a time — tracked like money owed."""

    __tablename__ = "promises"
    __table_args__ = (Index("ix_promises_ws_status_due", "workspace_id", "status", "due_at"),)

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), default=None, index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL"), default=None
    )
    made_by_kind: Mapped[str] = mapped_column(String(16))  # staff, bot, system
    made_by_id: Mapped[int | None] = mapped_column(BigId, default=None)
    # The accountable person: the ticket's owner when the promise was made (or its maker).
    owner_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None, index=True
    )
    kind: Mapped[PromiseKind] = mapped_column(str_enum(PromiseKind, "promise_kind"))
    text: Mapped[str] = mapped_column(String(1000))
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[PromiseStatus] = mapped_column(
        str_enum(PromiseStatus, "promise_status"), default=PromiseStatus.open
    )
    # Where the customer is told about it (and about a breach): a conversation, else their last one.
    notify_channel: Mapped[str] = mapped_column(String(32), default="")
    kept_at: Mapped[datetime | None] = mapped_column(default=None)
    kept_by: Mapped[str] = mapped_column(
        String(120), default=""
    )  # what kept it: "message:123", "manual"
    broken_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    # A broken promise is followed by a new one with the new ETA; it points back here.
    replaces_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("promises.id", ondelete="SET NULL"), default=None
    )
