"""The hook: the bot answers a customer's chat message in the transaction that stores it.

Why a reaction and not an after-commit subscriber: the reply commits with the customer's message
or not at all — it is never lost between two transactions, nor given twice when a subscriber is
retried — and the realtime hub pushes it to the customer with the same commit, like any message.
A turn costs a few milliseconds (a linear model and a TF-IDF look-up); the built-in intent model
is trained once per process, on the first message. The turn runs in a SAVEPOINT: should the bot
fail, the customer's message still commits and a person is asked for instead.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from kefu import events
from kefu.bot.dialogue import engine, handoff, state, texts
from kefu.bot.dialogue.turn import Turn
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation, Message
from kefu.timeline.models import Event

log = logging.getLogger(__name__)


@events.react("message.created")
def _customer_wrote(session: Session, ev: Event) -> None:
    if ev.conversation_id is None or ev.actor_kind != "customer":
        return
    if ev.payload.get("direction") != "inbound":
        return
    conv = session.get(Conversation, ev.conversation_id)
    if conv is None or not state.bot_answers(session, conv):
        return
    message = session.get(Message, ev.payload.get("message_id"))
    if message is None:
        return
    dialogue = state.dialogue_of(session, conv, create=True)
    assert dialogue is not None
    if dialogue.last_event_id is not None and dialogue.last_event_id >= ev.id:
        return  # already answered
    dialogue.last_event_id = ev.id
    try:
        with session.begin_nested():
            engine.respond(session, conv, dialogue, message.body)
    except Exception:
        log.exception("bot turn failed on conversation %s", conv.id)
        try:
            with session.begin_nested():
                _hand_over_after_error(session, conv, message.body)
        except Exception:
            log.exception("bot handoff after an error failed on conversation %s", conv.id)


def _hand_over_after_error(session: Session, conv: Conversation, body: str) -> None:
    dialogue = state.dialogue_of(session, conv, create=True)
    assert dialogue is not None
    if dialogue.handed_off:
        return
    turn = Turn(session, conv, dialogue, body[: engine.MAX_INPUT], "zh")
    handoff.hand_over(turn, "bot_error")
    turn.replies = [texts.say("zh", "bot_error")]
    for reply in turn.replies:
        conversations.post_message(session, actor=turn.bot, conversation_id=conv.id, body=reply)
