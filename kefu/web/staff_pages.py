"""The agent workbench and the supervisor board: pages whose live parts are ES modules.

The pages hold no data: the modules read the REST API and the staff WebSocket with the token the
login page stored, so a page route needs no session and shows nothing before sign-in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kefu.customers import service as customers
from kefu.customers.schemas import CustomerRead
from kefu.http.deps import StaffCtx, path_id
from kefu.orders import service as orders
from kefu.orders.schemas import OrderRead
from kefu.tickets import service as tickets
from kefu.tickets.schemas import TicketRead
from kefu.web.pages import render

router = APIRouter(include_in_schema=False)
CustomerId = Annotated[int, path_id("customer id")]


@router.get("/workbench", response_class=HTMLResponse)
def workbench_page(request: Request) -> HTMLResponse:
    # The "draft with AI" button shows only where the operator configured an LLM endpoint.
    drafting = bool(request.app.state.settings.llm_url)
    return render(request, "workbench.html", drafting=drafting)


@router.get("/supervisor", response_class=HTMLResponse)
def supervisor_page(request: Request) -> HTMLResponse:
    return render(request, "supervisor.html")


@router.get("/workbench/partials/customer/{customer_id}", response_class=HTMLResponse)
def customer_card(request: Request, customer_id: CustomerId, ctx: StaffCtx) -> HTMLResponse:
    """The customer card (htmx partial): profile, masked contact data, tickets, orders."""
    customer = CustomerRead.of(customers.get(ctx.session, actor=ctx.actor, customer_id=customer_id))
    found_tickets, _ = tickets.list_(
        ctx.session, actor=ctx.actor, limit=10, cursor=None, customer_id=customer.id
    )
    found_orders, _ = orders.list_(
        ctx.session, actor=ctx.actor, limit=5, cursor=None, customer_id=customer.id
    )
    order_rows = [OrderRead.of(o) for o in found_orders]
    address = next((o.shipping.address_masked for o in order_rows if o.shipping.address_masked), "")
    return render(
        request,
        "partials/customer_card.html",
        customer=customer,
        address=address,
        tickets=[TicketRead.of(t) for t in found_tickets],
        orders=order_rows,
    )
