"""One bot turn: who is talking, in which language, and what the bot says and does."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.bot.dialogue.texts import buttons, say
from kefu.bot.models import BotDialogue
from kefu.bot.nlu import entities
from kefu.conversations.models import Conversation
from kefu.orders import shop
from kefu.sla import outreach

LOG_KEEP = 12  # what the bot said and did, kept for the handoff summary
PENDING_TTL = timedelta(minutes=30)  # how long "1"/"2" still answers what the bot offered


@dataclass
class Turn:
    session: Session
    conv: Conversation
    dialogue: BotDialogue
    text: str  # the customer's message: capped, simplified
    lang: str
    replies: list[str] = field(default_factory=list)
    # Quick replies under the reply at that index (the options it lists), for the chat widget.
    buttons: dict[int, list[dict[str, str]]] = field(default_factory=dict)
    handed_over: bool = False

    @property
    def bot(self) -> Actor:
        return Actor(kind="bot", workspace_id=self.conv.workspace_id)

    @property
    def customer(self) -> Actor:
        """The verified customer: every order the bot touches is reached as them (own orders)."""
        return Actor.customer(self.conv.workspace_id, self.conv.customer_id)

    @cached_property
    def entity_config(self) -> entities.EntityConfig:
        """The shop's order-number pattern and time zone, as its entities are read."""
        pattern = shop.policy(self.session, self.conv.workspace_id).order_number_pattern
        return entities.EntityConfig(
            order_pattern=pattern or entities.DEFAULT_ORDER_PATTERN,
            timezone=outreach.workspace_zone(self.session, self.conv.workspace_id).key,
        )

    @cached_property
    def order_numbers(self) -> list[str]:
        """The order numbers in the message, read once a turn (the engine and the flow ask)."""
        return entities.order_numbers(self.text, config=self.entity_config)

    @cached_property
    def typed(self) -> str:
        """The text as an answer to options is read: full-width digits and letters (what a Chinese
        input method types in its full-width mode, "１") as ASCII, circled numbers as digits."""
        return unicodedata.normalize("NFKC", self.text)

    @property
    def state(self) -> dict[str, Any]:
        return self.dialogue.state

    def set(self, **values: Any) -> None:
        # A new dict, so the JSON column sees the change.
        self.dialogue.state = {**self.dialogue.state, **values}

    def reply(self, text: str) -> None:
        self.replies.append(text)

    def say(self, key: str, **values: object) -> None:
        self.reply(say(self.lang, key, **values))

    def log(self, entry: str) -> None:
        self.set(log=[*self.state.get("log", []), entry[:200]][-LOG_KEEP:])

    def offer(self, kind: str, options: list[dict[str, Any]], **extra: Any) -> None:
        """Remember numbered options; the customer's next "1"/"2"… picks one. The reply just
        said (which lists them) gets them as buttons too."""
        offered_at = clock.now().isoformat()
        self.set(pending={"kind": kind, "options": options, **extra, "offered_at": offered_at})
        if self.replies:
            self.buttons[len(self.replies) - 1] = buttons(self.lang, kind, options)

    def pending(self) -> dict[str, Any] | None:
        """The options offered last, while an answer to them can still mean them: a "1" typed
        hours later (the conversation closed and reopened since) must not confirm a refund."""
        pending: dict[str, Any] | None = self.state.get("pending")
        if not pending:
            return None
        at = pending.get("offered_at")
        if at is None or clock.now() - datetime.fromisoformat(at) > PENDING_TTL:
            self.clear_pending()
            return None
        return pending

    def clear_pending(self) -> None:
        self.set(pending=None)

    def failed(self) -> int:
        self.dialogue.failed_turns += 1
        return self.dialogue.failed_turns

    def succeeded(self) -> None:
        self.dialogue.failed_turns = 0
