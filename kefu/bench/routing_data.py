"""Synthetic routing workloads for `kefu bench routing`: a service centre's agents and its queue.

The same seeded generator makes the in-memory snapshot (for the pure decision core) and the rows
(for the decision through the database), so both measure the same shape of workload.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kefu.auth.models import Role, Skill, Staff, StaffSkill, Team, TeamMember
from kefu.channels.models import Channel, ChannelKind
from kefu.conversations.models import Conversation
from kefu.customers.models import Customer
from kefu.routing import core, rules
from kefu.routing.core import CALL, CHAT, EMAIL
from kefu.routing.models import AgentPresence, EntryStatus, Presence, QueueEntry

TEAMS = 10
SKILLS = ["VIP", "跨境", "售后", "家电", "服饰", "美妆", "lang:en", "lang:ja"]
PRIORITIES = [0, 0, 0, 10, 20, 40]
CLASS_WEIGHTS = [(CHAT, 0.8), (CALL, 0.05), (EMAIL, 0.15)]
KIND_OF = {CHAT: ChannelKind.web_chat, CALL: ChannelKind.phone, EMAIL: ChannelKind.email}


@dataclass
class AgentSpec:
    staff_id: int
    state: str
    teams: list[int]
    skills: dict[str, int]
    senior: bool
    load: dict[str, int]
    last_assigned: float


@dataclass
class Workload:
    agents: list[AgentSpec]
    waiting: list[core.Waiting]
    arrivals: list[core.Needs]  # conversations to decide on

    def snapshot(self) -> list[core.Agent]:
        return [
            core.Agent(
                a.staff_id,
                a.state,
                frozenset(a.teams),
                a.skills,
                a.senior,
                a.load,
                dict(rules.DEFAULT_CAPS),
                a.last_assigned,
            )
            for a in self.agents
        ]


def _needs(rng: random.Random, sticky_pool: int) -> core.Needs:
    cls = rng.choices([c for c, _ in CLASS_WEIGHTS], [w for _, w in CLASS_WEIGHTS])[0]
    skills = {s: rng.randint(1, 3) for s in rng.sample(SKILLS, rng.choice([0, 0, 1, 1, 2]))}
    return core.Needs(
        channel_class=cls,
        team_id=rng.randint(1, TEAMS) if rng.random() < 0.7 else None,
        skills=skills,
        senior=rng.random() < 0.1,
        sticky_agent_id=rng.randint(1, sticky_pool) if rng.random() < 0.3 else None,
    )


def generate(agents: int, waiting: int, arrivals: int, *, now: float, seed: int = 3) -> Workload:
    """Agents 1..n (ids), teams 1..TEAMS, a queue in queue order; ids are remapped when loaded."""
    rng = random.Random(seed)
    specs = []
    for i in range(1, agents + 1):
        skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, rng.randint(1, 3))}
        state = rng.choices(["online", "away", "offline"], [0.8, 0.1, 0.1])[0]
        specs.append(
            AgentSpec(
                staff_id=i,
                state=state,
                teams=rng.sample(range(1, TEAMS + 1), rng.randint(1, 2)),
                skills=skills,
                senior=max(skills.values()) >= 4,
                load={CHAT: rng.randint(0, 8), CALL: rng.randint(0, 1), EMAIL: rng.randint(0, 20)}
                if state == "online"
                else {},
                last_assigned=now - rng.uniform(0, 3600),
            )
        )
    queue = [
        core.Waiting(
            entry_id=i,
            priority=rng.choice(PRIORITIES),
            enqueued_at=now - rng.uniform(0, 1800),
            needs=_needs(rng, agents),
        )
        for i in range(1, waiting + 1)
    ]
    queue.sort(key=core.Waiting.order)
    return Workload(specs, queue, [_needs(rng, agents) for _ in range(arrivals)])


def load_rows(session: Session, workspace_id: int, w: Workload, now: datetime) -> dict[str, Any]:
    """The workload as rows: staff, skills, teams, presence, open assigned chats, the queue."""
    ws = workspace_id
    channels = {}
    for cls, kind in KIND_OF.items():
        ch = Channel(workspace_id=ws, kind=kind, name=f"bench {kind.value}", config={})
        session.add(ch)
        channels[cls] = ch
    session.flush()
    session.execute(
        insert(Team),
        [{"workspace_id": ws, "name": f"团队 {t}", "kind": "frontline"} for t in range(TEAMS)],
    )
    team_ids = list(
        session.scalars(select(Team.id).where(Team.workspace_id == ws).order_by(Team.id))
    )
    session.execute(insert(Skill), [{"workspace_id": ws, "name": s} for s in SKILLS])
    skill_ids = dict(
        session.execute(select(Skill.name, Skill.id).where(Skill.workspace_id == ws)).all()
    )
    session.execute(
        insert(Staff),
        [
            {
                "workspace_id": ws,
                "email": f"a{a.staff_id}@bench.test",
                "name": f"坐席{a.staff_id}",
                "role": Role.agent,
            }
            for a in w.agents
        ],
    )
    staff_ids = list(
        session.scalars(select(Staff.id).where(Staff.workspace_id == ws).order_by(Staff.id))
    )
    sid = {a.staff_id: staff_ids[-len(w.agents) + i] for i, a in enumerate(w.agents)}
    session.execute(
        insert(StaffSkill),
        [
            {"staff_id": sid[a.staff_id], "skill_id": skill_ids[name], "level": level}
            for a in w.agents
            for name, level in a.skills.items()
        ],
    )
    session.execute(
        insert(TeamMember),
        [
            {"team_id": team_ids[t - 1], "staff_id": sid[a.staff_id], "is_lead": False}
            for a in w.agents
            for t in a.teams
        ],
    )
    session.execute(
        insert(AgentPresence),
        [
            {
                "workspace_id": ws,
                "staff_id": sid[a.staff_id],
                "state": Presence(a.state),
                "state_since": now,
                "last_seen_at": now,
                "last_assigned_at": datetime.fromtimestamp(a.last_assigned, now.tzinfo),
                "caps": {},
            }
            for a in w.agents
        ],
    )
    assigned = [(a, cls) for a in w.agents for cls, n in a.load.items() for _ in range(n)]
    n_customers = len(assigned) + len(w.waiting)
    session.execute(
        insert(Customer),
        [{"workspace_id": ws, "display_name": f"顾客{i}"} for i in range(n_customers)],
    )
    customer_ids = list(
        session.scalars(
            select(Customer.id).where(Customer.workspace_id == ws).order_by(Customer.id)
        )
    )
    session.execute(
        insert(Conversation),
        [
            {
                "workspace_id": ws,
                "channel_id": channels[cls].id,
                "customer_id": customer_ids[i],
                "assignee_id": sid[a.staff_id],
                "last_message_at": now - timedelta(minutes=5),
            }
            for i, (a, cls) in enumerate(assigned)
        ]
        + [
            {
                "workspace_id": ws,
                "channel_id": channels[e.needs.channel_class].id,
                "customer_id": customer_ids[len(assigned) + i],
                "assignee_id": None,
                "last_message_at": now - timedelta(minutes=1),
            }
            for i, e in enumerate(w.waiting)
        ],
    )
    waiting_convs = list(
        session.scalars(
            select(Conversation.id)
            .where(Conversation.workspace_id == ws, Conversation.assignee_id.is_(None))
            .order_by(Conversation.id)
        )
    )
    session.execute(
        insert(QueueEntry),
        [
            {
                "workspace_id": ws,
                "conversation_id": waiting_convs[i],
                "team_id": team_ids[e.needs.team_id - 1] if e.needs.team_id else None,
                "status": EntryStatus.waiting,
                "priority": e.priority,
                "channel_class": e.needs.channel_class,
                "senior": e.needs.senior,
                "needs": {
                    **e.needs.to_json(),
                    "team_id": team_ids[e.needs.team_id - 1] if e.needs.team_id else None,
                    "sticky_agent_id": None,
                },
                "reason": "bench",
                "enqueued_at": datetime.fromtimestamp(e.enqueued_at, now.tzinfo),
            }
            for i, e in enumerate(w.waiting)
        ],
    )
    session.commit()
    online = [sid[a.staff_id] for a in w.agents if a.state == "online"]
    return {
        "channel_ids": {cls: ch.id for cls, ch in channels.items()},
        "customer_ids": customer_ids[: max(1, len(assigned))],
        "online_staff_ids": online,
        "assigned_open": len(assigned),
    }
