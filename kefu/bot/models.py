"""A workspace's own intents and examples, learnt on top of kefu's built-in ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu import clock
from kefu.db import Base, BigId
from kefu.models_base import WorkspaceScoped


class BotIntent(WorkspaceScoped, Base):
    """An intent the shop taught the bot, or a built-in one it extends (same `name`) or turns off."""

    __tablename__ = "bot_intents"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(300), default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class IntentExample(WorkspaceScoped, Base):
    """One way a customer says it (any language; normalised only when the model is trained)."""

    __tablename__ = "bot_intent_examples"

    intent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("bot_intents.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(500))


class BotDialogue(WorkspaceScoped, Base):
    """The bot's side of one conversation: the flow it is in, the options it offered, its record.

    One row per conversation (the dialogue state of `kefu.bot.dialogue`); `state` is a small JSON
    document so a flow can add a slot without a migration.
    """

    __tablename__ = "bot_dialogues"
    __table_args__ = (UniqueConstraint("conversation_id"),)

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    # The customer asked for a human, or the bot handed over: it stays silent from then on.
    handed_off: Mapped[bool] = mapped_column(default=False)
    failed_turns: Mapped[int] = mapped_column(default=0)
    last_event_id: Mapped[int | None] = mapped_column(BigId, default=None)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
