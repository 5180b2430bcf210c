"""Anonymous visitors: a customer without identities, recognised again by a token kefu signs.

The token is signed with a key derived from the workspace's widget secret, so it can never pass
for a shop-signed identity token (nor the other way round). Once the shop identifies the visitor
and the visitor's customer is merged into the identified one, the visitor token opens nothing:
from then on only the shop's token speaks for that person.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Workspace
from kefu.auth.secrets import read_widget_token, sign_widget_token
from kefu.customers import service as customers
from kefu.customers.models import Customer
from kefu.errors import NotFound, Unauthorized
from kefu.http.types import MAX_ID
from kefu.tenancy import get_scoped

MAX_AGE_S = 180 * 24 * 3600

BAD_VISITOR = Unauthorized(
    "widget.bad_visitor",
    zh="访客凭证无效，请刷新页面",
    en="invalid visitor token; reload the page",
)


def _key(ws: Workspace) -> str:
    return hmac.new(ws.widget_secret.encode(), b"kefu visitor token v1", hashlib.sha256).hexdigest()


def issue(ws: Workspace, customer_id: int) -> str:
    claims = {"ws": ws.key, "vid": customer_id, "iat": int(clock.now().timestamp())}
    return sign_widget_token(_key(ws), claims)


def read(session: Session, ws: Workspace, token: str) -> Customer:
    """The visitor's customer, or BAD_VISITOR (bad signature, too old, merged away)."""
    claims = read_widget_token(_key(ws), token)
    if claims is None or claims.get("ws") != ws.key:
        raise BAD_VISITOR
    vid, iat = claims.get("vid"), claims.get("iat")
    now = clock.now().timestamp()
    if not isinstance(vid, int) or not isinstance(iat, int) or not now - MAX_AGE_S < iat <= now:
        raise BAD_VISITOR
    if not 1 <= vid <= MAX_ID:
        raise BAD_VISITOR
    try:
        customer = get_scoped(
            session, Customer, vid, Actor.system(ws.id), what=("客户", "customer")
        )
    except NotFound as exc:
        raise BAD_VISITOR from exc
    if customer.merged_into_id is not None:
        raise BAD_VISITOR
    return customer


def create(session: Session, ws: Workspace) -> Customer:
    return customers.create(session, actor=Actor.system(ws.id), display_name="访客")


def is_anonymous(customer: Customer) -> bool:
    return not customer.identities
