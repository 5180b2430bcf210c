"""Transfer to a team, and "a human, please" from a customer's app or widget button.

A transfer to a team is not a transfer to whoever is first in a list: the conversation leaves its
agent (or its queue) and is routed again within the team — to the least-loaded member online with
the skills it needs, or into the team's queue with its place and estimated wait.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.conversations import service as conversations
from kefu.routing import queues, service
from kefu.routing.models import EntryStatus

TRANSFER_REASON = "transfer"


def to_team(
    session: Session, *, actor: Actor, conversation_id: int, team_id: int
) -> service.Routed:
    """Hand the conversation to a team: off its agent and out of any other queue, then routed."""
    require(actor, Perm.converse)
    team = auth.get_team(session, actor=actor, team_id=team_id)
    conv = conversations.access(session, actor=actor, conversation_id=conversation_id)
    if conv.assignee_id is not None:
        conversations.assign(session, actor=actor, conversation_id=conv.id, assignee_id=None)
    service.leave_queue(session, conv.id, assigned_to=None, status=EntryStatus.cancelled)
    return service.route(
        session,
        conversation_id=conv.id,
        workspace_id=conv.workspace_id,
        reason=TRANSFER_REASON,
        context={"team_id": team.id},
    )


def ask_for_human(session: Session, *, actor: Actor, conversation_id: int) -> service.Routed:
    """The customer's own "转人工" as a button: the same path as the bot's handoff."""
    return service.need_human(session, actor, conversation_id, "customer")


@dataclass(frozen=True)
class Placement:
    """A routed conversation as shown: its agent, or its place in the queue and the wait."""

    conversation_id: int
    staff_id: int | None
    reason: str
    position: int | None
    estimated_wait_s: int | None


def where(session: Session, routed: service.Routed) -> Placement:
    waiting = None if routed.staff_id else queues.queue_status(session, routed.conversation_id)
    return Placement(
        conversation_id=routed.conversation_id,
        staff_id=routed.staff_id,
        reason=routed.reason,
        position=waiting.position if waiting else None,
        estimated_wait_s=waiting.estimated_wait_s if waiting else None,
    )
