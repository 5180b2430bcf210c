"""Conversations on a channel and the messages in them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, BigId, JSONDoc
from kefu.models_base import WorkspaceScoped, str_enum


class ConversationStatus(enum.StrEnum):
    open = "open"
    closed = "closed"


class Direction(enum.StrEnum):
    inbound = "inbound"  # from the customer
    outbound = "outbound"  # to the customer
    internal = "internal"  # a note among staff: never shown to the customer


class AuthorKind(enum.StrEnum):
    customer = "customer"
    agent = "agent"
    bot = "bot"
    system = "system"


class Conversation(WorkspaceScoped, Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_ws_status_last", "workspace_id", "status", "id"),)

    channel_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("channels.id", ondelete="RESTRICT"), index=True
    )
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[ConversationStatus] = mapped_column(
        str_enum(ConversationStatus, "conversation_status"), default=ConversationStatus.open
    )
    assignee_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None, index=True
    )
    message_count: Mapped[int] = mapped_column(default=0)
    last_message_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class Message(WorkspaceScoped, Base):
    __tablename__ = "messages"
    # A client that retries a send with the same client_msg_id gets the stored message back.
    __table_args__ = (UniqueConstraint("conversation_id", "client_msg_id"),)

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "message_direction"))
    author_kind: Mapped[AuthorKind] = mapped_column(str_enum(AuthorKind, "author_kind"))
    author_staff_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    body: Mapped[str] = mapped_column(Text)
    client_msg_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # Quick replies under a bot message ({"label", "reply"}), drawn as buttons by the chat widget:
    # a tap sends `reply` as the customer's message. The body says the same in words, so a
    # channel without buttons (mail, a group) loses nothing.
    actions: Mapped[list[dict[str, str]] | None] = mapped_column(JSONDoc, default=None)

    @property
    def is_internal(self) -> bool:
        return self.direction is Direction.internal
