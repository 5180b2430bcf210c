"""Routing use cases: route a conversation to an agent or its team's queue; pull the next one.

Caps hold under concurrency: an assignment locks the chosen agent's presence row (PostgreSQL
`FOR UPDATE`; SQLite has one writer) and recounts the agent's open conversations before it is made.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation, ConversationStatus
from kefu.errors import not_found
from kefu.routing import alerts, core, rules, snapshot
from kefu.routing.models import AgentPresence, EntryStatus, QueueEntry, RoutingSettings
from kefu.routing.needs import Assessment, assess
from kefu.tenancy import get_scoped
from kefu.timers import service as timers

OVERFLOW = "routing.overflow"
MAX_OVERFLOW_HOPS = 3
BATCH = 200


@dataclass(frozen=True)
class Routed:
    conversation_id: int
    staff_id: int | None  # assigned to; None while waiting (or when nothing was done)
    entry_id: int | None  # the waiting queue entry
    reason: str  # sticky | least_loaded | queued | already_assigned | already_waiting | closed


def route(
    session: Session,
    *,
    conversation_id: int,
    workspace_id: int,
    reason: str,
    context: Mapping[str, Any] | None = None,
) -> Routed:
    """Give an open, unassigned conversation to an agent now, or queue it. Idempotent."""
    # Locked: two messages at once route the conversation once (the second sees the first's work).
    conv = session.get(Conversation, conversation_id, with_for_update=True)
    if conv is None or conv.workspace_id != workspace_id:
        raise not_found(*conversations.CONVERSATION)
    if conv.status is ConversationStatus.closed:
        return Routed(conv.id, None, None, "closed")
    if conv.assignee_id is not None:
        return Routed(conv.id, conv.assignee_id, None, "already_assigned")
    waiting = waiting_entry(session, conv.id)
    if waiting is not None:
        return Routed(conv.id, None, waiting.id, "already_waiting")
    settings = rules.settings_of(session, workspace_id)
    found = assess(session, conv, settings, context)
    if found.angry or found.p1:
        alerts.alert(session, conv, found)
    decision = _place(session, conv, settings, found.needs)
    if decision.staff_id is not None:
        return Routed(conv.id, decision.staff_id, None, decision.reason)
    entry = _enqueue(session, conv, settings, found, reason)
    return Routed(conv.id, None, entry.id, "queued")


def need_human(
    session: Session,
    actor: Actor,
    conversation_id: int,
    reason: str,
    context: Mapping[str, Any] | None = None,
) -> Routed:
    """A human is needed (the bot's handoff, the customer's "转人工", an agent's request): route it.

    `context` may carry `text` (judged for anger), `angry`, `priority` ("P1"), `team_id`,
    `team_kind` (e.g. "after_sales", "cross_border") and `skills` ({name: minimum level}).
    """
    if actor.kind == "customer":
        conv = conversations.access(session, actor=actor, conversation_id=conversation_id)
    else:
        if actor.kind == "staff":
            require(actor, Perm.converse)
        conv = get_scoped(
            session, Conversation, conversation_id, actor, what=conversations.CONVERSATION
        )
    return route(
        session,
        conversation_id=conv.id,
        workspace_id=conv.workspace_id,
        reason=reason[:64],
        context=context,
    )


def waiting_entry(session: Session, conversation_id: int) -> QueueEntry | None:
    return session.scalars(
        select(QueueEntry).where(
            QueueEntry.conversation_id == conversation_id,
            QueueEntry.status == EntryStatus.waiting,
        )
    ).first()


def _place(
    session: Session, conv: Conversation, settings: RoutingSettings, needs: core.Needs
) -> core.Decision:
    """Choose an agent from the online roster and assign; an agent found full is passed over."""
    now = clock.now()
    # Only who could take it: online, in its team (or the customer's last agent).
    agents = [
        i.agent
        for i in snapshot.roster(
            session,
            workspace_id=conv.workspace_id,
            settings=settings,
            now=now,
            online_only=True,
            team_id=needs.team_id,
            also=needs.sticky_agent_id,
        )
    ]
    while True:
        decision = core.choose_agent(agents, needs)
        if decision.staff_id is None:
            return decision
        if _claim(session, conv.workspace_id, decision.staff_id, needs.channel_class, settings):
            _assign(session, conv, decision.staff_id, decision.reason)
            return decision
        agents = [a for a in agents if a.staff_id != decision.staff_id]


def _claim(
    session: Session,
    workspace_id: int,
    staff_id: int,
    channel_class: str,
    settings: RoutingSettings,
) -> bool:
    """Lock the agent's presence row and recount: True if they still have room in this class."""
    presence = session.scalars(
        select(AgentPresence).where(AgentPresence.staff_id == staff_id).with_for_update()
    ).first()
    if presence is None:
        return False
    load = snapshot.load_by_agent(session, workspace_id, [staff_id]).get(staff_id, {})
    return load.get(channel_class, 0) < rules.caps_for(settings, presence.caps)[channel_class]


def _assign(session: Session, conv: Conversation, staff_id: int, why: str) -> None:
    system = Actor.system(conv.workspace_id)
    conversations.assign(session, actor=system, conversation_id=conv.id, assignee_id=staff_id)
    presence = session.scalars(
        select(AgentPresence).where(AgentPresence.staff_id == staff_id)
    ).one()
    presence.last_assigned_at = clock.now()
    events.record(
        session,
        actor=system,
        type="conversation.routed",
        customer_id=conv.customer_id,
        conversation_id=conv.id,
        payload={"to": staff_id, "reason": why},
    )
    session.flush()


def _enqueue(
    session: Session,
    conv: Conversation,
    settings: RoutingSettings,
    found: Assessment,
    reason: str,
) -> QueueEntry:
    now = clock.now()
    entry = QueueEntry(
        workspace_id=conv.workspace_id,
        conversation_id=conv.id,
        team_id=found.needs.team_id,
        priority=found.priority,
        channel_class=found.needs.channel_class,
        senior=found.needs.senior,
        needs=found.needs.to_json(),
        reason=reason,
        enqueued_at=now,
    )
    session.add(entry)
    session.flush()
    _arm_overflow(session, entry, settings)
    events.record(
        session,
        actor=Actor.system(conv.workspace_id),
        type="conversation.queued",
        customer_id=conv.customer_id,
        conversation_id=conv.id,
        payload={
            "entry_id": entry.id,
            "team_id": entry.team_id,
            "priority": entry.priority,
            "reason": reason,
        },
    )
    return entry


def _arm_overflow(session: Session, entry: QueueEntry, settings: RoutingSettings) -> None:
    target = rules.overflow_target(settings, entry.team_id)
    if target is None or settings.overflow_after_s <= 0 or entry.overflow_hops >= MAX_OVERFLOW_HOPS:
        return
    timers.schedule(
        session,
        workspace_id=entry.workspace_id,
        kind=OVERFLOW,
        key=_overflow_key(entry),
        due_at=clock.now() + timedelta(seconds=settings.overflow_after_s),
        payload={"entry_id": entry.id, "to_team_id": target},
    )


def _overflow_key(entry: QueueEntry) -> str:
    # One key per hop: a firing timer is marked fired after its handler returns, so the next
    # hop's timer must not reuse its row.
    return f"queue:{entry.id}:{entry.overflow_hops}"


@timers.handler(OVERFLOW)
def _overflow(session: Session, timer: timers.Timer) -> None:
    """Waited past the threshold: move to the overflow team, any skill level, and try again."""
    entry = session.get(QueueEntry, timer.payload["entry_id"])
    if entry is None or entry.status is not EntryStatus.waiting:
        return
    conv = session.get(Conversation, entry.conversation_id)
    assert conv is not None
    settings = rules.settings_of(session, entry.workspace_id)
    source = entry.team_id
    needs = core.Needs.from_json(entry.needs)
    needs = core.Needs(
        channel_class=needs.channel_class,
        team_id=int(timer.payload["to_team_id"]),
        skills={},
        senior=needs.senior,
    )
    entry.team_id = needs.team_id
    entry.needs = needs.to_json()
    entry.overflow_hops += 1
    session.flush()
    events.record(
        session,
        actor=Actor.system(entry.workspace_id),
        type="conversation.overflowed",
        customer_id=conv.customer_id,
        conversation_id=conv.id,
        payload={"entry_id": entry.id, "from_team_id": source, "to_team_id": needs.team_id},
    )
    if _place(session, conv, settings, needs).staff_id is None:
        _arm_overflow(session, entry, settings)


def leave_queue(
    session: Session, conversation_id: int, *, assigned_to: int | None, status: EntryStatus
) -> QueueEntry | None:
    """Close the conversation's waiting entry (assigned, or cancelled) and its overflow timer."""
    entry = waiting_entry(session, conversation_id)
    if entry is None:
        return None
    entry.status = status
    entry.assigned_to_id = assigned_to
    entry.left_at = clock.now()
    timers.cancel(session, kind=OVERFLOW, key=_overflow_key(entry))
    session.flush()
    return entry


def pull_for(session: Session, *, workspace_id: int, staff_id: int) -> list[int]:
    """An agent has room (came online, closed a chat, got a higher cap): give them waiting work.

    Highest priority first, then longest waiting, as long as they have room; returns the
    conversation ids assigned.
    """
    settings = rules.settings_of(session, workspace_id)
    now = clock.now()
    # Locked for the whole pull, and before their load is counted: a concurrent routing decision
    # waits rather than overfill them, and the count below sees what it assigned.
    session.scalars(
        select(AgentPresence).where(AgentPresence.staff_id == staff_id).with_for_update()
    ).first()
    infos = snapshot.roster(
        session,
        workspace_id=workspace_id,
        settings=settings,
        now=now,
        online_only=True,
        staff_id=staff_id,
    )
    if not infos:
        return []
    agent = infos[0].agent
    taken: list[int] = []
    while True:
        entry = core.pick_next(agent, _waiting_for(session, workspace_id, agent))
        if entry is None:
            return taken
        # The queue was read without locks: another agent's pull may have taken this entry since.
        # Lock it and read it again (not the session's copy); the conversation likewise.
        row = session.get(QueueEntry, entry.entry_id, with_for_update=True, populate_existing=True)
        if row is None or row.status is not EntryStatus.waiting:
            continue
        conv = session.get(
            Conversation, row.conversation_id, with_for_update=True, populate_existing=True
        )
        assert conv is not None
        if conv.assignee_id is not None or conv.status is ConversationStatus.closed:
            leave_queue(session, conv.id, assigned_to=None, status=EntryStatus.cancelled)
            continue
        _assign(session, conv, staff_id, "pulled")
        taken.append(conv.id)
        agent = agent.with_one_more(entry.needs.channel_class, now.timestamp())


def _waiting_for(session: Session, workspace_id: int, agent: core.Agent) -> Iterator[core.Waiting]:
    """Waiting entries the agent's teams (or no team) hold, in queue order, a batch at a time."""
    team_ids = list(agent.teams)
    team_filter = (
        QueueEntry.team_id.is_(None) | QueueEntry.team_id.in_(team_ids)
        if team_ids
        else QueueEntry.team_id.is_(None)
    )
    stmt = (
        select(QueueEntry.id, QueueEntry.priority, QueueEntry.enqueued_at, QueueEntry.needs)
        .where(
            QueueEntry.workspace_id == workspace_id,
            QueueEntry.status == EntryStatus.waiting,
            QueueEntry.channel_class.in_([c for c in core.CLASSES if agent.has_room(c)]),
            team_filter,
        )
        .order_by(QueueEntry.priority.desc(), QueueEntry.enqueued_at, QueueEntry.id)
        .limit(BATCH)
    )
    if not agent.senior:
        stmt = stmt.where(QueueEntry.senior.is_(False))
    offset = 0
    while True:
        rows = session.execute(stmt.offset(offset)).all()
        for entry_id, priority, enqueued_at, needs in rows:
            yield core.Waiting(
                entry_id, priority, enqueued_at.timestamp(), core.Needs.from_json(needs)
            )
        if len(rows) < BATCH:
            return
        offset += BATCH


def count_waiting(session: Session, workspace_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                QueueEntry.workspace_id == workspace_id, QueueEntry.status == EntryStatus.waiting
            )
        )
        or 0
    )
