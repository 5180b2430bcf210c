"""Routes: the e-mails of a conversation (status, threading, attachments) for the workbench."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from kefu.channels.email.models import EmailMessage, MailDirection, MailStatus
from kefu.conversations import service as conversations
from kefu.http.deps import Cursor, Limit, StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.http.pages import Page
from kefu.tenancy import paginate

router = APIRouter(prefix="/api/v1", tags=["email"], responses=error_responses())
ConversationId = Annotated[int, path_id("conversation id")]


class EmailRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    conversation_id: int | None
    message_id: int | None
    direction: MailDirection
    status: MailStatus
    rfc_message_id: str
    in_reply_to: str
    subject: str
    reason: str
    html_body: str
    attachments: list[dict[str, Any]]
    attempts: int
    last_error: str
    sent_at: datetime | None
    created_at: datetime


@router.get("/conversations/{conversation_id}/emails", response_model=Page[EmailRead])
def conversation_emails(
    conversation_id: ConversationId,
    ctx: StaffCtx,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Any:
    """The mails behind a conversation's messages: delivery status, bounces, attachments.
    `html_body` is sanitised (nh3) and still to be shown as untrusted markup."""
    conv = conversations.access(ctx.session, actor=ctx.actor, conversation_id=conversation_id)
    stmt = select(EmailMessage).where(EmailMessage.conversation_id == conv.id)
    found = paginate(ctx.session, stmt, EmailMessage.id, limit=limit, cursor=cursor)
    return Page[EmailRead].of(found, EmailRead.model_validate)
