"""API shapes for tickets and ticket types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kefu.http.types import (
    Id,
    Key,
    LongText,
    MediumText,
    Name,
    PlainJson,
    ShortText,
    Subject,
    Tags,
)
from kefu.tickets.models import Priority, Ticket, TicketStatus

FieldValue = str | int | float | bool | None
FieldValues = Annotated[dict[str, FieldValue], Field(max_length=50), PlainJson]


class FieldDef(BaseModel):
    key: Key
    label: Name
    type: Literal["text", "number", "boolean", "select", "date"]
    required: bool = False
    options: list[ShortText] = Field(default=[], max_length=100)


class TicketTypeCreate(BaseModel):
    key: Key
    name: Name
    fields: list[FieldDef] = Field(default=[], max_length=50)


class TicketTypeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    key: str
    name: str
    fields: list[dict[str, Any]]


class TicketCreate(BaseModel):
    subject: Subject
    description: LongText = ""
    type_id: Id | None = None
    category: ShortText = ""
    priority: Priority = Priority.P3
    customer_id: Id | None = None
    owner_id: Id | None = None
    team_id: Id | None = None
    order_ref: ShortText = ""
    tags: Tags = []
    fields: FieldValues = {}
    conversation_ids: list[Id] = Field(default=[], max_length=20)


class TicketUpdate(BaseModel):
    subject: Subject | None = None
    description: LongText | None = None
    category: ShortText | None = None
    priority: Priority | None = None
    order_ref: ShortText | None = None
    tags: Tags | None = None
    fields: FieldValues | None = None


class TicketRead(BaseModel):
    id: int
    number: int
    type_id: int | None
    subject: str
    description: str
    category: str
    priority: Priority
    status: TicketStatus
    customer_id: int | None
    first_owner_id: int | None
    owner_id: int | None
    team_id: int | None
    order_ref: str
    tags: list[str]
    fields: dict[str, Any]
    conversation_ids: list[int]
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, t: Ticket) -> TicketRead:
        return cls(
            id=t.id,
            number=t.number,
            type_id=t.type_id,
            subject=t.subject,
            description=t.description,
            category=t.category,
            priority=t.priority,
            status=t.status,
            customer_id=t.customer_id,
            first_owner_id=t.first_owner_id,
            owner_id=t.owner_id,
            team_id=t.team_id,
            order_ref=t.order_ref,
            tags=t.tags,
            fields=t.custom_fields,
            conversation_ids=t.conversation_ids,
            created_at=t.created_at,
            updated_at=t.updated_at,
            resolved_at=t.resolved_at,
            closed_at=t.closed_at,
        )


class TransitionRequest(BaseModel):
    to: TicketStatus
    note: MediumText = ""


class AssignRequest(BaseModel):
    owner_id: Id
    note: MediumText = ""


class LinkConversationRequest(BaseModel):
    conversation_id: Id
