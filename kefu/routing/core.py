"""The routing decision, pure: a snapshot of agents and a conversation's needs in, a choice out.

No database, no clock: the service builds the snapshot from rows (kefu/routing/snapshot.py) and
applies the choice. Kept pure so that the rules can be tested exhaustively and timed alone
(`kefu bench routing`).

Rules, in order:
1. an agent gets nothing unless online, under the cap of the conversation's channel class, a member
   of its team (when it has one), senior when it needs a senior, and at or above every skill level
   it needs;
2. the customer's last agent (sticky) gets it if online, under cap and senior enough — skills and
   team are not asked again of someone who already served this customer;
3. otherwise the least loaded in that channel class, then the longest idle (oldest last
   assignment, never assigned first), then the lowest staff id (a stable tie-break);
4. nobody eligible: the conversation waits in its team's queue.

An agent with room takes the waiting conversation it may serve with the highest priority, then the
longest waiting (`pick_next`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CHAT, CALL, EMAIL = "chat", "call", "email"
CLASSES = (CHAT, CALL, EMAIL)
ONLINE = "online"


@dataclass(frozen=True, slots=True)
class Needs:
    """What a conversation asks of the agent who takes it."""

    channel_class: str = CHAT
    team_id: int | None = None
    skills: Mapping[str, int] = field(default_factory=dict)  # skill name → minimum level
    senior: bool = False
    sticky_agent_id: int | None = None
    key: tuple[Any, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # What eligibility depends on (sticky does not): entries with the same key are judged once.
        key = (self.channel_class, self.team_id, tuple(sorted(self.skills.items())), self.senior)
        object.__setattr__(self, "key", key)

    def to_json(self) -> dict[str, Any]:
        return {
            "channel_class": self.channel_class,
            "team_id": self.team_id,
            "skills": dict(self.skills),
            "senior": self.senior,
            "sticky_agent_id": self.sticky_agent_id,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Needs:
        return cls(
            channel_class=str(doc.get("channel_class", CHAT)),
            team_id=doc.get("team_id"),
            skills={str(k): int(v) for k, v in (doc.get("skills") or {}).items()},
            senior=bool(doc.get("senior", False)),
            sticky_agent_id=doc.get("sticky_agent_id"),
        )


@dataclass(frozen=True, slots=True)
class Agent:
    """One agent as routing sees them at one moment."""

    staff_id: int
    state: str
    teams: frozenset[int]
    skills: Mapping[str, int]
    senior: bool
    load: Mapping[str, int]  # open conversations assigned, per channel class
    caps: Mapping[str, int]  # the most they take at once, per channel class
    last_assigned: float = 0.0  # POSIX seconds of the last assignment; 0: never

    def has_room(self, channel_class: str) -> bool:
        return self.load.get(channel_class, 0) < self.caps.get(channel_class, 0)

    def with_one_more(self, channel_class: str, at: float) -> Agent:
        """The same agent after taking one more conversation of this class."""
        load = dict(self.load)
        load[channel_class] = load.get(channel_class, 0) + 1
        return Agent(
            self.staff_id,
            self.state,
            self.teams,
            self.skills,
            self.senior,
            load,
            self.caps,
            at,
        )


@dataclass(frozen=True, slots=True)
class Decision:
    staff_id: int | None  # None: wait in the queue
    reason: str  # "sticky" | "least_loaded" | "queued"


def qualifies(agent: Agent, needs: Needs) -> bool:
    """Skills, seniority and team: what the agent is, whatever their load or presence."""
    if needs.team_id is not None and needs.team_id not in agent.teams:
        return False
    if needs.senior and not agent.senior:
        return False
    skills = agent.skills
    return all(skills.get(name, 0) >= level for name, level in needs.skills.items())


def available(agent: Agent, channel_class: str) -> bool:
    return agent.state == ONLINE and agent.has_room(channel_class)


def eligible(agent: Agent, needs: Needs) -> bool:
    return available(agent, needs.channel_class) and qualifies(agent, needs)


def choose_agent(agents: Iterable[Agent], needs: Needs) -> Decision:
    """The agent who should take a conversation with these needs now, or the queue."""
    cls = needs.channel_class
    best: Agent | None = None
    best_rank: tuple[int, float, int] | None = None
    sticky = needs.sticky_agent_id
    for agent in agents:
        if not available(agent, cls):
            continue
        if agent.staff_id == sticky and (agent.senior or not needs.senior):
            return Decision(agent.staff_id, "sticky")
        if not qualifies(agent, needs):
            continue
        rank = (agent.load.get(cls, 0), agent.last_assigned, agent.staff_id)
        if best_rank is None or rank < best_rank:
            best, best_rank = agent, rank
    if best is None:
        return Decision(None, "queued")
    return Decision(best.staff_id, "least_loaded")


@dataclass(frozen=True, slots=True)
class Waiting:
    """A queued conversation as routing sees it."""

    entry_id: int
    priority: int
    enqueued_at: float
    needs: Needs

    def order(self) -> tuple[int, float, int]:
        return (-self.priority, self.enqueued_at, self.entry_id)


def pick_next(agent: Agent, waiting: Iterable[Waiting]) -> Waiting | None:
    """The first entry this agent may serve, `waiting` being in queue order (see `Waiting.order`).

    The same rules as `eligible`, checked cheapest first; skill minima, the only costly check,
    are judged once per distinct set of minima.
    """
    if agent.state != ONLINE:
        return None
    room = {c: agent.has_room(c) for c in CLASSES}
    if not any(room.values()):
        return None
    teams, senior, skills = agent.teams, agent.senior, agent.skills
    judged: dict[tuple[tuple[str, int], ...], bool] = {}
    for entry in waiting:
        needs = entry.needs
        if not room.get(needs.channel_class, False):
            continue
        if needs.team_id is not None and needs.team_id not in teams:
            continue
        if needs.senior and not senior:
            continue
        if needs.skills:
            key = needs.key[2]
            ok = judged.get(key)
            if ok is None:
                ok = judged[key] = all(skills.get(n, 0) >= lvl for n, lvl in key)
            if not ok:
                continue
        return entry
    return None
