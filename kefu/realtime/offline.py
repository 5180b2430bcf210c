"""Nobody online to answer: the customer's chat becomes a ticket with a promised reply time.

"Leave a message" must not mean "into a void" (seed 000): the ticket has an owner (the duty
owner until someone takes it), and the promise is tracked like any other — reminded, escalated
when missed — and kept by the first reply.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.conversations.models import Conversation
from kefu.routing import rules, snapshot
from kefu.sla import promises
from kefu.sla.models import PromiseKind
from kefu.tickets import service as tickets
from kefu.tickets.models import Ticket, TicketConversation, TicketStatus

REPLY_WITHIN_BUSINESS_MINUTES = 240
PROMISE_TEXT = "客服暂时不在线，已为您登记留言，我们会在承诺时间前回复您 / No agent is online: your message is logged and we will reply by the promised time"
_DONE = (TicketStatus.resolved, TicketStatus.closed)


def nobody_online(session: Session, workspace_id: int) -> bool:
    """True when routing knows no agent online in the workspace."""
    settings = rules.settings_of(session, workspace_id)
    online = snapshot.roster(
        session, workspace_id=workspace_id, settings=settings, now=clock.now(), online_only=True
    )
    return not online


def leave_message(session: Session, conv: Conversation, body: str) -> dict[str, Any] | None:
    """Open the ticket and make the promise, once per conversation; the frame that says so."""
    linked = session.scalar(
        select(Ticket.id)
        .join(TicketConversation, TicketConversation.ticket_id == Ticket.id)
        .where(TicketConversation.conversation_id == conv.id, Ticket.status.not_in(_DONE))
    )
    if linked is not None:
        return None
    system = Actor.system(conv.workspace_id)
    ticket = tickets.create(
        session,
        actor=system,
        subject=f"在线留言 {body[:80]}".strip(),
        description=body,
        customer_id=conv.customer_id,
        conversation_ids=[conv.id],
    )
    promise = promises.make(
        session,
        actor=system,
        ticket_id=ticket.id,
        kind=PromiseKind.update,
        text=PROMISE_TEXT,
        within_business_minutes=REPLY_WITHIN_BUSINESS_MINUTES,
        conversation_id=conv.id,
    )
    return {
        "type": "ticket",
        "conversation_id": conv.id,
        "ticket_id": ticket.id,
        "number": ticket.number,
        "promise": {
            "id": promise.id,
            "due_at": promise.due_at.isoformat().replace("+00:00", "Z"),
            "text": promise.text,
        },
    }
