"""API shapes for SLA policies and targets, promises, escalation, notifications and metrics."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kefu.http.types import Id, MediumText, Name
from kefu.sla.models import PromiseKind, PromiseStatus, Target, TargetStatus

Clock = Literal["business", "calendar"]
Word = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]+$")]
Words = Annotated[list[Word], Field(max_length=20)]
Hours = Annotated[str, Field(max_length=64, pattern=r"^[0-9:,\- ]*$")]


class TargetSpec(BaseModel):
    minutes: int = Field(ge=1, le=525_600)
    clock: Clock = "business"


class Conditions(BaseModel):
    """AND across keys, OR within a key; empty matches every ticket."""

    priority: list[Literal["P1", "P2", "P3", "P4"]] = Field(default=[], max_length=4)
    tier: Words = []
    channel_kind: Words = []
    type_key: Words = []
    category: Words = []
    tags: Words = []


class FreezeIn(BaseModel):
    start: date
    end: date
    label: Annotated[str, Field(max_length=64, pattern=r"^[^\x00-\x1f]*$")] = ""


class OverridesIn(BaseModel):
    """Company holidays, extra make-up working days, freeze windows (the SLA clock stops), and
    years whose holidays an admin entered in full (e.g. from a new State Council notice)."""

    holidays: list[date] = Field(default=[], max_length=100)
    makeup_days: list[date] = Field(default=[], max_length=100)
    freezes: list[FreezeIn] = Field(default=[], max_length=20)
    covered_years: list[Annotated[int, Field(ge=2000, le=2100)]] = Field(default=[], max_length=10)


class CalendarIn(BaseModel):
    """A preset ("back_office", "chat") or a time zone with hours per weekday ("09:00-18:00")."""

    preset: Literal["back_office", "chat"] | None = None
    timezone: str = Field(
        default="Asia/Shanghai", max_length=64, pattern=r"^[A-Za-z_]+(/[A-Za-z_\-+0-9]+)*$"
    )
    hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], Hours] = {}
    strict: bool = False
    holidays: bool = True
    overrides: OverridesIn | None = None


class PolicyIn(BaseModel):
    name: Name
    position: int = Field(default=100, ge=0, le=10_000)
    active: bool = True
    conditions: Conditions = Conditions()
    calendar: CalendarIn = CalendarIn(preset="back_office")
    targets: dict[Target, TargetSpec] = Field(min_length=1)
    warn_at: float = Field(default=0.75, gt=0, lt=1)
    source: MediumText = ""
    as_of: str = Field(default="", max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")


class PolicyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    position: int
    active: bool
    conditions: dict[str, list[str]]
    calendar: dict[str, object]
    targets: dict[str, dict[str, object]]
    warn_at: float
    source: str
    as_of: str


class TicketTargetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    target: Target
    status: TargetStatus
    business: bool
    budget_minutes: int
    cycle: int
    started_at: datetime
    due_at: datetime | None
    provisional: bool
    paused_at: datetime | None
    paused_seconds: int
    warned_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None


class PromiseIn(BaseModel):
    ticket_id: Id | None = None
    customer_id: Id | None = None
    conversation_id: Id | None = None
    kind: PromiseKind
    text: Annotated[str, Field(min_length=1, max_length=1000, pattern=r"^[^\x00]+$")]
    due_at: AwareDatetime | None = None
    within_business_minutes: int | None = Field(default=None, ge=1, le=525_600)


class PromiseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    customer_id: int
    ticket_id: int | None
    conversation_id: int | None
    made_by_kind: str
    made_by_id: int | None
    owner_id: int | None
    kind: PromiseKind
    text: str
    due_at: datetime
    status: PromiseStatus
    kept_at: datetime | None
    kept_by: str
    broken_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    replaces_id: int | None
    created_at: datetime


class PublicPromise(BaseModel):
    """What the customer sees of a promise: what, by when, and whether it is still open."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: PromiseKind
    text: str
    due_at: datetime
    status: PromiseStatus


class CancelIn(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\x00]+$")]


class ProposeIn(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=10_000, pattern=r"^[^\x00]+$")]
    ticket_id: Id | None = None


class Proposal(BaseModel):
    phrase: str
    kind: PromiseKind
    due_at: datetime | None
    confidence: float


class LevelIn(BaseModel):
    name: Name
    responder_id: Id | None = None
    use_team_lead: bool = False
    respond_within_minutes: int = Field(default=120, ge=1, le=10_080)


class LevelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    level: int
    name: str
    responder_id: int | None
    use_team_lead: bool
    respond_within_minutes: int


class EscalationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    ticket_id: int
    level: int
    trigger: str
    reason: str
    responder_id: int | None
    promise_id: int | None
    created_at: datetime


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    ticket_id: int | None
    text: str
    created_at: datetime
    read_at: datetime | None


class ReadIn(BaseModel):
    up_to_id: Id = Field(description="mark my notifications with this id or lower as read")


class Metrics(BaseModel):
    since: datetime
    until: datetime
    promises_made: int
    promises_kept: int
    promises_broken: int
    promise_kept_rate: float | None
    breaches_by_target: dict[str, int]
    breaches_by_team: dict[str, int]
    overdue_handoffs_by_party: dict[str, int]
    escalations_by_trigger: dict[str, int]
    open_tickets: int
    silence_p95_minutes: float | None
    silence_max_minutes: float | None


class CalendarStatus(BaseModel):
    source: str
    uncovered_years: list[int]
    warning: str | None
