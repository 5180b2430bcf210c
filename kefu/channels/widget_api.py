"""Customer-facing routes for the chat widget and apps, authenticated by the shop-signed token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from sqlalchemy.orm import Session

from kefu.channels import widget
from kefu.conversations import service as conversations
from kefu.conversations.schemas import ConversationRead, MessageCreate, MessageRead
from kefu.customers import service as customers
from kefu.customers.schemas import CustomerRead
from kefu.errors import Unauthorized
from kefu.http.deps import Ctx, Cursor, Limit, get_session, path_id
from kefu.http.errors import error_responses, language
from kefu.http.pages import Page
from kefu.http.types import Subject

router = APIRouter(prefix="/api/v1/widget", tags=["widget"], responses=error_responses())


def customer_ctx(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    workspace: Annotated[
        str | None, Header(alias="X-Kefu-Workspace", min_length=1, max_length=64)
    ] = None,
    token: Annotated[
        str | None, Header(alias="X-Kefu-Customer-Token", min_length=3, max_length=4096)
    ] = None,
) -> Ctx:
    if workspace is None or token is None:
        # Without credentials this is a 401, as on the staff API, not a 422 about missing headers.
        raise Unauthorized(
            "widget.missing",
            zh="需要身份凭证，请登录商城",
            en="an identity token is required; sign in to the shop",
        )
    actor, _ = widget.identify(
        session,
        workspace_key=workspace,
        token=token,
        max_age_s=request.app.state.settings.widget_token_max_age_s,
    )
    session.commit()  # identification is its own use case: a first contact creates the customer
    return Ctx(session=session, actor=actor, lang=language(request))


CustomerCtx = Annotated[Ctx, Depends(customer_ctx)]
ConversationId = Annotated[int, path_id("conversation id")]


@router.get("/me", response_model=CustomerRead)
def me(ctx: CustomerCtx) -> Any:
    """The signed-in customer (identities masked); the first call creates the profile."""
    assert ctx.actor.id is not None
    return ctx.commit(
        CustomerRead.of(customers.get(ctx.session, actor=ctx.actor, customer_id=ctx.actor.id))
    )


@router.get("/conversations", response_model=Page[ConversationRead])
def my_conversations(ctx: CustomerCtx, limit: Limit = 20, cursor: Cursor = None) -> Any:
    found = conversations.list_for_customer(
        ctx.session, actor=ctx.actor, limit=limit, cursor=cursor
    )
    return Page[ConversationRead].of(found, ConversationRead.model_validate)


@router.post("/conversations", response_model=ConversationRead, status_code=201)
def start_conversation(
    ctx: CustomerCtx, subject: Annotated[Subject | None, Header(alias="X-Kefu-Subject")] = None
) -> Any:
    assert ctx.actor.id is not None
    channel = widget.chat_channel(ctx.session, actor=ctx.actor)
    conv = conversations.create(
        ctx.session,
        actor=ctx.actor,
        channel_id=channel.id,
        customer_id=ctx.actor.id,
        subject=subject or "",
    )
    return ctx.commit(ConversationRead.model_validate(conv))


@router.get("/conversations/{conversation_id}/messages", response_model=Page[MessageRead])
def my_messages(
    conversation_id: ConversationId, ctx: CustomerCtx, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    """Messages of one of my conversations; internal notes are never included."""
    found = conversations.list_messages(
        ctx.session, actor=ctx.actor, conversation_id=conversation_id, limit=limit, cursor=cursor
    )
    return Page[MessageRead].of(found, MessageRead.model_validate)


@router.post(
    "/conversations/{conversation_id}/messages", response_model=MessageRead, status_code=201
)
def send(conversation_id: ConversationId, body: MessageCreate, ctx: CustomerCtx) -> Any:
    """Send a message; resending the same `client_msg_id` returns the stored one (no duplicate)."""
    msg, _ = conversations.post_message(
        ctx.session,
        actor=ctx.actor,
        conversation_id=conversation_id,
        body=body.body,
        client_msg_id=body.client_msg_id,
    )
    return ctx.commit(MessageRead.model_validate(msg))
