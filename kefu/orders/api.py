"""Routes: orders, read-only for staff (the shop's order system is the source of truth)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from kefu.http.deps import Cursor, Limit, RefFilter, StaffCtx, path_id, text_filter
from kefu.http.errors import error_responses
from kefu.http.pages import Page
from kefu.orders import service as orders
from kefu.orders.models import OrderStatus
from kefu.orders.schemas import OrderRead

router = APIRouter(prefix="/api/v1", tags=["orders"], responses=error_responses())

OrderId = Annotated[int, path_id("order id")]


@router.get("/orders", response_model=Page[OrderRead])
def list_orders(
    ctx: StaffCtx,
    limit: Limit = 50,
    cursor: Cursor = None,
    customer_id: RefFilter = None,
    status: OrderStatus | None = None,
    number: Annotated[str | None, text_filter(64, "exact order number")] = None,
) -> Any:
    """Newest first; by customer (merged-in profiles included), status or order number."""
    found = orders.list_(
        ctx.session,
        actor=ctx.actor,
        limit=limit,
        cursor=cursor,
        customer_id=customer_id,
        status=status,
        number=number,
    )
    return Page[OrderRead].of(found, OrderRead.of)


@router.get("/orders/{order_id}", response_model=OrderRead)
def get_order(order_id: OrderId, ctx: StaffCtx) -> Any:
    """One order with its items; the recipient's name, phone and address are masked."""
    return OrderRead.of(orders.get(ctx.session, actor=ctx.actor, order_id=order_id))
