"""A workspace's own intents and examples, learnt on top of kefu's built-in ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu import clock
from kefu.db import Base, BigId, JSONDoc
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


class BotCampaign(WorkspaceScoped, Base):
    """A campaign's interactive explainer or quiz (seed 004's 剧本杀): steps with numbered options.

    `content` is `{"intro": str, "steps": [{"text": str, "options": [{"text", "correct",
    "feedback"}]}], "done": str}`; a step without a correct option explains and is not scored.
    `version` moves with every content change, so a completion says which quiz was answered. Like
    a campaign's KB entries, it is offered only inside [valid_from, valid_until).
    """

    __tablename__ = "bot_campaigns"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    key: Mapped[str] = mapped_column(String(64))  # e.g. "double11-2026"; KbEntry.campaign too
    title: Mapped[str] = mapped_column(String(120))
    # Words that make a customer's message about the campaign ("双11", "尾款", "Double 11").
    keywords: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    published: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    valid_from: Mapped[datetime | None] = mapped_column(default=None)
    valid_until: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())

    def valid_at(self, at: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or at < self.valid_until
        )


class BotCampaignCompletion(WorkspaceScoped, Base):
    """A customer went through a campaign's quiz to the end: the answers and the score."""

    __tablename__ = "bot_campaign_completions"
    __table_args__ = (Index("ix_bot_campaign_completions_campaign_id_id", "campaign_id", "id"),)

    campaign_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("bot_campaigns.id", ondelete="CASCADE")
    )
    campaign_version: Mapped[int] = mapped_column()
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL"), default=None
    )
    # [{"step": 0, "option": 1, "correct": true | false | null}, …] (null: an explainer step)
    answers: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    score: Mapped[int] = mapped_column(default=0)
    max_score: Mapped[int] = mapped_column(default=0)
