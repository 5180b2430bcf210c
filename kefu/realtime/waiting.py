"""What a customer waiting for a human is told: place in the queue, expected wait, what else to do.

Routing (kefu/routing) knows queues, teams and agents; when it offers `queue_status` that answer
is used. Until then: the conversations of the workspace's web chat still waiting for an agent
(open, unassigned), oldest first, and a fixed minute per place ahead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.conversations.models import Conversation, ConversationStatus

OFFERS = ["leave_message", "callback"]
SECONDS_PER_PLACE = 60


def _routing_queue_status() -> Callable[..., Any] | None:
    for module in ("kefu.routing", "kefu.routing.service", "kefu.routing.queue"):
        try:
            fn = getattr(importlib.import_module(module), "queue_status", None)
        except ImportError:
            continue
        if callable(fn):
            return fn
    return None


def status(session: Session, conv: Conversation) -> dict[str, Any] | None:
    """The `queue` frame for a conversation waiting for a human; None when nobody waits."""
    if conv.assignee_id is not None or conv.status is not ConversationStatus.open:
        return None
    routed = _routing_queue_status()
    if routed is not None:
        got = routed(session, conv.id)
        if got is None:
            return None
        return {
            "type": "queue",
            "conversation_id": conv.id,
            "position": int(got.position),
            "estimated_wait_s": int(got.estimated_wait_s),
            "offers": list(got.offers),
        }
    ahead = session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.workspace_id == conv.workspace_id,
            Conversation.channel_id == conv.channel_id,
            Conversation.status == ConversationStatus.open,
            Conversation.assignee_id.is_(None),
            Conversation.id < conv.id,
        )
    )
    position = int(ahead or 0) + 1
    return {
        "type": "queue",
        "conversation_id": conv.id,
        "position": position,
        "estimated_wait_s": position * SECONDS_PER_PLACE,
        "offers": list(OFFERS),
    }
