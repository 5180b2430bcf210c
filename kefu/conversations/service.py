"""Conversations and messages: the one thread per customer contact, on any channel."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.models import Staff
from kefu.auth.permissions import Perm, require
from kefu.channels.models import Channel
from kefu.conversations.models import (
    AuthorKind,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
)
from kefu.customers.models import Customer
from kefu.errors import Conflict, not_found
from kefu.tenancy import get_scoped, paginate, scoped

CONVERSATION = ("会话", "conversation")
CHANNEL = ("渠道", "channel")
CUSTOMER = ("客户", "customer")
STAFF = ("员工", "staff member")
EXCERPT = 140


def access(
    session: Session, *, actor: Actor, conversation_id: int, for_update: bool = False
) -> Conversation:
    """The conversation if the actor may see it: staff of its workspace, or the customer in it."""
    if actor.kind != "customer":
        require(actor, Perm.read)
    conv = get_scoped(
        session, Conversation, conversation_id, actor, what=CONVERSATION, for_update=for_update
    )
    if actor.kind == "customer" and conv.customer_id != actor.id:
        raise not_found(*CONVERSATION)
    return conv


def create(
    session: Session,
    *,
    actor: Actor,
    channel_id: int,
    customer_id: int,
    subject: str = "",
) -> Conversation:
    if actor.kind == "customer":
        if actor.id != customer_id:
            raise not_found(*CUSTOMER)
    else:
        require(actor, Perm.converse)
    channel = get_scoped(session, Channel, channel_id, actor, what=CHANNEL)
    if not channel.active:
        raise Conflict("channel.inactive", zh="该渠道已停用", en="this channel is switched off")
    customer = get_scoped(session, Customer, customer_id, actor, what=CUSTOMER)
    if customer.merged_into_id is not None:
        customer = get_scoped(session, Customer, customer.merged_into_id, actor, what=CUSTOMER)
    conv = Conversation(
        workspace_id=actor.workspace_id,
        channel_id=channel.id,
        customer_id=customer.id,
        subject=subject,
    )
    session.add(conv)
    session.flush()
    events.record(
        session,
        actor=actor,
        type="conversation.created",
        customer_id=customer.id,
        conversation_id=conv.id,
        payload={"channel_id": channel.id, "channel_kind": channel.kind.value, "subject": subject},
    )
    return conv


def list_(
    session: Session,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    status: ConversationStatus | None = None,
    customer_id: int | None = None,
    channel_id: int | None = None,
    assignee_id: int | None = None,
) -> tuple[list[Conversation], str | None]:
    require(actor, Perm.read)
    stmt = scoped(Conversation, actor)
    if status is not None:
        stmt = stmt.where(Conversation.status == status)
    if customer_id is not None:
        stmt = stmt.where(Conversation.customer_id == customer_id)
    if channel_id is not None:
        stmt = stmt.where(Conversation.channel_id == channel_id)
    if assignee_id is not None:
        stmt = stmt.where(Conversation.assignee_id == assignee_id)
    return paginate(session, stmt, Conversation.id, limit=limit, cursor=cursor)


def list_for_customer(
    session: Session, *, actor: Actor, limit: int, cursor: str | None
) -> tuple[list[Conversation], str | None]:
    """The signed-in customer's own conversations."""
    stmt = scoped(Conversation, actor).where(Conversation.customer_id == actor.id)
    return paginate(session, stmt, Conversation.id, limit=limit, cursor=cursor)


def post_message(
    session: Session,
    *,
    actor: Actor,
    conversation_id: int,
    body: str,
    internal: bool = False,
    client_msg_id: str | None = None,
) -> tuple[Message, bool]:
    """Append a message; returns (message, created). A repeated client_msg_id returns the first."""
    if actor.kind == "staff":
        require(actor, Perm.converse)
    conv = access(session, actor=actor, conversation_id=conversation_id)
    if client_msg_id is not None:
        existing = session.scalars(
            select(Message).where(
                Message.conversation_id == conv.id, Message.client_msg_id == client_msg_id
            )
        ).first()
        if existing is not None:
            return existing, False
    # Channels without a schema (mail bodies, group webhooks, the bot's echoes) may carry NUL,
    # which PostgreSQL refuses in text: shown as U+FFFD rather than a failed write.
    body = body.replace("\x00", "\ufffd")
    author = _AUTHOR[actor.kind]
    # A customer's text is always inbound: only staff, the bot and the system write notes.
    if internal and actor.kind == "customer":
        internal = False
    direction = (
        Direction.internal
        if internal
        else Direction.inbound
        if actor.kind == "customer"
        else Direction.outbound
    )
    now = clock.now()
    msg = Message(
        workspace_id=actor.workspace_id,
        conversation_id=conv.id,
        direction=direction,
        author_kind=author,
        author_staff_id=actor.id if actor.kind == "staff" else None,
        body=body,
        client_msg_id=client_msg_id,
        created_at=now,
    )
    session.add(msg)
    # In SQL, not Python: two messages landing at once must both count.
    conv.message_count = Conversation.message_count + 1
    conv.last_message_at = now
    if conv.status is ConversationStatus.closed and direction is Direction.inbound:
        # A customer writing into a closed conversation reopens it rather than talking to nobody.
        conv.status = ConversationStatus.open
        conv.closed_at = None
    session.flush()
    events.record(
        session,
        actor=actor,
        type="message.note_added" if internal else "message.created",
        customer_id=conv.customer_id,
        conversation_id=conv.id,
        payload={"message_id": msg.id, "direction": direction.value, "excerpt": body[:EXCERPT]},
    )
    return msg, True


_AUTHOR = {
    "customer": AuthorKind.customer,
    "staff": AuthorKind.agent,
    "bot": AuthorKind.bot,
    "system": AuthorKind.system,
}


def list_messages(
    session: Session, *, actor: Actor, conversation_id: int, limit: int, cursor: str | None
) -> tuple[list[Message], str | None]:
    conv = access(session, actor=actor, conversation_id=conversation_id)
    stmt = select(Message).where(Message.conversation_id == conv.id)
    if actor.kind == "customer":
        stmt = stmt.where(Message.direction != Direction.internal)
    return paginate(session, stmt, Message.id, limit=limit, cursor=cursor)


def assign(
    session: Session, *, actor: Actor, conversation_id: int, assignee_id: int | None
) -> Conversation:
    require(actor, Perm.converse)
    conv = access(session, actor=actor, conversation_id=conversation_id, for_update=True)
    if assignee_id is not None:
        staff = get_scoped(session, Staff, assignee_id, actor, what=STAFF)
        if not staff.active:
            raise Conflict(
                "staff.inactive", zh="该员工已停用", en="this staff member is deactivated"
            )
    if conv.assignee_id != assignee_id:
        events.record(
            session,
            actor=actor,
            type="conversation.assigned",
            customer_id=conv.customer_id,
            conversation_id=conv.id,
            payload={"from": conv.assignee_id, "to": assignee_id},
        )
        conv.assignee_id = assignee_id
    session.flush()
    return conv


def set_status(
    session: Session, *, actor: Actor, conversation_id: int, status: ConversationStatus
) -> Conversation:
    require(actor, Perm.converse)
    conv = access(session, actor=actor, conversation_id=conversation_id, for_update=True)
    if conv.status is not status:
        conv.status = status
        conv.closed_at = clock.now() if status is ConversationStatus.closed else None
        events.record(
            session,
            actor=actor,
            type=f"conversation.{'closed' if status is ConversationStatus.closed else 'reopened'}",
            customer_id=conv.customer_id,
            conversation_id=conv.id,
        )
    session.flush()
    return conv
