"""Agent assist: the KB answers for what the customer just wrote, pushed to the agent.

Agents serving 8–15 chats have no time to search (seed 001). For the customer's latest message —
with the ones just before it when the customer wrote several in a row — the top answers come with
a confidence and a reply ready to insert. Each insert is recorded, and the record is a prior in
the ranking: among near-ties, what colleagues actually sent ranks first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.channels.models import Channel
from kefu.conversations import service as conversations
from kefu.conversations.models import Direction, Message
from kefu.errors import not_found
from kefu.knowledge import retrieval
from kefu.knowledge import service as kb
from kefu.knowledge.models import EntryStatus, KbUse
from kefu.knowledge.text import plain

TOP = 3
BURST = 3  # consecutive customer messages read together ("在吗" / "我想问下" / "尾款哪天付")
# A used entry gains at most this much score: enough to order near-ties, never to lift a poor match
# above a good one. log-scaled, so the first uses count most.
PRIOR_MAX = 0.08
PRIOR_SATURATION = 20
MESSAGE = ("消息", "message")


@dataclass(frozen=True)
class Suggestion:
    entry_id: int
    question: str
    answer: str  # plain text for the reply box
    answer_html: str
    confidence: float
    score: float
    uses: int


def prior(uses: int) -> float:
    return PRIOR_MAX * min(1.0, math.log1p(uses) / math.log1p(PRIOR_SATURATION))


def _customer_text(
    session: Session, conversation_id: int, message_id: int | None
) -> tuple[int | None, str]:
    """(the customer message answered, the text to answer: its burst of inbound messages)."""
    stmt = select(Message).where(
        Message.conversation_id == conversation_id, Message.direction != Direction.internal
    )
    if message_id is not None:
        stmt = stmt.where(Message.id <= message_id)
    recent = list(session.scalars(stmt.order_by(Message.id.desc()).limit(BURST * 3)))
    if message_id is not None and (not recent or recent[0].id != message_id):
        raise not_found(*MESSAGE)
    burst: list[Message] = []
    for msg in recent:
        if msg.direction is Direction.inbound:
            burst.append(msg)
            if len(burst) == BURST:
                break
        elif burst:
            break  # the run of customer messages ends at the last reply before it
    if not burst:
        return None, ""
    return burst[0].id, "\n".join(m.body for m in reversed(burst))


def suggest(
    session: Session,
    *,
    actor: Actor,
    conversation_id: int,
    message_id: int | None = None,
    k: int = TOP,
) -> tuple[int | None, list[Suggestion]]:
    """The top-k KB answers for the customer's latest message (or `message_id`)."""
    conv = conversations.access(session, actor=actor, conversation_id=conversation_id)
    answered, text = _customer_text(session, conv.id, message_id)
    if not text:
        return answered, []
    channel = session.get(Channel, conv.channel_id)
    kind = channel.kind.value if channel is not None else "chat"
    candidates = retrieval.answer(session, conv.workspace_id, text, kind, clock.now(), k=k * 3)
    uses = usage(session, conv.workspace_id, [c.entry_id for c in candidates])
    ranked = sorted(
        candidates, key=lambda c: (-(c.score + prior(uses.get(c.entry_id, 0))), c.entry_id)
    )
    return answered, [
        Suggestion(
            entry_id=c.entry_id,
            question=c.question,
            answer=plain(c.answer_for_channel),
            answer_html=c.answer_for_channel,
            confidence=c.confidence,
            score=round(c.score + prior(uses.get(c.entry_id, 0)), 4),
            uses=uses.get(c.entry_id, 0),
        )
        for c in ranked[:k]
    ]


def customer_text(session: Session, conversation_id: int, message_id: int | None) -> str:
    """The customer's words that `suggest` answered (their latest burst up to `message_id`)."""
    return _customer_text(session, conversation_id, message_id)[1]


def usage(session: Session, workspace_id: int, entry_ids: list[int]) -> dict[int, int]:
    if not entry_ids:
        return {}
    rows = session.execute(
        select(KbUse.entry_id, func.count())
        .where(KbUse.workspace_id == workspace_id, KbUse.entry_id.in_(entry_ids))
        .group_by(KbUse.entry_id)
    )
    return {entry_id: int(n) for entry_id, n in rows}


def record_use(
    session: Session,
    *,
    actor: Actor,
    conversation_id: int,
    entry_id: int,
    message_id: int | None = None,
) -> KbUse:
    """An agent inserted the entry's answer into the conversation."""
    require(actor, Perm.converse)
    conv = conversations.access(session, actor=actor, conversation_id=conversation_id)
    entry = kb.get(session, actor=actor, entry_id=entry_id)
    if entry.status is not EntryStatus.published:
        raise not_found(*kb.ENTRY)  # drafts are never suggested, so never used
    if message_id is not None:
        msg = session.get(Message, message_id)
        if msg is None or msg.conversation_id != conv.id:
            raise not_found(*MESSAGE)
    use = KbUse(
        workspace_id=conv.workspace_id,
        entry_id=entry.id,
        conversation_id=conv.id,
        message_id=message_id,
        staff_id=actor.id if actor.kind == "staff" else None,
    )
    session.add(use)
    session.flush()
    events.record(
        session,
        actor=actor,
        type="knowledge.suggestion_used",
        customer_id=conv.customer_id,
        conversation_id=conv.id,
        payload={"entry_id": entry.id, "message_id": message_id},
    )
    return use
