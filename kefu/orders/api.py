"""Routes: orders for staff — read model, order page, actions (在离一体), import, policy.

The shop's order system stays the source of truth; changes reach it as effects (see effects.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from sqlalchemy.orm import Session

from kefu.auth.models import Workspace
from kefu.errors import Invalid
from kefu.http.deps import (
    Cursor,
    Limit,
    RefFilter,
    StaffCtx,
    get_session,
    path_id,
    staff_ctx,
    text_filter,
)
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once
from kefu.http.pages import Page
from kefu.orders import imports, links, views
from kefu.orders import service as orders
from kefu.orders.action_routes import action_router
from kefu.orders.action_schemas import ImportJobRead, ImportRequest, OrderLinkRead
from kefu.orders.link_api import link_actions
from kefu.orders.models import OrderStatus
from kefu.orders.page_schemas import OrderPageRead
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


@router.get("/orders/{order_id}/page", response_model=OrderPageRead)
def order_page(order_id: OrderId, ctx: StaffCtx) -> Any:
    """The order with logistics timeline, after-sales progress, refunds, open promises and the
    actions the policy allows now (the workbench's order panel)."""
    return OrderPageRead.of(views.page(ctx.session, actor=ctx.actor, order_id=order_id))


@router.post("/orders/import", response_model=ImportJobRead, status_code=202)
def import_orders(body: ImportRequest, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    """Queue a bulk import (JSON documents or CSV); poll the job for progress and row errors."""
    if (body.orders is None) == (body.csv is None):
        raise Invalid(
            "import.one_source",
            zh="请提供 orders 或 csv（二选一）",
            en="give orders or csv, not both",
        )
    rows = body.orders if body.orders is not None else imports.parse_csv(body.csv or "")
    return create_once(
        ctx,
        key,
        operation="orders.import",
        request=body,
        make=lambda: ImportJobRead.of(imports.start(ctx.session, actor=ctx.actor, rows=rows)),
        status_code=202,
    )


@router.get("/orders/imports/{job_id}", response_model=ImportJobRead)
def import_job(job_id: Annotated[int, path_id("import job id")], ctx: StaffCtx) -> Any:
    """Progress (`processed` of `total`) and the row-level errors of an import."""
    return ImportJobRead.of(imports.get(ctx.session, actor=ctx.actor, job_id=job_id))


@router.post("/orders/{order_id}/page-link", response_model=OrderLinkRead)
def order_page_link(order_id: OrderId, ctx: StaffCtx) -> Any:
    """A signed, read-only link to the customer's order page (7 days), for an SMS or e-mail."""
    token, expires = links.issue(ctx.session, actor=ctx.actor, order_id=order_id)
    ws = ctx.session.get(Workspace, ctx.actor.workspace_id)
    return OrderLinkRead.of(ws.key if ws else "", token, expires)


@router.get("/order-links/{workspace_key}/{token}", response_model=OrderPageRead)
def open_order_link(
    workspace_key: Annotated[str, Path(max_length=64)],
    token: Annotated[str, Path(max_length=1000)],
    session: Annotated[Session, Depends(get_session)],
) -> Any:
    """The order page behind a signed link (no login; read-only). 401 when invalid or expired."""
    return OrderPageRead.of(links.open_page(session, workspace_key=workspace_key, token=token))


staff_actions = action_router("/api/v1", ["orders"], staff_ctx)
# The signed link's holder acts on its one order (mounted here: app.py includes this router).
router.include_router(link_actions)
