"""API shapes for handoffs (questions to internal teams and external parties)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from kefu import clock
from kefu.http.types import Id, MediumText, NoNul
from kefu.sla.escalation_models import Handoff, HandoffStatus

HandoffText = Annotated[str, Field(min_length=1, max_length=4000), NoNul]


class HandoffCreate(BaseModel):
    question: HandoffText
    team_id: Id | None = Field(default=None, description="ask an internal team (or party_id)")
    party_id: Id | None = Field(
        default=None, description="ask an external party (or team_id); it answers on a portal link"
    )
    due_at: datetime | None = Field(
        default=None, description="answer due by (with a time zone), or within_business_minutes"
    )
    within_business_minutes: int | None = Field(
        default=None, ge=1, le=43_200, description="due in business minutes on the SLA calendar"
    )


class HandoffAnswer(BaseModel):
    answer: HandoffText


class HandoffCancel(BaseModel):
    reason: MediumText = ""


class HandoffRead(BaseModel):
    id: int
    ticket_id: int
    asked_by_id: int | None
    team_id: int | None
    party_id: int | None
    question: str
    due_at: datetime
    overdue: bool = Field(description="open and past its due time")
    status: HandoffStatus
    answer: str
    answered_at: datetime | None
    answered_by: str
    chase_count: int
    escalated_at: datetime | None
    portal_expires_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, h: Handoff) -> HandoffRead:
        return cls(
            id=h.id,
            ticket_id=h.ticket_id,
            asked_by_id=h.asked_by_id,
            team_id=h.team_id,
            party_id=h.party_id,
            question=h.question,
            due_at=h.due_at,
            overdue=h.status is HandoffStatus.open and h.due_at < clock.now(),
            status=h.status,
            answer=h.answer,
            answered_at=h.answered_at,
            answered_by=h.answered_by,
            chase_count=h.chase_count,
            escalated_at=h.escalated_at,
            portal_expires_at=h.portal_expires_at,
            created_at=h.created_at,
        )


class HandoffCreated(HandoffRead):
    portal_url: str | None = Field(
        default=None,
        description="for a party: the portal link path, shown in this response only "
        "(a replay carries null; POST /handoffs/{id}/portal-link issues a new one)",
    )


class PortalLink(BaseModel):
    portal_url: str = Field(description="the new portal link path; the previous one stops working")
    portal_expires_at: datetime
