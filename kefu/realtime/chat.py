"""What the sockets do in the database — plain functions over a Session, run in worker threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, can, require
from kefu.channels import attachments, widget
from kefu.channels.models import Channel, ChannelKind
from kefu.config import Settings
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation, ConversationStatus
from kefu.customers import service as customers
from kefu.errors import Conflict, DomainError, NotFound, Unauthorized
from kefu.realtime import loads, offline, visitor, waiting
from kefu.realtime.protocol import CustomerHello, SendMessage
from kefu.routing import presence

UNKNOWN_WORKSPACE = Unauthorized(
    "widget.bad_token",
    zh="身份凭证无效，请重新登录商城",
    en="invalid identity token; sign in to the shop again",
)
NOT_ASSIGNED = Conflict(
    "conversation.not_assigned",
    zh="该会话未分配给您：旁听时只读，请先接管",
    en="this conversation is not assigned to you: listening in is read-only; take it over first",
)


@dataclass
class Welcome:
    actor: Actor
    frame: dict[str, Any]
    conversations: set[int] = field(default_factory=set)
    queue: dict[str, Any] | None = None


def hello_customer(session: Session, hello: CustomerHello, settings: Settings) -> Welcome:
    """Who the hello speaks for (shop token, visitor token or a new visitor) and what they missed."""
    ws = auth.get_workspace_by_key(session, hello.workspace)
    if ws is None:
        raise UNKNOWN_WORKSPACE
    visitor_token: str | None = None
    if hello.token is not None:
        actor, customer = widget.identify(
            session,
            workspace_key=hello.workspace,
            token=hello.token,
            max_age_s=settings.widget_token_max_age_s,
        )
        if hello.visitor is not None:
            _adopt_visitor(session, ws, hello.visitor, customer.id)
    else:
        if hello.visitor is not None:
            customer = visitor.read(session, ws, hello.visitor)
        else:
            customer = visitor.create(session, ws)
        actor = Actor.customer(ws.id, customer.id)
        visitor_token = visitor.issue(ws, customer.id)
    own = set(
        session.scalars(
            select(Conversation.id).where(
                Conversation.workspace_id == ws.id, Conversation.customer_id == customer.id
            )
        )
    )
    open_conv = _open_chat(session, actor)
    session.commit()
    frame = {
        "type": "welcome",
        "customer_id": customer.id,
        "visitor": visitor_token,
        "conversation_id": open_conv.id if open_conv else None,
        "heartbeat_s": settings.heartbeat_s,
        "missed": [],
    }
    return Welcome(actor=actor, frame=frame, conversations=own)


def catch_up(session: Session, actor: Actor, welcome: Welcome, seen: dict[int, int]) -> None:
    """Fill `missed` (after the socket is registered, so nothing falls between) and the queue."""
    missed: list[dict[str, Any]] = []
    for conv_id, last in seen.items():
        if conv_id in welcome.conversations:
            missed += loads.missed(session, conv_id, last, customer=True)
    open_id = welcome.frame["conversation_id"]
    if open_id is not None:
        if open_id not in seen:
            missed += loads.missed(session, open_id, None, customer=True)
        conv = session.get(Conversation, open_id)
        welcome.queue = waiting.status(session, conv) if conv is not None else None
    session.commit()
    welcome.frame["missed"] = missed


def _adopt_visitor(session: Session, ws: Any, token: str, customer_id: int) -> None:
    """The shop identified an anonymous visitor: fold the visitor into the customer (audited)."""
    try:
        anonymous = visitor.read(session, ws, token)
    except DomainError:
        return  # a stale visitor token must not stop a properly signed-in customer
    if anonymous.id != customer_id and visitor.is_anonymous(anonymous):
        customers.merge(
            session,
            actor=Actor.system(ws.id),
            source_id=anonymous.id,
            target_id=customer_id,
            reason="widget visitor identified by the shop",
        )


def _open_chat(session: Session, actor: Actor) -> Conversation | None:
    return session.scalars(
        select(Conversation)
        .join(Channel, Channel.id == Conversation.channel_id)
        .where(
            Conversation.workspace_id == actor.workspace_id,
            Conversation.customer_id == actor.id,
            Conversation.status == ConversationStatus.open,
            Channel.kind == ChannelKind.web_chat,
        )
        .order_by(Conversation.id.desc())
    ).first()


def hello_staff(session: Session, token: str, settings: Settings) -> Welcome:
    actor = auth.authenticate_token(session, token)
    require(actor, Perm.read)
    session.commit()
    frame = {"type": "welcome", "staff_id": actor.id, "heartbeat_s": settings.heartbeat_s}
    return Welcome(actor=actor, frame=frame)


@dataclass
class Sent:
    ack: dict[str, Any]
    conversation: dict[str, Any]
    queue: dict[str, Any] | None = None
    ticket: dict[str, Any] | None = None


def send(session: Session, actor: Actor, frame: SendMessage) -> Sent:
    """Store the message once per client_msg_id (a resend gets the stored one), then commit."""
    try:
        sent = _store(session, actor, frame)
        session.commit()
    except IntegrityError:
        # The same client_msg_id committed by another connection a moment ago: it is stored.
        session.rollback()
        sent = _store(session, actor, frame)
        session.commit()
    return sent


def send_many(session: Session, sends: list[tuple[Actor, SendMessage]]) -> list[Sent | Exception]:
    """Group commit: several sends stored in one transaction, the outcome of each in order.

    Nothing is acknowledged before the commit that stores it. Should any of them fail (refused,
    say), that transaction is rolled back and each is sent on its own, as `send` would, so one
    refused message never takes the others with it; its exception is its outcome.
    """
    if len(sends) > 1:
        try:
            stored = [_store(session, actor, frame) for actor, frame in sends]
            session.commit()
            return list(stored)
        except Exception:
            session.rollback()
    outcomes: list[Sent | Exception] = []
    for actor, frame in sends:
        try:
            outcomes.append(send(session, actor, frame))
        except Exception as exc:
            session.rollback()
            outcomes.append(exc)
    return outcomes


def _store(session: Session, actor: Actor, frame: SendMessage) -> Sent:
    """The message stored in the session's transaction (not committed) and what to answer."""
    # post_message checks the actor may write there (the same 404 for others' conversations).
    conv_id = frame.conversation_id
    if actor.kind == "customer":
        if conv_id is None:
            conv_id = _customer_conversation(session, actor).id
        internal = False
    else:
        if conv_id is None:
            raise NotFound("conversation.not_found", zh="会话不存在", en="conversation not found")
        internal = frame.internal
    posted = conversations.post(
        session,
        actor=actor,
        conversation_id=conv_id,
        body=frame.body,
        internal=internal,
        client_msg_id=frame.client_msg_id,
    )
    msg, conv, created = posted.message, posted.conversation, posted.created
    if actor.kind != "customer" and created and not internal and conv.assignee_id != actor.id:
        # Refused after the fact: the session is not committed, so nothing of it stays. (A resend
        # of a message already stored is acknowledged, whoever has the conversation now.)
        raise NOT_ASSIGNED
    if created and frame.attachment_ids:
        attachments.link(session, actor=actor, message=msg, attachment_ids=frame.attachment_ids)
    if created:  # its attachments are the ones just linked: no need to read them back
        message = loads.message_dicts(session, [msg], {msg.id: sorted(set(frame.attachment_ids))})
    else:
        message = loads.message_dicts(session, [msg])
    queue = ticket = None
    if actor.kind == "customer":
        queue = waiting.status(session, conv)
        if queue is not None and created and offline.nobody_online(session, conv.workspace_id):
            # Waiting for nobody: a ticket with a promised reply time instead of a queue place.
            ticket = offline.leave_message(session, conv, frame.body)
            queue = None
    meta = loads.conversation_meta(conv)
    ack = {"type": "ack", "client_msg_id": frame.client_msg_id, "message": message[0]}
    return Sent(ack=ack, conversation=meta, queue=queue, ticket=ticket)


def _customer_conversation(session: Session, actor: Actor) -> Conversation:
    """The customer's open web chat, or a new one."""
    conv = _open_chat(session, actor)
    if conv is not None:
        return conv
    assert actor.id is not None
    channel = widget.chat_channel(session, actor=actor)
    return conversations.create(session, actor=actor, channel_id=channel.id, customer_id=actor.id)


def conversation_of(session: Session, actor: Actor, conversation_id: int) -> dict[str, Any]:
    """The conversation's routing facts, if the actor may see it (NotFound otherwise)."""
    conv = conversations.access(session, actor=actor, conversation_id=conversation_id)
    meta = loads.conversation_meta(conv)
    session.commit()
    return meta


def watch(session: Session, actor: Actor, conversation_id: int, seen: int | None) -> dict[str, Any]:
    require(actor, Perm.supervise)
    conv = conversations.access(session, actor=actor, conversation_id=conversation_id)
    frame = {
        "type": "watching",
        "conversation_id": conv.id,
        "conversation": loads.conversation(session, conv.id),
        "missed": loads.missed(session, conv.id, seen, customer=False),
    }
    session.commit()
    return frame


def is_supervisor(actor: Actor) -> bool:
    return can(actor, Perm.supervise)


def touch(session: Session, actor: Actor) -> None:
    """A staff socket's heartbeat: the agent is active (routing's auto-away starts over)."""
    assert actor.id is not None
    presence.touch(session, workspace_id=actor.workspace_id, staff_id=actor.id)
    session.commit()
