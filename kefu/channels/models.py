"""Channels through which customers reach the shop."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base
from kefu.models_base import WorkspaceScoped, str_enum


class ChannelKind(enum.StrEnum):
    web_chat = "web_chat"
    app = "app"
    email = "email"
    phone = "phone"
    web_form = "web_form"
    community = "community"
    api = "api"


class Channel(WorkspaceScoped, Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    kind: Mapped[ChannelKind] = mapped_column(str_enum(ChannelKind, "channel_kind"))
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
