"""Accountability figures for the service centre: promises kept, breaches, escalations, silence."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Team
from kefu.auth.permissions import Perm, require
from kefu.conversations.models import Direction, Message
from kefu.parties.models import Party
from kefu.sla.escalation_models import Escalation, Handoff, HandoffStatus
from kefu.sla.models import Promise, PromiseStatus, TicketTarget
from kefu.tickets.models import Ticket, TicketConversation
from kefu.tickets.rules import OPEN_STATUSES


def compute(
    session: Session, *, actor: Actor, since: datetime, until: datetime
) -> dict[str, object]:
    require(actor, Perm.read)
    ws = actor.workspace_id
    made = dict(
        session.execute(
            select(Promise.status, func.count())
            .where(
                Promise.workspace_id == ws, Promise.created_at >= since, Promise.created_at <= until
            )
            .group_by(Promise.status)
        ).all()
    )
    kept, broken = made.get(PromiseStatus.kept, 0), made.get(PromiseStatus.broken, 0)
    breached = (
        select(TicketTarget.target, Ticket.team_id, func.count())
        .join(Ticket, Ticket.id == TicketTarget.ticket_id)
        .where(
            TicketTarget.workspace_id == ws,
            TicketTarget.breached_at >= since,
            TicketTarget.breached_at <= until,
        )
        .group_by(TicketTarget.target, Ticket.team_id)
    )
    by_target: dict[str, int] = {}
    by_team: dict[str, int] = {}
    team_names = dict(
        session.execute(select(Team.id, Team.name).where(Team.workspace_id == ws)).all()
    )
    for target, team_id, n in session.execute(breached).all():
        by_target[target.value] = by_target.get(target.value, 0) + n
        team = team_names.get(team_id, "—") if team_id else "—"
        by_team[team] = by_team.get(team, 0) + n
    overdue = session.execute(
        select(Party.name, func.count())
        .join(Handoff, Handoff.party_id == Party.id)
        .where(
            Handoff.workspace_id == ws,
            Handoff.due_at >= since,
            Handoff.due_at <= until,
            (Handoff.status == HandoffStatus.open) & (Handoff.due_at < clock.now())
            | (Handoff.answered_at > Handoff.due_at),
        )
        .group_by(Party.name)
    ).all()
    escalations = session.execute(
        select(Escalation.trigger, func.count())
        .where(
            Escalation.workspace_id == ws,
            Escalation.created_at >= since,
            Escalation.created_at <= until,
        )
        .group_by(Escalation.trigger)
    ).all()
    silences = _silences(session, ws)
    return {
        "since": since,
        "until": until,
        "promises_made": sum(made.values()),
        "promises_kept": kept,
        "promises_broken": broken,
        "promise_kept_rate": kept / (kept + broken) if kept + broken else None,
        "breaches_by_target": by_target,
        "breaches_by_team": by_team,
        "overdue_handoffs_by_party": dict(overdue),
        "escalations_by_trigger": dict(escalations),
        "open_tickets": len(silences),
        "silence_p95_minutes": _p95(silences),
        "silence_max_minutes": max(silences) if silences else None,
    }


def _silences(session: Session, workspace_id: int) -> list[float]:
    """Per open ticket: minutes since the customer last heard from us (or since it was opened)."""
    now = clock.now()
    last_out = (
        select(TicketConversation.ticket_id, func.max(Message.created_at).label("at"))
        .join(Message, Message.conversation_id == TicketConversation.conversation_id)
        .where(Message.direction == Direction.outbound)
        .group_by(TicketConversation.ticket_id)
        .subquery()
    )
    rows = session.execute(
        select(Ticket.created_at, last_out.c.at)
        .outerjoin(last_out, last_out.c.ticket_id == Ticket.id)
        .where(Ticket.workspace_id == workspace_id, Ticket.status.in_(OPEN_STATUSES))
    ).all()
    out = []
    for created, last in rows:
        since = last if last is not None else created
        if since.tzinfo is None:  # func.max() bypasses the column type on SQLite: naive UTC
            since = since.replace(tzinfo=UTC)
        out.append(max((now - since).total_seconds() / 60, 0.0))
    return out


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
