"""Which order a case is about, whichever ids the caller's channel happens to know.

The phone agent works the ticket, the chat agent the conversation, the bot the order — for one
and the same case. Its key (grants.py) and its offer must not depend on that, or the same late
parcel is paid once per channel. So the order is the case's canonical subject: given directly,
else the one the ticket names (`order_ref`, the order's number), else the one order the tickets
linked to the conversation name.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.errors import Invalid
from kefu.orders.models import Order
from kefu.tenancy import get_scoped
from kefu.tickets.models import Ticket, TicketConversation

ORDER = ("订单", "order")


def case_order(
    session: Session,
    *,
    actor: Actor,
    order_id: int | None,
    ticket: Ticket | None,
    conversation_id: int | None,
) -> Order | None:
    """The order the case is about, or None when nothing names one (ids already access-checked,
    except `order_id`, which is fetched in the actor's workspace here)."""
    order = get_scoped(session, Order, order_id, actor, what=ORDER) if order_id else None
    if ticket is not None and ticket.order_ref:
        named = _by_number(session, actor.workspace_id, ticket.order_ref)
        if order is not None and named is not None and named.id != order.id:
            raise Invalid(
                "compensation.order_mismatch",
                zh=f"工单关联的是订单 {named.number}，与所给订单 {order.number} 不符",
                en=f"the ticket is about order {named.number}, not order {order.number}",
            )
        order = order or named
    if order is None and conversation_id is not None:
        order = _of_conversation(session, actor.workspace_id, conversation_id)
    return order


def _by_number(session: Session, workspace_id: int, number: str) -> Order | None:
    # A ticket may name an order the shop has not sent yet: then no order is known (yet).
    return session.scalars(
        select(Order).where(Order.workspace_id == workspace_id, Order.number == number)
    ).first()


def _of_conversation(session: Session, workspace_id: int, conversation_id: int) -> Order | None:
    named = (
        select(Ticket.order_ref)
        .join(TicketConversation, TicketConversation.ticket_id == Ticket.id)
        .where(
            Ticket.workspace_id == workspace_id,
            TicketConversation.conversation_id == conversation_id,
            Ticket.order_ref != "",
        )
    )
    orders = list(
        session.scalars(
            select(Order)
            .where(Order.workspace_id == workspace_id, Order.number.in_(named))
            .order_by(Order.id)
        )
    )
    if len(orders) > 1:
        # Guessing would key the case on one order here and on another elsewhere: ask instead.
        numbers = ", ".join(o.number for o in orders)
        raise Invalid(
            "compensation.order_ambiguous",
            zh=f"该会话涉及多个订单（{numbers}），请指明是哪个订单的补偿",
            en=f"the conversation is about several orders ({numbers}); say which order",
        )
    return orders[0] if orders else None
