"""Orders: recorded as the shop's order system reports them, read by staff (and later the bot)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, lazyload

from kefu import events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.customers.models import Customer
from kefu.errors import Conflict, Invalid, not_found
from kefu.orders.models import Order, OrderItem, OrderStatus
from kefu.tenancy import get_scoped, paginate, scoped

ORDER = ("订单", "order")
CUSTOMER = ("客户", "customer")


@dataclass(frozen=True, slots=True)
class NewItem:
    sku: str
    title: str
    quantity: int
    unit_price_cents: int


def create(
    session: Session,
    *,
    actor: Actor,
    number: str,
    customer_id: int,
    items: Sequence[NewItem],
    status: OrderStatus = OrderStatus.pending_payment,
    currency: str = "CNY",
    shipping_name: str = "",
    shipping_phone: str = "",
    shipping_address: str = "",
    carrier: str = "",
    tracking_no: str = "",
    paid_at: datetime | None = None,
    shipped_at: datetime | None = None,
    delivered_at: datetime | None = None,
) -> Order:
    """Record an order (sync from the shop, demo, tests); the total is the sum of its lines."""
    require(actor, Perm.manage_workspace)
    if not items:
        raise Invalid(
            "order.no_items", zh="订单至少要有一件商品", en="an order needs at least one item"
        )
    if any(i.quantity < 1 or i.unit_price_cents < 0 for i in items):
        raise Invalid(
            "order.bad_item",
            zh="商品数量须大于 0，单价不能为负",
            en="quantities must be positive, prices not negative",
        )
    customer = _buyer(session, actor, customer_id)
    if session.scalars(scoped(Order, actor).where(Order.number == number)).first() is not None:
        raise Conflict("order.exists", zh=f"订单 {number} 已存在", en=f"order {number} exists")
    order = Order(
        workspace_id=actor.workspace_id,
        number=number,
        customer_id=customer.id,
        status=status,
        currency=currency,
        total_cents=sum(i.quantity * i.unit_price_cents for i in items),
        shipping_name=shipping_name,
        shipping_phone=shipping_phone,
        shipping_address=shipping_address,
        carrier=carrier,
        tracking_no=tracking_no,
        paid_at=paid_at,
        shipped_at=shipped_at,
        delivered_at=delivered_at,
        items=[
            OrderItem(
                sku=i.sku, title=i.title, quantity=i.quantity, unit_price_cents=i.unit_price_cents
            )
            for i in items
        ],
    )
    session.add(order)
    session.flush()
    events.record(
        session,
        actor=actor,
        type="order.created",
        customer_id=customer.id,
        payload={
            "order_id": order.id,
            "number": number,
            "total_cents": order.total_cents,
            "currency": currency,
        },
    )
    return order


def _buyer(session: Session, actor: Actor, customer_id: int) -> Customer:
    # Only the id and the merge pointer are needed: skip the profile's eager-loaded collections,
    # which would cost two more queries per order in a bulk sync.
    stmt: Select[Any] = scoped(Customer, actor).options(lazyload("*"))
    customer: Customer | None = session.scalars(stmt.where(Customer.id == customer_id)).first()
    # An order reported for a merged-away customer belongs to the customer they were merged into.
    while customer is not None and customer.merged_into_id is not None:
        customer = session.scalars(stmt.where(Customer.id == customer.merged_into_id)).first()
    if customer is None:
        raise not_found(*CUSTOMER)
    return customer


def get(session: Session, *, actor: Actor, order_id: int) -> Order:
    """One order of the actor's workspace; another workspace's is "not found", as a missing one."""
    require(actor, Perm.read)
    return get_scoped(session, Order, order_id, actor, what=ORDER)


def list_(
    session: Session,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    customer_id: int | None = None,
    status: OrderStatus | None = None,
    number: str | None = None,
) -> tuple[list[Order], str | None]:
    """Newest first. A customer's orders include those of customers merged into them."""
    require(actor, Perm.read)
    stmt = scoped(Order, actor)
    if customer_id is not None:
        merged = select(Customer.id).where(
            Customer.workspace_id == actor.workspace_id, Customer.merged_into_id == customer_id
        )
        stmt = stmt.where((Order.customer_id == customer_id) | Order.customer_id.in_(merged))
    if status is not None:
        stmt = stmt.where(Order.status == status)
    if number is not None:
        stmt = stmt.where(Order.number == number)
    return paginate(session, stmt, Order.id, limit=limit, cursor=cursor)
