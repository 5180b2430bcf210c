"""Handing over to a person: a summary note for the agent, routing, and a word to the customer.

The summary is an internal note (never shown to the customer) posted by the bot just before the
conversation is routed, so it is the newest message when the agent opens the conversation in the
workbench: intent, entities, the order, the emotion and what the bot already said and did.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import select

from kefu.bot.dialogue.turn import Turn
from kefu.bot.nlu import emotion, entities
from kefu.bot.nlu.timespans import TimeRange
from kefu.conversations import service as conversations
from kefu.conversations.models import Direction, Message
from kefu.privacy import mask_phone
from kefu.realtime import offline
from kefu.routing import service as routing

log = logging.getLogger(__name__)
ENTITIES_SHOWN = 8
EARLIER_READ = 6  # the customer's messages before the last that the summary reads entities from
EARLIER_CHARS = 1000  # of each, as much as the bot itself reads
LAST_SHOWN = 200  # characters of the customer's last message quoted
LOCAL_TIME = "%m-%d %H:%M"
# Should reading the phones fail, any run of digits long enough to be one is hidden instead.
_DIGIT_RUN = re.compile(r"\d{7,}")

REASONS = {
    "customer_asked": "客户要求转人工 customer asked for a person",
    "angry": "客户情绪激动 angry customer",
    "bot_failed": "机器人连续两次未能解答 bot failed twice",
    "change_address": "修改地址 address change",
    "complaint": "投诉 complaint",
    "bot_error": "机器人出错 bot error",
    "callback": "客户要求回电 callback requested",
}


def _entities(turn: Turn) -> list[str]:
    """What the customer told the bot — an order number two messages ago, a phone number — not
    only in the last message: newest first, each once."""
    out: list[str] = []
    try:
        for text in [turn.text, *_earlier_texts(turn)]:
            for e in entities.extract(text[:EARLIER_CHARS], config=turn.entity_config):
                value = _shown(e)
                if f"{e.kind}={value}" not in out:
                    out.append(f"{e.kind}={value}")
    except Exception:  # the summary is how a failed turn reaches a person: it must not fail too
        log.exception("entities of a handoff summary")
    return out[:ENTITIES_SHOWN]


def _shown(e: entities.Entity) -> str:
    """An entity as the agent reads it: a phone masked, a time as said and as the range it means."""
    if e.kind == "phone":
        return mask_phone(str(e.value))
    if isinstance(e.value, TimeRange):
        start, end = e.value.start, e.value.end
        span = start.strftime(LOCAL_TIME)
        if end != start:
            span += "–" + end.strftime(LOCAL_TIME)
        return f"{e.text}({span})"
    return str(e.value)


def _masked_phones(turn: Turn, text: str) -> str:
    """The customer's words with each phone number in them masked, as the entities line shows
    them: the summary is a note many people read, the number stays in the conversation itself."""
    try:
        # Read in the form the entities' offsets index (full-width digits as ASCII, simplified).
        text = entities.fold(text)
        phones = [e for e in entities.extract(text, config=turn.entity_config) if e.kind == "phone"]
    except Exception:  # the summary must not fail: hide every long digit run instead
        log.exception("phones of a handoff summary")
        return _DIGIT_RUN.sub(lambda m: mask_phone(m.group()), text)
    for e in sorted(phones, key=lambda e: -e.start):
        text = text[: e.start] + mask_phone(re.sub(r"[^\d+]", "", e.text)) + text[e.end :]
    return text


def _earlier_texts(turn: Turn) -> list[str]:
    """The customer's messages before this one, newest first (the bot's part of the talk)."""
    return list(
        turn.session.scalars(
            select(Message.body)
            .where(
                Message.conversation_id == turn.conv.id,
                Message.direction == Direction.inbound,
            )
            .order_by(Message.id.desc())
            .offset(1)  # this very message, read above as the turn's (capped, simplified) text
            .limit(EARLIER_READ)
        )
    )


def summary(turn: Turn, reason: str) -> str:
    mood = emotion.detect(turn.text)
    state = turn.state
    done = state.get("log") or []
    lines = [
        "【机器人转人工摘要 Bot handoff summary】",
        f"原因 Reason: {REASONS.get(reason, reason)}",
        f"意图 Intent: {state.get('intent') or '-'}",
        f"实体 Entities: {', '.join(_entities(turn)) or '-'}",
        f"订单 Order: {state.get('order_number') or '-'}",
        f"情绪 Emotion: {mood.label}{' (angry)' if mood.angry else ''}",
        f"客户最后一句 Last message: {_masked_phones(turn, turn.text[:LAST_SHOWN])}",
        "机器人已答复/已操作 Bot said/did:",
        *(f"- {entry}" for entry in done),
    ]
    if not done:
        lines.append("- （无 nothing yet）")
    return "\n".join(lines)


def hand_over(turn: Turn, reason: str, *, angry: bool = False) -> None:
    """Note the summary, route the conversation to a person, tell the customer. Once."""
    if turn.handed_over:
        return
    turn.handed_over = True
    session, conv = turn.session, turn.conv
    conversations.post_message(
        session, actor=turn.bot, conversation_id=conv.id, body=summary(turn, reason), internal=True
    )
    context: dict[str, Any] = {"text": turn.text, "angry": angry}
    if reason == "change_address" or turn.state.get("intent") in (
        "refund_return",
        "return_progress",
    ):
        context["team_kind"] = "after_sales"
    turn.dialogue.handed_off = True
    turn.set(pending=None, handoff_reason=reason)
    routed = routing.need_human(session, turn.bot, conv.id, reason=f"bot:{reason}", context=context)
    waits_for_nobody = routed.staff_id is None and offline.nobody_online(session, conv.workspace_id)
    turn.say(("handoff_angry" if angry else "handoff") + ("_offline" if waits_for_nobody else ""))
