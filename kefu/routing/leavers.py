"""Staff who leave: a deactivated agent is off duty at once and keeps no customer waiting.

Nobody reads a deactivated agent's chats and routing never gives them new ones, so a conversation
left assigned to them would be one that no one sees.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation, ConversationStatus
from kefu.routing import service
from kefu.routing.models import AgentPresence, Presence


def release_agent(session: Session, *, workspace_id: int, staff_id: int) -> list[service.Routed]:
    """A staff member was deactivated: offline, and their open conversations routed again."""
    row = session.scalars(
        select(AgentPresence).where(AgentPresence.staff_id == staff_id).with_for_update()
    ).first()
    if row is not None and row.state is not Presence.offline:
        row.state, row.state_since = Presence.offline, clock.now()
    open_ids = list(
        session.scalars(
            select(Conversation.id)
            .where(
                Conversation.workspace_id == workspace_id,
                Conversation.assignee_id == staff_id,
                Conversation.status == ConversationStatus.open,
            )
            .order_by(Conversation.id)
        )
    )
    routed = []
    for cid in open_ids:
        conv = session.get(Conversation, cid)
        assert conv is not None
        unassign_departed(session, conv)
        routed.append(
            service.route(
                session, conversation_id=cid, workspace_id=workspace_id, reason="agent_left"
            )
        )
    return routed


def unassign_departed(session: Session, conv: Conversation) -> None:
    """Take the conversation off an agent who is no longer there (recorded on its timeline)."""
    system = Actor.system(conv.workspace_id)
    conversations.assign(session, actor=system, conversation_id=conv.id, assignee_id=None)
