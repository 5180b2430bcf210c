"""Every e-mail in or out, by its Message-ID: how threads are found and replies are threaded."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, BigId
from kefu.models_base import WorkspaceScoped, str_enum


class MailDirection(enum.StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class MailStatus(enum.StrEnum):
    stored = "stored"  # inbound, became a message in a conversation
    auto_reply = "auto_reply"  # inbound, an out-of-office or other automatic answer: no ticket
    bounce = "bounce"  # inbound delivery-status notification: marks our outbound bounced
    quarantined = "quarantined"  # inbound we could not read safely: raw bytes kept inert
    pending = "pending"  # outbound, waiting for the relay
    sent = "sent"
    failed = "failed"  # outbound the relay refused for good
    bounced = "bounced"  # outbound that came back undelivered


class EmailMessage(WorkspaceScoped, Base):
    __tablename__ = "email_messages"
    # A sending server that retries delivers the same Message-ID again: stored once.
    __table_args__ = (
        UniqueConstraint("workspace_id", "direction", "rfc_message_id"),
        Index("ix_email_messages_ws_rfc", "workspace_id", "rfc_message_id"),
    )

    channel_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL"), default=None, index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="SET NULL"), default=None, index=True
    )
    direction: Mapped[MailDirection] = mapped_column(str_enum(MailDirection, "mail_direction"))
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus, "mail_status"))
    rfc_message_id: Mapped[str] = mapped_column(String(500))
    in_reply_to: Mapped[str] = mapped_column(String(500), default="")
    references: Mapped[str] = mapped_column(Text, default="")
    from_addr: Mapped[str] = mapped_column(String(254), default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")  # where answers go, if not From
    to_addrs: Mapped[str] = mapped_column(String(1000), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    html_body: Mapped[str] = mapped_column(Text, default="")  # sanitised (nh3)
    # [{"name", "content_type", "size", "sha256", "stored": bool, "reason"}]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    size: Mapped[int] = mapped_column(Integer, default=0)
    raw_path: Mapped[str] = mapped_column(String(300), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
