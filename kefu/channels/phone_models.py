"""Calls from the call-centre system and the callbacks we owe customers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, BigId
from kefu.models_base import WorkspaceScoped, str_enum


class CallDirection(enum.StrEnum):
    inbound = "inbound"  # the customer called us
    outbound = "outbound"  # we called the customer (a callback, a follow-up)


class CallOutcome(enum.StrEnum):
    answered = "answered"
    missed = "missed"  # rang, nobody picked up
    dropped_in_queue = "dropped_in_queue"  # the customer hung up (or was cut off) while waiting
    voicemail = "voicemail"


class CallRecord(WorkspaceScoped, Base):
    __tablename__ = "call_records"
    # The call centre's own call id: a record posted twice is stored once.
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    channel_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("channels.id", ondelete="RESTRICT"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    direction: Mapped[CallDirection] = mapped_column(str_enum(CallDirection, "call_direction"))
    number: Mapped[str] = mapped_column(String(32))  # the customer's side, normalised
    outcome: Mapped[CallOutcome] = mapped_column(str_enum(CallOutcome, "call_outcome"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    wait_s: Mapped[int] = mapped_column(Integer, default=0)
    agent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    recording_url: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(String(2000), default="")


class CallbackStatus(enum.StrEnum):
    open = "open"
    done = "done"  # a later answered call to the customer kept it
    cancelled = "cancelled"


class CallbackSource(enum.StrEnum):
    widget = "widget"  # "call me back" in the chat widget or app
    ivr = "ivr"  # pressed a key in the phone menu instead of waiting
    api = "api"  # an agent or the shop's system asked for it
    dropped_call = "dropped_call"  # the call dropped while queuing: kefu owes the call


class CallbackTask(WorkspaceScoped, Base):
    """A call we owe: a promise with a due time, routed like a chat, kept by an answered call."""

    __tablename__ = "callback_tasks"
    __table_args__ = (Index("ix_callback_tasks_ws_status_due", "workspace_id", "status", "due_at"),)

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[str] = mapped_column(String(32))
    source: Mapped[CallbackSource] = mapped_column(str_enum(CallbackSource, "callback_source"))
    status: Mapped[CallbackStatus] = mapped_column(
        str_enum(CallbackStatus, "callback_status"), default=CallbackStatus.open
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    due_at: Mapped[datetime]
    promise_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("promises.id", ondelete="SET NULL"), default=None
    )
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL"), default=None
    )
    from_call_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("call_records.id", ondelete="SET NULL"), default=None
    )
    kept_by_call_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("call_records.id", ondelete="SET NULL"), default=None
    )
    done_at: Mapped[datetime | None] = mapped_column(default=None)
