"""Reads the hub and the sockets need, each in the caller's session (run in a worker thread)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.channels.attachments_models import Attachment
from kefu.conversations.models import Conversation, Direction, Message
from kefu.conversations.schemas import ConversationRead, MessageRead

MAX_MISSED = 200  # per conversation, on reconnect
RECENT = 50  # the open conversation's latest messages for a socket that has seen nothing


def message_dicts(
    session: Session, messages: list[Message], known: dict[int, list[int]] | None = None
) -> list[dict[str, Any]]:
    """`{message}` JSON (MessageRead plus `attachment_ids`) for these messages, in one query
    (none when the caller already knows their attachments)."""
    ids = [m.id for m in messages]
    links: dict[int, list[int]] = known if known is not None else {i: [] for i in ids}
    if ids and known is None:
        for att_id, msg_id in session.execute(
            select(Attachment.id, Attachment.message_id)
            .where(Attachment.message_id.in_(ids))
            .order_by(Attachment.id)
        ):
            if msg_id is not None:
                links[msg_id].append(att_id)
    return [
        {**MessageRead.model_validate(m).model_dump(mode="json"), "attachment_ids": links[m.id]}
        for m in messages
    ]


def conversation_meta(conv: Conversation) -> dict[str, Any]:
    return {
        "assignee_id": conv.assignee_id,
        "customer_id": conv.customer_id,
        "status": conv.status.value,
    }


def message(session: Session, message_id: int) -> tuple[dict[str, Any], dict[str, Any]] | None:
    msg = session.get(Message, message_id)
    if msg is None:
        return None
    conv = session.get(Conversation, msg.conversation_id)
    if conv is None:
        return None
    return message_dicts(session, [msg])[0], conversation_meta(conv)


def conversation(session: Session, conversation_id: int) -> dict[str, Any] | None:
    conv = session.get(Conversation, conversation_id)
    if conv is None:
        return None
    return ConversationRead.model_validate(conv).model_dump(mode="json")


def missed(
    session: Session, conversation_id: int, after_id: int | None, *, customer: bool
) -> list[dict[str, Any]]:
    """Messages after `after_id` (the latest RECENT when None), oldest first."""
    stmt = select(Message).where(Message.conversation_id == conversation_id)
    if customer:
        stmt = stmt.where(Message.direction != Direction.internal)
    if after_id is None:
        rows = list(session.scalars(stmt.order_by(Message.id.desc()).limit(RECENT)))[::-1]
    else:
        stmt = stmt.where(Message.id > after_id)
        rows = list(session.scalars(stmt.order_by(Message.id).limit(MAX_MISSED)))
    return message_dicts(session, rows)
