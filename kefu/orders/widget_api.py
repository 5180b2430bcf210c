"""Customer routes: my orders, the order page, and self-service actions (own orders only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from kefu.auth.models import Workspace
from kefu.channels.widget_api import CustomerCtx, customer_ctx
from kefu.http.deps import Cursor, Limit, path_id
from kefu.http.errors import error_responses
from kefu.http.pages import Page
from kefu.orders import links, views
from kefu.orders.access import customer_ids
from kefu.orders.action_routes import action_router
from kefu.orders.action_schemas import OrderLinkRead
from kefu.orders.models import Order
from kefu.orders.page_schemas import OrderPageRead
from kefu.orders.schemas import OrderRead
from kefu.tenancy import paginate, scoped

router = APIRouter(prefix="/api/v1/widget", tags=["widget"], responses=error_responses())
OrderId = Annotated[int, path_id("order id")]


@router.get("/orders", response_model=Page[OrderRead])
def my_orders(ctx: CustomerCtx, limit: Limit = 20, cursor: Cursor = None) -> Any:
    """The signed-in customer's orders, newest first (address and phone masked)."""
    stmt = scoped(Order, ctx.actor).where(
        Order.customer_id.in_(customer_ids(ctx.session, ctx.actor))
    )
    found = paginate(ctx.session, stmt, Order.id, limit=limit, cursor=cursor)
    return Page[OrderRead].of(found, OrderRead.of)


@router.get("/orders/{order_id}", response_model=OrderPageRead)
def my_order(order_id: OrderId, ctx: CustomerCtx) -> Any:
    """The order page: logistics timeline ("in customs since …"), return and refund progress
    (step, since when, what next and by when), open promises, and what I may do now."""
    return ctx.commit(OrderPageRead.of(views.page(ctx.session, actor=ctx.actor, order_id=order_id)))


@router.get("/orders/{order_id}/page-link", response_model=OrderLinkRead)
def my_order_link(order_id: OrderId, ctx: CustomerCtx) -> Any:
    """A short-lived signed link to my order's page (the widget opens it in a new tab).

    A GET: it writes nothing (the link is a signature), so it is not a write for flood limits."""
    token, expires = links.issue(
        ctx.session, actor=ctx.actor, order_id=order_id, lifetime=links.LIFETIME_WIDGET
    )
    ws = ctx.session.get(Workspace, ctx.actor.workspace_id)
    return OrderLinkRead.of(ws.key if ws else "", token, expires)


customer_actions = action_router("/api/v1/widget", ["widget"], customer_ctx)
