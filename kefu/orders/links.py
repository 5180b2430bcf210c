"""Signed links to a customer's order page (for an SMS or e-mail), valid for a limited time.

The token is the widget token format (kefu.auth.secrets) with claims {"kind": "order_page",
"order": id, "exp": …}, signed with a key derived from the workspace's widget secret — so it can
never pass as a widget identity token (no `sub`), nor a widget token as a link (no `kind`).
Whoever holds the link may see that one order and act on it under the same policy as the
signed-in customer (link_api.py) — never on another order, even of the same customer. The widget
mints short-lived links (LIFETIME_WIDGET) to open the page for a signed-in customer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Workspace
from kefu.auth.secrets import read_widget_token, sign_widget_token
from kefu.errors import Unauthorized
from kefu.orders.access import access_order
from kefu.orders.models import Order
from kefu.orders.views import OrderPage, page

LIFETIME = timedelta(days=7)
LIFETIME_WIDGET = timedelta(hours=2)
_BAD = Unauthorized(
    "order_link.invalid", zh="链接无效或已过期", en="the link is invalid or has expired"
)


def _key(ws: Workspace) -> str:
    return ws.widget_secret + ":order-link"


def issue(
    session: Session, *, actor: Actor, order_id: int, lifetime: timedelta = LIFETIME
) -> tuple[str, datetime]:
    """A link token for this order (staff with act_on_orders, or the customer who owns it);
    returns (token, expires_at)."""
    order = access_order(session, actor=actor, order_id=order_id, act=True)
    ws = session.get(Workspace, order.workspace_id)
    assert ws is not None
    expires = clock.now() + lifetime
    token = sign_widget_token(
        _key(ws), {"kind": "order_page", "order": order.id, "exp": int(expires.timestamp())}
    )
    return token, expires


def read(session: Session, *, workspace_key: str, token: str) -> Order:
    """The order a valid, unexpired link names (401 for anything else, all alike)."""
    ws = auth.get_workspace_by_key(session, workspace_key)
    if ws is None:
        raise _BAD
    claims = read_widget_token(_key(ws), token)
    if claims is None or claims.get("kind") != "order_page":
        raise _BAD
    exp, order_id = claims.get("exp"), claims.get("order")
    if not isinstance(exp, int) or exp <= clock.now().timestamp() or not isinstance(order_id, int):
        raise _BAD
    order = session.get(Order, order_id)
    if order is None or order.workspace_id != ws.id:
        raise _BAD
    return order


def holder(order: Order) -> Actor:
    """Who acts through the link: the order's customer (access_order still checks ownership)."""
    return Actor.customer(order.workspace_id, order.customer_id)


def open_page(session: Session, *, workspace_key: str, token: str) -> OrderPage:
    """The order page a valid, unexpired link names."""
    order = read(session, workspace_key=workspace_key, token=token)
    return page(session, actor=holder(order), order_id=order.id)
