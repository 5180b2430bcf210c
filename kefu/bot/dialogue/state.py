"""Whether the bot answers a conversation, and the conversation's dialogue row.

A channel's `config["bot"]`: `{"enabled": true, "hours": {"from": "09:00", "to": "22:00",
"tz": "Asia/Shanghai"}}`. Without it the bot is off: a shop switches it on per chat channel (the
demo does so for its web chat), so that routing a customer's first message straight to an agent
stays the behaviour of every channel nobody configured. Without `hours` it answers around the clock. It answers only while nobody is assigned, nobody
waits in the queue for the conversation and the customer has not been handed over.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu import clock
from kefu.bot.models import BotDialogue
from kefu.channels.models import Channel, ChannelKind
from kefu.conversations.models import Conversation, ConversationStatus
from kefu.errors import Invalid

# Kinds on which the bot answers without configuration (none: it is switched on per channel).
DEFAULT_ON: frozenset[ChannelKind] = frozenset()
# Kinds it may answer on at all: chat, where the customer is who the shop's signed token (or the
# app's login) says. A mail's From line is a claim anyone can write; a bot that cancels and
# refunds orders must not act on it.
CHAT_KINDS: frozenset[ChannelKind] = frozenset({ChannelKind.web_chat, ChannelKind.app})
DEFAULT_TZ = "Asia/Shanghai"


def bot_config(channel: Channel) -> dict[str, Any]:
    raw = (channel.config or {}).get("bot")
    return raw if isinstance(raw, dict) else {}


_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")


def check_config(kind: ChannelKind, config: dict[str, Any]) -> None:
    """Refuse a `bot` section the bot would misread: it is read on every customer message, where
    a wrong type could only mean "on around the clock" or "off" without anyone noticing."""
    raw = config.get("bot")
    if raw is None:
        return
    problem = _config_problem(kind, raw)
    if problem is not None:
        zh, en = problem
        raise Invalid("channel.bot_config", zh=f"机器人设置有误：{zh}", en=f"bot settings: {en}")


def _config_problem(kind: ChannelKind, raw: object) -> tuple[str, str] | None:
    if not isinstance(raw, dict):
        return "bot 须为对象", "bot must be an object"
    enabled = raw.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        return "enabled 须为 true 或 false", "enabled must be true or false"
    if enabled and kind not in CHAT_KINDS:
        return "机器人只在在线聊天渠道（网页、App）应答", "the bot answers on chat channels only"
    hours = raw.get("hours")
    if hours is None:
        return None
    if not isinstance(hours, dict):
        return "hours 须为对象", "hours must be an object"
    for key in ("from", "to"):
        value = hours.get(key)
        if value is not None and not (isinstance(value, str) and _HHMM.fullmatch(value)):
            return (
                f"hours.{key} 须为 HH:MM（00:00–24:00）",
                f"hours.{key} must be HH:MM (00:00–24:00)",
            )
    tz = hours.get("tz")
    if tz is not None:
        try:
            ZoneInfo(str(tz))
        except (ValueError, KeyError):
            return f"未知时区 {tz}", f"unknown time zone {tz}"
    return None


def _clock_time(value: object, default: time) -> time:
    try:
        hh, mm = str(value).split(":")
        return time.max if (int(hh), int(mm)) >= (24, 0) else time(int(hh), int(mm))
    except (ValueError, TypeError):
        return default


def in_hours(config: dict[str, Any], now: datetime) -> bool:
    hours = config.get("hours")
    if not isinstance(hours, dict):
        return True
    try:
        tz = ZoneInfo(str(hours.get("tz") or DEFAULT_TZ))
    except (ValueError, KeyError):
        tz = ZoneInfo(DEFAULT_TZ)
    start = _clock_time(hours.get("from"), time(0, 0))
    end = _clock_time(hours.get("to"), time.max)
    local = now.astimezone(tz).time()
    # "22:00"–"08:00" spans midnight.
    return start <= local <= end if start <= end else (local >= start or local <= end)


def channel_answers(channel: Channel, now: datetime | None = None) -> bool:
    """The channel's switch (off unless configured on), within its hours."""
    if channel.kind not in CHAT_KINDS:
        return False
    config = bot_config(channel)
    enabled = config.get("enabled")
    # Only a real true switches it on: "false" (a string) is not a yes.
    on = enabled is True if enabled is not None else channel.kind in DEFAULT_ON
    return on and channel.active and in_hours(config, now or clock.now())


def dialogue_of(
    session: Session, conv: Conversation, *, create: bool = False
) -> BotDialogue | None:
    row = session.scalars(select(BotDialogue).where(BotDialogue.conversation_id == conv.id)).first()
    if row is None and create:
        row = BotDialogue(workspace_id=conv.workspace_id, conversation_id=conv.id, state={})
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # Two first messages at once: the other transaction made the row; use theirs.
            return session.scalars(
                select(BotDialogue).where(BotDialogue.conversation_id == conv.id)
            ).one()
    return row


def switch_on(channel: Channel, **settings: Any) -> None:
    """Turn the bot on for a chat channel (e.g. `hours={"from": "09:00", "to": "22:00"}`)."""
    if channel.kind not in CHAT_KINDS:
        raise ValueError(f"the bot answers on chat channels only, not on {channel.kind.value}")
    channel.config = {
        **(channel.config or {}),
        "bot": {**bot_config(channel), "enabled": True, **settings},
    }


def bot_answers(session: Session, conv: Conversation) -> bool:
    """True when the bot takes the customer's next message (routing then leaves it alone)."""
    if conv.status is not ConversationStatus.open or conv.assignee_id is not None:
        return False
    channel = session.get(Channel, conv.channel_id)
    if channel is None or not channel_answers(channel):
        return False
    row = dialogue_of(session, conv)
    if row is not None and row.handed_off:
        return False
    from kefu.routing import service as routing  # routing asks us from its reaction: import at use

    return routing.waiting_entry(session, conv.id) is None
