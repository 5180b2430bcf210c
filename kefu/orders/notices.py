"""What the customer reads in their conversation when an agent acts on their order in the chat.

在离一体: the agent clicks "refund" beside the conversation and the customer sees the result at
once, in their own language, in the same conversation — written in the action's transaction, so
a refused or rolled-back action posts nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.conversations import service as conversations
from kefu.customers.models import Customer
from kefu.errors import Invalid
from kefu.orders.access import customer_ids
from kefu.orders.actions import Done


def tell_customer(session: Session, *, actor: Actor, conversation_id: int, done: Done) -> None:
    """Post the action's outcome into the customer's conversation (once per outcome)."""
    conv = conversations.access(session, actor=actor, conversation_id=conversation_id)
    owner = Actor.customer(done.order.workspace_id, done.order.customer_id)
    if conv.customer_id not in customer_ids(session, owner):
        # Never tell one customer about another's order: the whole action is undone.
        raise Invalid(
            "order.conversation_mismatch",
            zh="该会话不属于此订单的顾客",
            en="the conversation is not the order's customer's",
        )
    customer = session.get(Customer, conv.customer_id)
    locale = customer.locale if customer is not None else "zh-CN"
    body = done.en if locale.startswith("en") else done.zh
    # One message per outcome: a retried click (same refund, ticket or promise) posts nothing new.
    ref = done.refund.id if done.refund else done.effect_id or done.promise_id or done.ticket_id
    conversations.post_message(
        session,
        actor=actor,
        conversation_id=conv.id,
        body=body,
        client_msg_id=f"order:{done.order.id}:{done.action}:{done.outcome}:{ref or ''}",
    )
