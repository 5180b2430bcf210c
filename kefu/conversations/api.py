"""Routes: conversations, messages, the conversation timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from kefu.conversations import service as conversations
from kefu.conversations.models import ConversationStatus
from kefu.conversations.schemas import (
    ConversationCreate,
    ConversationRead,
    ConversationUpdate,
    MessageCreate,
    MessageRead,
)
from kefu.http.deps import Cursor, Limit, RefFilter, StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once
from kefu.http.pages import Page
from kefu.timeline import service as timeline
from kefu.timeline.schemas import EventRead

router = APIRouter(prefix="/api/v1", tags=["conversations"], responses=error_responses())

ConversationId = Annotated[int, path_id("conversation id")]


@router.get("/conversations", response_model=Page[ConversationRead])
def list_conversations(
    ctx: StaffCtx,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: ConversationStatus | None = None,
    customer_id: RefFilter = None,
    channel_id: RefFilter = None,
    assignee_id: RefFilter = None,
) -> Any:
    found = conversations.list_(
        ctx.session,
        actor=ctx.actor,
        limit=limit,
        cursor=cursor,
        status=status,
        customer_id=customer_id,
        channel_id=channel_id,
        assignee_id=assignee_id,
    )
    return Page[ConversationRead].of(found, ConversationRead.model_validate)


@router.post("/conversations", response_model=ConversationRead, status_code=201)
def create_conversation(body: ConversationCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    return create_once(
        ctx,
        key,
        operation="conversation.create",
        request=body,
        make=lambda: ConversationRead.model_validate(
            conversations.create(
                ctx.session,
                actor=ctx.actor,
                channel_id=body.channel_id,
                customer_id=body.customer_id,
                subject=body.subject or "",
            )
        ),
    )


@router.get("/conversations/{conversation_id}", response_model=ConversationRead)
def get_conversation(conversation_id: ConversationId, ctx: StaffCtx) -> Any:
    return conversations.access(ctx.session, actor=ctx.actor, conversation_id=conversation_id)


@router.patch("/conversations/{conversation_id}", response_model=ConversationRead)
def update_conversation(
    conversation_id: ConversationId, body: ConversationUpdate, ctx: StaffCtx
) -> Any:
    """Close or reopen, assign (`assignee_id`) or unassign (`unassign: true`)."""
    # Each use case checks the permission before it looks the conversation up: a role that may
    # not change conversations gets 403 whether or not the id exists.
    conv = None
    if body.assignee_id is not None or body.unassign:
        conv = conversations.assign(
            ctx.session,
            actor=ctx.actor,
            conversation_id=conversation_id,
            assignee_id=None if body.unassign else body.assignee_id,
        )
    if body.status is not None:
        conv = conversations.set_status(
            ctx.session, actor=ctx.actor, conversation_id=conversation_id, status=body.status
        )
    if conv is None:
        conv = conversations.access(ctx.session, actor=ctx.actor, conversation_id=conversation_id)
    return ctx.commit(ConversationRead.model_validate(conv))


@router.get("/conversations/{conversation_id}/messages", response_model=Page[MessageRead])
def list_messages(
    conversation_id: ConversationId, ctx: StaffCtx, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    found = conversations.list_messages(
        ctx.session, actor=ctx.actor, conversation_id=conversation_id, limit=limit, cursor=cursor
    )
    return Page[MessageRead].of(found, MessageRead.model_validate)


@router.post(
    "/conversations/{conversation_id}/messages",
    response_model=MessageRead,
    status_code=201,
    responses={200: {"model": MessageRead, "description": "a resend: the message stored first"}},
)
def post_message(
    conversation_id: ConversationId, body: MessageCreate, ctx: StaffCtx, key: IdempotencyKey = None
) -> Any:
    """Reply (or add an internal note). A repeated `client_msg_id` answers 200 with the first."""
    created = True

    def make() -> MessageRead:
        nonlocal created
        msg, created = conversations.post_message(
            ctx.session,
            actor=ctx.actor,
            conversation_id=conversation_id,
            body=body.body,
            internal=body.internal,
            client_msg_id=body.client_msg_id,
        )
        return MessageRead.model_validate(msg)

    out = create_once(
        ctx, key, operation=f"conversation.{conversation_id}.message", request=body, make=make
    )
    if not created and isinstance(out, MessageRead):
        return JSONResponse(out.model_dump(mode="json"), status_code=200)
    return out


@router.get("/conversations/{conversation_id}/timeline", response_model=Page[EventRead])
def conversation_timeline(
    conversation_id: ConversationId, ctx: StaffCtx, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    conv = conversations.access(ctx.session, actor=ctx.actor, conversation_id=conversation_id)
    found = timeline.for_subject(
        ctx.session,
        actor=ctx.actor,
        column="conversation_id",
        subject_id=conv.id,
        limit=limit,
        cursor=cursor,
    )
    return Page[EventRead].of(found, EventRead.model_validate)
