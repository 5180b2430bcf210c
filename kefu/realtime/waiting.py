"""What a customer waiting for a human is told: place in the queue, expected wait, what else to do.

Routing owns the queues: a conversation waits when it has a queue entry (routed and nobody free
took it). One the bot is answering has none — the customer is in a conversation, not a queue, and
is told nothing about places until the bot hands over.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kefu.conversations.models import Conversation, ConversationStatus
from kefu.routing import queues


def status(session: Session, conv: Conversation) -> dict[str, Any] | None:
    """The `queue` frame for a conversation waiting for a human; None when nobody waits."""
    if conv.assignee_id is not None or conv.status is not ConversationStatus.open:
        return None
    got = queues.queue_status(session, conv.id)
    if got is None:
        return None
    return {
        "type": "queue",
        "conversation_id": conv.id,
        "position": int(got.position),
        "estimated_wait_s": int(got.estimated_wait_s),
        "offers": list(got.offers),
    }
