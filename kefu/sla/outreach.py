"""Telling the customer: messages kefu sends on its own (apologies, status, new ETAs).

They are ordinary outbound messages on the customer's most recent conversation, so they land in
the one timeline and leave through the same outbox as an agent's reply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from kefu import events
from kefu.auth.actor import Actor
from kefu.auth.models import Workspace
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation
from kefu.customers.models import Customer
from kefu.tickets.models import Ticket
from kefu.tickets.rules import STATUS_ZH


def last_conversation(session: Session, ticket: Ticket) -> Conversation | None:
    """The conversation the customer used last: linked to the ticket first, else any of theirs.

    Only the ticket customer's own (or a customer merged into them): what is posted there quotes
    the case, and a conversation linked by mistake may be someone else's.
    """
    linked = ticket.conversation_ids
    stmt = select(Conversation).where(Conversation.workspace_id == ticket.workspace_id)
    if ticket.customer_id is not None:
        stmt = stmt.where(Conversation.customer_id.in_(_same_customer(session, ticket.customer_id)))
    elif linked:
        stmt = stmt.where(Conversation.id.in_(linked))
    else:
        return None
    first = [Conversation.id.in_(linked).desc()] if linked else []
    return session.scalars(
        stmt.order_by(
            *first, Conversation.last_message_at.desc().nulls_last(), Conversation.id.desc()
        )
    ).first()


def _same_customer(session: Session, customer_id: int) -> Select[Any]:
    """The ids that are this customer: itself (as merged into) and those merged into it."""
    customer = session.get(Customer, customer_id)
    root = (customer.merged_into_id or customer.id) if customer is not None else customer_id
    return select(Customer.id).where(or_(Customer.id == root, Customer.merged_into_id == root))


def tell_customer(session: Session, *, ticket: Ticket, text: str) -> int | None:
    """Post `text` to the customer; returns the conversation id, or None when there is none to use."""
    conv = last_conversation(session, ticket)
    system = Actor.system(ticket.workspace_id)
    if conv is None:
        events.record(
            session,
            actor=system,
            type="customer.unreachable",
            customer_id=ticket.customer_id,
            ticket_id=ticket.id,
            payload={"text": text},
        )
        return None
    conversations.post_message(session, actor=system, conversation_id=conv.id, body=text)
    return conv.id


CHINA_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})


def workspace_zone(session: Session, workspace_id: int) -> ZoneInfo:
    ws = session.get(Workspace, workspace_id)
    return ZoneInfo(ws.timezone if ws else "Asia/Shanghai")


def zone_label(zone: ZoneInfo, lang: str = "zh") -> str:
    """What a reader calls the shop's clock: "北京时间" / "China time", else the zone's name."""
    if zone.key in CHINA_ZONES:
        return "China time" if lang == "en" else "北京时间"
    return f"{zone.key} time" if lang == "en" else f"{zone.key} 时间"


def local_time(session: Session, workspace_id: int, instant: datetime, lang: str = "zh") -> str:
    """The shop's wall clock, as a customer reads it: "12月8日 18:00" / "8 Dec, 18:00"."""
    local = instant.astimezone(workspace_zone(session, workspace_id))
    if lang == "en":
        return f"{local.day} {local:%b}, {local:%H:%M}"
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _english_time(session: Session, workspace_id: int, instant: datetime) -> str:
    """E.g. "30 Sep, 14:00 (China time)": the shop's clock, named, as the customer may be abroad."""
    zone = zone_label(workspace_zone(session, workspace_id), "en")
    return f"{local_time(session, workspace_id, instant, lang='en')} ({zone})"


def update_text(session: Session, ticket: Ticket, *, eta: datetime, reason: str) -> str:
    """Apology, current status and the new ETA — in the customer's language."""
    customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    if customer is not None and customer.locale.startswith("en"):
        return (
            f"We are sorry for the wait. Your case #{ticket.number} is {ticket.status.value.replace('_', ' ')}"
            f" ({reason}). We will update you by {_english_time(session, ticket.workspace_id, eta)}."
        )
    when = local_time(session, ticket.workspace_id, eta)
    return f"很抱歉让您久等了。您的问题（工单 #{ticket.number}）目前{STATUS_ZH[ticket.status]}：{reason}。我们会在{when}前给您新的进展。"


def escalation_text(session: Session, ticket: Ticket, *, responder: str, eta: datetime) -> str:
    """Apology, status, the named senior who now answers, and by when — in the customer's language."""
    customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    if customer is not None and customer.locale.startswith("en"):
        return (
            f"We are sorry for the wait. Your case #{ticket.number} is "
            f"{ticket.status.value.replace('_', ' ')} and is now handled by {responder}, who will "
            f"answer you by {_english_time(session, ticket.workspace_id, eta)}."
        )
    when = local_time(session, ticket.workspace_id, eta)
    return (
        f"很抱歉让您久等了。您的问题（工单 #{ticket.number}）目前{STATUS_ZH[ticket.status]}，"
        f"已升级由{responder}负责跟进，我们会在{when}前给您答复。"
    )
