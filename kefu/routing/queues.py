"""What the waiting customer and the supervisor see of the queues.

Estimated wait (`queue_status`): position × pace, where pace is how often this queue has handed a
conversation to an agent lately — (now − the earliest of its last ≤ 20 assignments within the
hour) ÷ their number. A queue with no assignment in the last hour is paced at one typical chat
(`DEFAULT_HANDLE_S`) divided by the agents online in its team. Capped at `MAX_ESTIMATE_S`.
The figure is a guide for the customer, not a promise: it is not stored and nothing is due by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Team, TeamMember
from kefu.auth.permissions import Perm, require
from kefu.routing import rules
from kefu.routing.models import AgentPresence, EntryStatus, Presence, QueueEntry

DEFAULT_HANDLE_S = 180
PACE_WINDOW = timedelta(hours=1)
PACE_SAMPLE = 20
MAX_ESTIMATE_S = 4 * 3600
CALLBACK_AFTER_S = 120  # longer than this, a call back is offered as well as leaving a message


@dataclass(frozen=True)
class QueueStatus:
    position: int  # 1 = next
    estimated_wait_s: int
    offers: list[str] = field(default_factory=list)  # "leave_message", "callback"
    entry_id: int = 0
    team_id: int | None = None


def _same_queue(entry: QueueEntry) -> object:
    return (
        QueueEntry.team_id.is_(None)
        if entry.team_id is None
        else QueueEntry.team_id == entry.team_id
    )


def queue_status(session: Session, conversation_id: int) -> QueueStatus | None:
    """Where a waiting conversation stands; None when it is not waiting (assigned or closed)."""
    entry = session.scalars(
        select(QueueEntry).where(
            QueueEntry.conversation_id == conversation_id,
            QueueEntry.status == EntryStatus.waiting,
        )
    ).first()
    if entry is None:
        return None
    ahead = session.scalar(
        select(func.count()).where(
            QueueEntry.workspace_id == entry.workspace_id,
            QueueEntry.status == EntryStatus.waiting,
            _same_queue(entry),  # type: ignore[arg-type]
            or_(
                QueueEntry.priority > entry.priority,
                and_(
                    QueueEntry.priority == entry.priority,
                    or_(
                        QueueEntry.enqueued_at < entry.enqueued_at,
                        and_(QueueEntry.enqueued_at == entry.enqueued_at, QueueEntry.id < entry.id),
                    ),
                ),
            ),
        )
    )
    position = int(ahead or 0) + 1
    wait = min(MAX_ESTIMATE_S, round(position * _pace(session, entry)))
    offers = ["leave_message", "callback"] if wait > CALLBACK_AFTER_S else ["leave_message"]
    return QueueStatus(position, wait, offers, entry.id, entry.team_id)


def _pace(session: Session, entry: QueueEntry) -> float:
    now = clock.now()
    recent = list(
        session.scalars(
            select(QueueEntry.left_at)
            .where(
                QueueEntry.workspace_id == entry.workspace_id,
                QueueEntry.status == EntryStatus.assigned,
                _same_queue(entry),  # type: ignore[arg-type]
                QueueEntry.left_at >= now - PACE_WINDOW,
            )
            .order_by(QueueEntry.left_at.desc())
            .limit(PACE_SAMPLE)
        )
    )
    if recent:
        earliest = min(t for t in recent if t is not None)
        return max(1.0, (now - earliest).total_seconds()) / len(recent)
    settings = rules.settings_of(session, entry.workspace_id)
    online = select(func.count()).where(
        AgentPresence.workspace_id == entry.workspace_id,
        AgentPresence.state == Presence.online,
        AgentPresence.last_seen_at > now - timedelta(minutes=settings.auto_away_after_min),
    )
    if entry.team_id is not None:
        members = select(TeamMember.staff_id).where(TeamMember.team_id == entry.team_id)
        online = online.where(AgentPresence.staff_id.in_(members))
    return DEFAULT_HANDLE_S / max(1, int(session.scalar(online) or 0))


@dataclass(frozen=True)
class QueueSummary:
    team_id: int | None
    team_name: str
    waiting: int
    longest_wait_s: int
    oldest_enqueued_at: datetime | None


def list_queues(session: Session, *, actor: Actor) -> list[QueueSummary]:
    """Every team's queue (and the workspace-wide one): how many wait, the longest wait."""
    require(actor, Perm.read)
    now = clock.now()
    stats = {
        team_id: (n, oldest)
        for team_id, n, oldest in session.execute(
            select(QueueEntry.team_id, func.count(), func.min(QueueEntry.enqueued_at))
            .where(
                QueueEntry.workspace_id == actor.workspace_id,
                QueueEntry.status == EntryStatus.waiting,
            )
            .group_by(QueueEntry.team_id)
        )
    }
    teams = session.execute(
        select(Team.id, Team.name).where(Team.workspace_id == actor.workspace_id).order_by(Team.id)
    ).all()
    out = []
    for team_id, name in [(None, "全部 / any team"), *teams]:
        n, oldest = stats.get(team_id, (0, None))
        wait = int((now - oldest).total_seconds()) if oldest is not None else 0
        out.append(QueueSummary(team_id, name, int(n), max(0, wait), oldest))
    return out
