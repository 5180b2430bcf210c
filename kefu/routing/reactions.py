"""How routing follows the facts, in the same transaction as each fact.

- a customer writes into an open conversation nobody has: route it (an agent now, or the queue);
  writing angrily while waiting moves them up to a senior agent and tells the supervisor;
- an agent writes: they are active (not away);
- a conversation is assigned by hand: it leaves the queue; the agent it left has room again;
- a conversation closes: it leaves the queue; its agent has room again and takes the next one;
- a staff member is deactivated: offline, and their open conversations are routed again (a closed
  one still naming them is routed when the customer writes into it).

Staff unassigning or reopening a conversation does not route it: it is routed when the customer
writes (or the bot hands over), so nobody is handed a conversation that waits for nothing.
"""

from __future__ import annotations

import importlib

from sqlalchemy.orm import Session

from kefu import events
from kefu.auth.models import Staff
from kefu.conversations.models import Conversation, ConversationStatus
from kefu.routing import alerts, core, leavers, presence, rules, service
from kefu.routing.emotion import is_angry
from kefu.routing.models import EntryStatus, QueueEntry
from kefu.routing.needs import Assessment
from kefu.timeline.models import Event


@events.react("message.created")
def _message(session: Session, ev: Event) -> None:
    if ev.conversation_id is None:
        return
    if ev.actor_kind == "staff" and ev.actor_id is not None:
        presence.touch(session, workspace_id=ev.workspace_id, staff_id=ev.actor_id)
        return
    if ev.payload.get("direction") != "inbound":
        return
    conv = session.get(Conversation, ev.conversation_id)
    if conv is None or conv.status is not ConversationStatus.open:
        return
    if conv.assignee_id is not None:
        # An agent's open chats are released when they are deactivated (leavers.py); a chat that
        # was closed then reopens with them still named: it is nobody's, and routed below like
        # any chat nobody has. Only a reopening message looks (no query on every message).
        if not ev.payload.get("reopened"):
            return
        assignee = session.get(Staff, conv.assignee_id)
        if assignee is None or assignee.active:
            return
        leavers.unassign_departed(session, conv)
    if _bot_answers(session, conv):
        return  # the bot answers first; it hands over through service.need_human
    text = str(ev.payload.get("excerpt", ""))
    entry = service.waiting_entry(session, conv.id)
    if entry is not None:
        _maybe_escalate(session, conv, entry, text)
        return
    if rules.settings_of(session, ev.workspace_id).route_on_customer_message:
        service.route(
            session,
            conversation_id=conv.id,
            workspace_id=conv.workspace_id,
            reason="customer_message",
            context={"text": text},
        )


def _maybe_escalate(session: Session, conv: Conversation, entry: QueueEntry, text: str) -> None:
    """A waiting customer who turns angry goes up the queue to a senior agent (seed 002)."""
    needs = core.Needs.from_json(entry.needs)
    if needs.senior or not is_angry(text):
        return
    needs = core.Needs(
        channel_class=needs.channel_class,
        team_id=needs.team_id,
        skills=needs.skills,
        senior=True,
        sticky_agent_id=needs.sticky_agent_id,
    )
    entry.needs = needs.to_json()
    entry.senior = True
    entry.priority += rules.PRIORITY_ANGRY
    session.flush()
    alerts.alert(
        session,
        conv,
        Assessment(needs=needs, priority=entry.priority, vip=False, angry=True, p1=False),
    )


@events.react("conversation.assigned")
def _assigned(session: Session, ev: Event) -> None:
    if ev.conversation_id is None:
        return
    to, before = ev.payload.get("to"), ev.payload.get("from")
    # Unassigned by hand, it waits for the customer's next message (or a transfer) to be routed.
    if to is not None:
        service.leave_queue(
            session, ev.conversation_id, assigned_to=int(to), status=EntryStatus.assigned
        )
    if before is not None:
        service.pull_for(session, workspace_id=ev.workspace_id, staff_id=int(before))


@events.react("conversation.closed")
def _closed(session: Session, ev: Event) -> None:
    if ev.conversation_id is None:
        return
    service.leave_queue(session, ev.conversation_id, assigned_to=None, status=EntryStatus.cancelled)
    conv = session.get(Conversation, ev.conversation_id)
    if conv is not None and conv.assignee_id is not None:
        service.pull_for(session, workspace_id=ev.workspace_id, staff_id=conv.assignee_id)


@events.react("staff.deactivated")
def _left(session: Session, ev: Event) -> None:
    leavers.release_agent(
        session, workspace_id=ev.workspace_id, staff_id=int(ev.payload["staff_id"])
    )


def _bot_answers(session: Session, conv: Conversation) -> bool:
    """The seam to the bot's dialogue (imported at use: routing works without the bot)."""
    try:
        gate = importlib.import_module("kefu.bot.dialogue.state")
    except ImportError:
        return False
    return bool(gate.bot_answers(session, conv))
