"""One bot turn: who is talking, in which language, and what the bot says and does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.bot.dialogue.texts import buttons, say
from kefu.bot.models import BotDialogue
from kefu.conversations.models import Conversation

LOG_KEEP = 12  # what the bot said and did, kept for the handoff summary


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
        self.set(pending={"kind": kind, "options": options, **extra})
        if self.replies:
            self.buttons[len(self.replies) - 1] = buttons(self.lang, kind, options)

    def clear_pending(self) -> None:
        self.set(pending=None)

    def failed(self) -> int:
        self.dialogue.failed_turns += 1
        return self.dialogue.failed_turns

    def succeeded(self) -> None:
        self.dialogue.failed_turns = 0
