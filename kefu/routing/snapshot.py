"""The routing snapshot, read from rows: agents with presence, skills, teams, load and caps.

Four queries per snapshot whatever the number of agents (staff with presence, skills, team
memberships, open conversations per agent and channel kind). Rebuilt for every decision, so it is
never stale; the rows stay the truth.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from kefu.auth.models import Role, Skill, Staff, StaffSkill, Team, TeamMember
from kefu.channels.models import Channel, ChannelKind
from kefu.conversations.models import Conversation, ConversationStatus
from kefu.routing import core, rules
from kefu.routing.models import AgentPresence, Presence, RoutingSettings


@dataclass(frozen=True)
class AgentInfo:
    staff_id: int
    name: str
    role: Role
    state: Presence  # effective: online turns away after `auto_away_after_min` without activity
    state_since: datetime | None
    last_seen_at: datetime | None
    last_assigned_at: datetime | None
    agent: core.Agent


def effective_state(
    presence: AgentPresence | None, settings: RoutingSettings, now: datetime
) -> Presence:
    if presence is None:
        return Presence.offline
    if presence.state is Presence.online and _idle_since(presence, settings, now):
        return Presence.away
    return presence.state


def _idle_since(presence: AgentPresence, settings: RoutingSettings, now: datetime) -> bool:
    seen = presence.last_seen_at or presence.state_since
    return seen <= now - timedelta(minutes=settings.auto_away_after_min)


def load_by_agent(
    session: Session, workspace_id: int, staff_ids: list[int] | None = None
) -> dict[int, dict[str, int]]:
    """Open conversations assigned to each agent, per channel class."""
    # Grouped by channel id, not kind: plain integers back, the few channels mapped here.
    classes = {
        cid: rules.CHANNEL_CLASS[ChannelKind(kind)]
        for cid, kind in session.execute(
            select(Channel.id, type_coerce(Channel.kind, String)).where(
                Channel.workspace_id == workspace_id
            )
        )
    }
    stmt = (
        select(Conversation.assignee_id, Conversation.channel_id, func.count())
        .where(Conversation.status == ConversationStatus.open)
        .group_by(Conversation.assignee_id, Conversation.channel_id)
    )
    if staff_ids is not None:
        # The workspace's own staff: their ids pick the rows through the assignee index.
        stmt = stmt.where(Conversation.assignee_id.in_(staff_ids))
    else:
        stmt = stmt.where(
            Conversation.workspace_id == workspace_id, Conversation.assignee_id.is_not(None)
        )
    load: dict[int, dict[str, int]] = defaultdict(dict)
    for staff_id, channel_id, n in session.execute(stmt):
        if staff_id is None:
            continue
        cls = classes[channel_id]
        load[staff_id][cls] = load[staff_id].get(cls, 0) + n
    return load


def roster(
    session: Session,
    *,
    workspace_id: int,
    settings: RoutingSettings,
    now: datetime,
    online_only: bool = False,
    staff_id: int | None = None,
    team_id: int | None = None,
    also: int | None = None,
) -> list[AgentInfo]:
    """Every routable agent of the workspace (or only those online, of a team — plus `also` —,
    or one), as routing sees them."""
    # Plain columns, enums read as text: at 500 agents ORM instances and enum processing would
    # cost more than the decision itself.
    stmt = (
        select(
            Staff.id,
            Staff.name,
            type_coerce(Staff.role, String),
            type_coerce(AgentPresence.state, String),
            AgentPresence.state_since,
            AgentPresence.last_seen_at,
            AgentPresence.last_assigned_at,
            AgentPresence.caps,
        )
        .outerjoin(AgentPresence, AgentPresence.staff_id == Staff.id)
        .where(
            Staff.workspace_id == workspace_id,
            Staff.active.is_(True),
            Staff.role.in_(rules.ROUTABLE_ROLES),
        )
        .order_by(Staff.id)
    )
    cutoff = now - timedelta(minutes=settings.auto_away_after_min)
    if online_only:
        stmt = stmt.where(
            AgentPresence.state == Presence.online, AgentPresence.last_seen_at > cutoff
        )
    if staff_id is not None:
        stmt = stmt.where(Staff.id == staff_id)
    if team_id is not None:
        members = select(TeamMember.staff_id).where(TeamMember.team_id == team_id)
        stmt = stmt.where(Staff.id.in_(members) | (Staff.id == also))
    rows = session.execute(stmt).all()
    if not rows:
        return []
    narrowed = staff_id is not None or online_only or team_id is not None
    ids = [r[0] for r in rows] if narrowed else None
    skills: dict[int, dict[str, int]] = defaultdict(dict)
    skill_stmt = (
        select(StaffSkill.staff_id, Skill.name, StaffSkill.level)
        .join(Skill, Skill.id == StaffSkill.skill_id)
        .where(Skill.workspace_id == workspace_id)
    )
    teams: dict[int, set[int]] = defaultdict(set)
    team_stmt = (
        select(TeamMember.staff_id, TeamMember.team_id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(Team.workspace_id == workspace_id)
    )
    if ids is not None and len(ids) <= 50:  # else the workspace's whole table is as cheap
        skill_stmt = skill_stmt.where(StaffSkill.staff_id.in_(ids))
        team_stmt = team_stmt.where(TeamMember.staff_id.in_(ids))
    for sid, name, level in session.execute(skill_stmt):
        skills[sid][name] = level
    for sid, tid in session.execute(team_stmt):
        teams[sid].add(tid)
    # A few hundred agents share a handful of values: work each out once.
    load = load_by_agent(session, workspace_id, ids if ids is not None and len(ids) <= 50 else None)
    base_caps = rules.caps_for(settings, None)
    roles = {r.value: r for r in Role}
    senior_roles = {r.value for r in rules.SENIOR_ROLES}
    level = settings.senior_level
    out = []
    for sid, name, role, state, since, seen, last, caps in rows:
        if state is None:
            effective = Presence.offline
        elif state == Presence.online and (seen or since) <= cutoff:
            effective = Presence.away
        else:
            effective = Presence(state)
        own = skills[sid]
        agent = core.Agent(
            staff_id=sid,
            state=effective.value,
            teams=frozenset(teams[sid]),
            skills=own,
            senior=role in senior_roles or any(v >= level for v in own.values()),
            load=load.get(sid, {}),
            caps=rules.caps_for(settings, caps) if caps else base_caps,
            last_assigned=last.timestamp() if last is not None else 0.0,
        )
        out.append(AgentInfo(sid, name, roles[role], effective, since, seen, last, agent))
    return out
