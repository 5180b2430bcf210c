"""API shapes for conversations and messages."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kefu.conversations.models import AuthorKind, ConversationStatus, Direction
from kefu.http.types import Id, MessageBody, Subject


class ConversationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    channel_id: int
    customer_id: int
    subject: str
    status: ConversationStatus
    assignee_id: int | None
    message_count: int
    last_message_at: datetime | None
    created_at: datetime
    closed_at: datetime | None


class ConversationCreate(BaseModel):
    channel_id: Id
    customer_id: Id
    subject: Subject | None = None


class ConversationUpdate(BaseModel):
    status: ConversationStatus | None = None
    assignee_id: Id | None = Field(default=None, description="staff id; see `unassign` to clear")
    unassign: bool = False


class MessageCreate(BaseModel):
    body: MessageBody
    internal: bool = Field(
        default=False, description="an internal note: never shown to the customer"
    )
    client_msg_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_\-:.]+$",
        description=(
            "the client's id for this send; a retry with the same id returns the stored message"
        ),
    )


class MessageAction(BaseModel):
    label: str = Field(description="the button's text")
    reply: str = Field(description="what a tap sends as the customer's message")


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    conversation_id: int
    direction: Direction
    author_kind: AuthorKind
    author_staff_id: int | None
    body: str
    client_msg_id: str | None
    actions: list[MessageAction] | None = Field(
        default=None, description="the bot's quick replies, drawn as buttons by the chat widget"
    )
    created_at: datetime
