"""API shapes for presence, the agents and queues boards, routing settings and caps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kefu.auth.models import Role
from kefu.http.types import Id, NoNul, Tier
from kefu.routing.models import AgentPresence, Presence, RoutingSettings
from kefu.routing.queues import QueueSummary
from kefu.routing.rules import MAX_CAP
from kefu.routing.snapshot import AgentInfo

Cap = Annotated[int, Field(ge=0, le=MAX_CAP)]
SkillName = Annotated[str, Field(min_length=1, max_length=80), NoNul]


class PresenceSet(BaseModel):
    state: Presence


class PresenceRead(BaseModel):
    staff_id: int
    state: Presence
    state_since: datetime
    last_seen_at: datetime | None

    @classmethod
    def of(cls, row: AgentPresence) -> PresenceRead:
        return cls(
            staff_id=row.staff_id,
            state=row.state,
            state_since=row.state_since,
            last_seen_at=row.last_seen_at,
        )


class Load(BaseModel):
    chat: int = 0
    call: int = 0
    email: int = 0


class AgentRead(BaseModel):
    staff_id: int
    name: str
    role: Role
    state: Presence = Field(description="online, away (also: online but idle too long), offline")
    state_since: datetime | None
    last_seen_at: datetime | None
    last_assigned_at: datetime | None
    senior: bool
    team_ids: list[int]
    skills: dict[str, int]
    load: Load
    caps: Load

    @classmethod
    def of(cls, info: AgentInfo) -> AgentRead:
        return cls(
            staff_id=info.staff_id,
            name=info.name,
            role=info.role,
            state=info.state,
            state_since=info.state_since,
            last_seen_at=info.last_seen_at,
            last_assigned_at=info.last_assigned_at,
            senior=info.agent.senior,
            team_ids=sorted(info.agent.teams),
            skills=dict(info.agent.skills),
            load=Load(**info.agent.load),
            caps=Load(**info.agent.caps),
        )


class AgentList(BaseModel):
    items: list[AgentRead]


class QueueRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    team_id: int | None = Field(description="null: the queue any agent may take from")
    team_name: str
    waiting: int
    longest_wait_s: int
    oldest_enqueued_at: datetime | None

    @classmethod
    def of(cls, q: QueueSummary) -> QueueRead:
        return cls.model_validate(q)


class QueueList(BaseModel):
    items: list[QueueRead]


class CapsSet(BaseModel):
    """Per channel class; null puts the agent back on the workspace's cap."""

    chat: Cap | None = None
    call: Cap | None = None
    email: Cap | None = None


class Caps(BaseModel):
    chat: Cap = 8
    call: Cap = 1
    email: Cap = 20


class OverflowRule(BaseModel):
    team_id: Id
    to_team_id: Id

    @model_validator(mode="after")
    def _not_to_itself(self) -> OverflowRule:
        if self.team_id == self.to_team_id:
            raise ValueError("a team cannot overflow to itself")
        return self


class SettingsRead(BaseModel):
    caps: Caps
    sticky_days: int
    overflow_after_s: int
    overflow: list[OverflowRule]
    auto_away_after_min: int
    senior_level: int
    default_team_id: int | None
    vip_tiers: list[str]
    vip_skill: str
    route_on_customer_message: bool

    @classmethod
    def of(cls, row: RoutingSettings) -> SettingsRead:
        return cls(
            caps=Caps(**row.caps),
            sticky_days=row.sticky_days,
            overflow_after_s=row.overflow_after_s,
            overflow=[OverflowRule(**r) for r in row.overflow],
            auto_away_after_min=row.auto_away_after_min,
            senior_level=row.senior_level,
            default_team_id=row.default_team_id,
            vip_tiers=list(row.vip_tiers),
            vip_skill=row.vip_skill,
            route_on_customer_message=row.route_on_customer_message,
        )


class SettingsUpdate(BaseModel):
    """Only the fields given change."""

    caps: CapsSet | None = None
    sticky_days: Annotated[int, Field(ge=0, le=365)] | None = Field(
        default=None, description="0: never sticky"
    )
    overflow_after_s: Annotated[int, Field(ge=0, le=86_400)] | None = Field(
        default=None, description="0: never overflow"
    )
    overflow: Annotated[list[OverflowRule], Field(max_length=100)] | None = None
    auto_away_after_min: Annotated[int, Field(ge=1, le=1440)] | None = None
    senior_level: Annotated[int, Field(ge=1, le=5)] | None = None
    default_team_id: Id | None = None
    vip_tiers: Annotated[list[Tier], Field(max_length=50)] | None = None
    vip_skill: SkillName | None = None
    route_on_customer_message: bool | None = None

    @model_validator(mode="after")
    def _one_rule_per_team(self) -> SettingsUpdate:
        if self.overflow is not None:
            teams = [r.team_id for r in self.overflow]
            if len(teams) != len(set(teams)):
                raise ValueError("one overflow rule per team")
        return self

    def changes(self) -> dict[str, object]:
        out = self.model_dump(exclude_unset=True)
        # Explicit nulls mean "leave as is" except for the default team, which null clears.
        return {k: v for k, v in out.items() if v is not None or k == "default_team_id"}


class TransferToTeam(BaseModel):
    team_id: Id


class RoutedRead(BaseModel):
    """Where the conversation went: to an agent now, or into a queue with its place and wait."""

    model_config = ConfigDict(from_attributes=True)
    conversation_id: int
    staff_id: int | None = Field(description="the agent it went to; null while it waits")
    reason: str
    position: int | None = Field(default=None, description="1 = next; null when not waiting")
    estimated_wait_s: int | None = None


class HumanRequested(BaseModel):
    """What the customer is told: an agent has it, or their place in the queue."""

    conversation_id: int
    with_agent: bool
    position: int | None = None
    estimated_wait_s: int | None = None
