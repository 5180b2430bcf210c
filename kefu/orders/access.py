"""The one permission- and ownership-checked way to reach an order for reading or acting.

A customer reaches only their own orders (those of profiles merged into them included); any
other order — another customer's, another workspace's, a missing one — is the same 404.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.customers.models import Customer
from kefu.errors import not_found
from kefu.orders.models import Order
from kefu.tenancy import get_scoped

ORDER = ("订单", "order")


def customer_ids(session: Session, actor: Actor) -> list[int]:
    """The customer's own id and the ids of profiles merged into them."""
    assert actor.id is not None
    merged = session.scalars(
        select(Customer.id).where(
            Customer.workspace_id == actor.workspace_id, Customer.merged_into_id == actor.id
        )
    ).all()
    return [actor.id, *merged]


def access_order(
    session: Session, *, actor: Actor, order_id: int, act: bool = False, for_update: bool = False
) -> Order:
    """Read (`act=False`) or act on an order: staff need read / act_on_orders, customers own it."""
    if actor.kind == "customer":
        order = get_scoped(session, Order, order_id, actor, what=ORDER, for_update=for_update)
        # Their own order needs no look-up of merged profiles (the common case).
        if order.customer_id != actor.id and order.customer_id not in customer_ids(session, actor):
            raise not_found(*ORDER)
        return order
    require(actor, Perm.act_on_orders if act else Perm.read)
    return get_scoped(session, Order, order_id, actor, what=ORDER, for_update=for_update)
