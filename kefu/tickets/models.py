"""Ticket types with custom fields, tickets, and their links to conversations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu import clock
from kefu.db import Base, BigId
from kefu.models_base import WorkspaceScoped, str_enum


class TicketStatus(enum.StrEnum):
    new = "new"
    open = "open"
    pending_internal = "pending_internal"
    pending_customer = "pending_customer"
    resolved = "resolved"
    closed = "closed"


class Priority(enum.StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class TicketType(WorkspaceScoped, Base):
    __tablename__ = "ticket_types"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    # [{"key": "refund_amount", "label": "退款金额", "type": "number", "required": true}, …]
    fields: Mapped[list[dict[str, Any]]] = mapped_column(default=list)


class Ticket(WorkspaceScoped, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_tickets_ws_status_id", "workspace_id", "status", "id"),
    )

    number: Mapped[int] = mapped_column(Integer)
    type_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ticket_types.id", ondelete="RESTRICT"), default=None
    )
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(80), default="", index=True)
    priority: Mapped[Priority] = mapped_column(
        str_enum(Priority, "ticket_priority"), default=Priority.P3
    )
    status: Mapped[TicketStatus] = mapped_column(
        str_enum(TicketStatus, "ticket_status"), default=TicketStatus.new
    )
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="RESTRICT"), default=None, index=True
    )
    # 首问负责制: the first human who took the case, and who answers for it now.
    first_owner_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    owner_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None, index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    order_ref: Mapped[str] = mapped_column(String(64), default="", index=True)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    tag_rows: Mapped[list[TicketTag]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TicketTag.tag"
    )
    conversation_links: Mapped[list[TicketConversation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]

    @property
    def conversation_ids(self) -> list[int]:
        return sorted(link.conversation_id for link in self.conversation_links)


class TicketTag(Base):
    __tablename__ = "ticket_tags"

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class TicketConversation(Base):
    __tablename__ = "ticket_conversations"

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
