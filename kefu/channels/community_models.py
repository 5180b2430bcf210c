"""Community groups (社群): group chats we watch, what members said there, topic storms."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, BigId
from kefu.models_base import WorkspaceScoped


class CommunityGroup(WorkspaceScoped, Base):
    __tablename__ = "community_groups"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id", "external_id"),)

    channel_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(120), default="")
    # Group policy: post a neutral notice back when after-sales talk is taken private.
    post_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    notice_text: Mapped[str] = mapped_column(String(500), default="")


class CommunityMessage(WorkspaceScoped, Base):
    __tablename__ = "community_messages"
    __table_args__ = (
        UniqueConstraint("group_id", "external_id"),
        Index("ix_community_messages_group_topic_at", "group_id", "topic", "sent_at"),
    )

    group_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("community_groups.id", ondelete="CASCADE")
    )
    external_id: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String(32), default="")  # "" when not after-sales
    sent_at: Mapped[datetime]
    invitation_conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL"), default=None
    )


class CommunityStorm(WorkspaceScoped, Base):
    """Many members raising one topic in one group within minutes: the supervisor is alerted."""

    __tablename__ = "community_storms"
    __table_args__ = (Index("ix_community_storms_group_topic", "group_id", "topic"),)

    group_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("community_groups.id", ondelete="CASCADE")
    )
    topic: Mapped[str] = mapped_column(String(32))
    members: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    last_at: Mapped[datetime]
