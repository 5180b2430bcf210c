"""Self-service actions through a signed order link (the order page opened from an SMS, an e-mail
or the widget): the link's holder acts as the order's customer, on that one order only.

The link goes in headers (`X-Kefu-Workspace`, `X-Kefu-Order-Link`), not in the URL, so that
action requests leave no token in access logs. A link for order A used on order B's route is the
same 404 as a missing order — and is audited as a refusal like any other.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from kefu.errors import Unauthorized, not_found
from kefu.http.deps import Ctx, get_session, path_id
from kefu.http.errors import language
from kefu.orders import actions, links
from kefu.orders.access import ORDER
from kefu.orders.action_routes import action_router


def link_ctx(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    order_id: Annotated[int, path_id("order id")],
    workspace: Annotated[
        str | None, Header(alias="X-Kefu-Workspace", min_length=1, max_length=64)
    ] = None,
    link: Annotated[
        str | None, Header(alias="X-Kefu-Order-Link", min_length=3, max_length=1000)
    ] = None,
) -> Ctx:
    if workspace is None or link is None:
        raise Unauthorized(
            "order_link.missing",
            zh="需要订单链接凭证",
            en="an order link is required",
        )
    order = links.read(session, workspace_key=workspace, token=link)
    actor = links.holder(order)
    if order.id != order_id:
        # The link opens one order: another one (even the same customer's) is not found.
        actions.record_refusal(
            session,
            actor=actor,
            action="link",
            order_id=order_id,
            code="order.not_found",
            reason="the link names another order",
        )
        session.commit()
        raise not_found(*ORDER)
    return Ctx(session=session, actor=actor, lang=language(request))


link_actions = action_router("/order-links", ["orders"], link_ctx)
