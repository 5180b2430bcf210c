"""Conversations and messages: the one thread per customer contact, on any channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

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
# tenancy.get_scoped's query for a conversation, built once (see `access`).
_ONE_OF_WORKSPACE = select(Conversation).where(
    Conversation.workspace_id == bindparam("workspace_id"),
    Conversation.id == bindparam("conversation_id"),
)
_SCOPED = {False: _ONE_OF_WORKSPACE, True: _ONE_OF_WORKSPACE.with_for_update()}


def access(
    session: Session, *, actor: Actor, conversation_id: int, for_update: bool = False
) -> Conversation:
    """The conversation if the actor may see it: staff of its workspace, or the customer in it."""
    if actor.kind != "customer":
        require(actor, Perm.read)
    # tenancy.get_scoped's query, built once: it runs on every chat message, and building it per
    # call cost as much as running it.
    params = {"workspace_id": actor.workspace_id, "conversation_id": conversation_id}
    conv = session.scalars(_SCOPED[for_update], params).first()
    if conv is None or (actor.kind == "customer" and conv.customer_id != actor.id):
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


@dataclass(frozen=True)
class Posted:
    """A message appended (or found again by its client_msg_id) and its conversation as now."""

    message: Message
    conversation: Conversation
    created: bool


def post_message(
    session: Session,
    *,
    actor: Actor,
    conversation_id: int,
    body: str,
    internal: bool = False,
    client_msg_id: str | None = None,
    actions: list[dict[str, str]] | None = None,
) -> tuple[Message, bool]:
    """Append a message; returns (message, created). A repeated client_msg_id returns the first."""
    posted = post(
        session,
        actor=actor,
        conversation_id=conversation_id,
        body=body,
        internal=internal,
        client_msg_id=client_msg_id,
        actions=actions,
    )
    return posted.message, posted.created


def post(
    session: Session,
    *,
    actor: Actor,
    conversation_id: int,
    body: str,
    internal: bool = False,
    client_msg_id: str | None = None,
    actions: list[dict[str, str]] | None = None,
) -> Posted:
    """`post_message`, also handing back the conversation it loaded (no second read for callers).

    The hot path of every chat message, so it is written in few, cached statements: the message
    is one `INSERT … ON CONFLICT DO NOTHING RETURNING id` (a repeated client_msg_id inserts
    nothing, and only then is the stored one read), the conversation's counters one `UPDATE …
    RETURNING`, and both rows are then known to the session as written — nothing is read back.
    """
    if actor.kind == "staff":
        require(actor, Perm.converse)
    conv = access(session, actor=actor, conversation_id=conversation_id)
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
    values = {
        "workspace_id": actor.workspace_id,
        "conversation_id": conv.id,
        "direction": direction,
        "author_kind": author,
        "author_staff_id": actor.id if actor.kind == "staff" else None,
        "body": body,
        "client_msg_id": client_msg_id,
        # Quick replies are the bot's: a customer's or agent's message never carries buttons.
        "actions": actions or None if actor.kind == "bot" else None,
        "created_at": now,
    }
    session.flush()  # whatever the caller left pending goes first, as a flush here always did
    conn = session.connection(bind_arguments={"mapper": Message})
    postgres = conn.dialect.name == "postgresql"
    message_id = conn.execute(_INSERT_MESSAGE[postgres], values).scalar()
    if message_id is None:
        # The unique (conversation_id, client_msg_id) was taken: a resend of a stored message
        # (on PostgreSQL, committed meanwhile by another connection: the insert waited for it).
        existing = session.scalars(
            select(Message).where(
                Message.conversation_id == conv.id, Message.client_msg_id == client_msg_id
            )
        ).one()
        return Posted(existing, conv, created=False)
    # A customer writing into a closed conversation reopens it rather than talking to nobody.
    reopen = conv.status is ConversationStatus.closed and direction is Direction.inbound
    # The count in SQL, not Python: two messages landing at once must both count.
    count = conn.execute(
        _COUNT_REOPEN if reopen else _COUNT, {"conversation_id": conv.id, "now": now}
    ).scalar_one()
    set_committed_value(conv, "message_count", count)
    set_committed_value(conv, "last_message_at", now)
    if reopen:
        set_committed_value(conv, "status", ConversationStatus.open)
        set_committed_value(conv, "closed_at", None)
    msg = Message(id=message_id, **values)
    # Written already: the session takes it as persistent, as if loaded (no INSERT at flush).
    # SQLite hands out again the id of a row a rolled-back SAVEPOINT took back (a bot turn that
    # failed), whose instance the session may still hold: the new row is the one that exists.
    stale = session.identity_map.get(_MESSAGE_MAPPER.identity_key_from_primary_key((message_id,)))
    if stale is not None:
        session.expunge(stale)
    make_transient_to_detached(msg)
    session.add(msg)
    events.record(
        session,
        actor=actor,
        type="message.note_added" if internal else "message.created",
        customer_id=conv.customer_id,
        conversation_id=conv.id,
        payload={
            "message_id": message_id,
            "direction": direction.value,
            "excerpt": body[:EXCERPT],
            **({"reopened": True} if reopen else {}),
        },
    )
    return Posted(msg, conv, created=True)


_MESSAGE_MAPPER = inspect(Message)
_messages = cast(Table, Message.__table__)
_conversations = cast(Table, Conversation.__table__)
# (PostgreSQL?) -> the insert; both dialects spell ON CONFLICT the same, but each needs its own.
_INSERT_MESSAGE = {
    postgres: (pg_insert if postgres else sqlite_insert)(_messages)
    .on_conflict_do_nothing(index_elements=["conversation_id", "client_msg_id"])
    .returning(_messages.c.id)
    for postgres in (False, True)
}
_COUNT = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conversation_id"))
    .values(message_count=_conversations.c.message_count + 1, last_message_at=bindparam("now"))
    .returning(_conversations.c.message_count)
)
_COUNT_REOPEN = _COUNT.values(status=ConversationStatus.open, closed_at=None)


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
