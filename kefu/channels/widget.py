"""Customer identity for the chat widget and apps: a token the shop's backend signs.

The shop signs `{"ws": <workspace key>, "sub": <member id>, "exp": <unix time>, ...}` with the
workspace's widget secret (see docs/widget-identity.md); kefu trusts the member id, and the
optional `name`, `email` and `phone` claims, because only the shop holds that secret.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.secrets import read_widget_token
from kefu.channels.models import Channel, ChannelKind
from kefu.customers import resolution
from kefu.customers import service as customers
from kefu.customers.models import Customer, IdentityKind
from kefu.customers.resolution import Claim
from kefu.errors import NotFound, Unauthorized
from kefu.tenancy import scoped

_BAD = Unauthorized(
    "widget.bad_token",
    zh="身份凭证无效，请重新登录商城",
    en="invalid identity token; sign in to the shop again",
)
_EXPIRED = Unauthorized(
    "widget.expired", zh="身份凭证已过期，请刷新页面", en="identity token expired; reload the page"
)


def identify(
    session: Session, *, workspace_key: str, token: str, max_age_s: int
) -> tuple[Actor, Customer]:
    """The customer a signed token speaks for, created on first contact."""
    ws = auth.get_workspace_by_key(session, workspace_key)
    if ws is None:
        raise _BAD
    claims = read_widget_token(ws.widget_secret, token)
    if claims is None or claims.get("ws") != ws.key or not isinstance(claims.get("sub"), str | int):
        raise _BAD
    exp = claims.get("exp")
    now = clock.now().timestamp()
    if not isinstance(exp, int | float) or not now < exp <= now + max_age_s:  # NaN fails too
        raise _EXPIRED
    member_id = str(claims["sub"])[:254]
    system = Actor.system(ws.id)
    customer = customers.find_by_identity(
        session, workspace_id=ws.id, kind=IdentityKind.member_id, value=member_id
    )
    if customer is None:
        # First contact through the widget: the shop vouches for the member id and for the e-mail
        # and phone it signs, so a customer who wrote by mail or called before is found (or merged)
        # rather than duplicated.
        vouched = [Claim(IdentityKind.member_id, member_id, verified=True)]
        for kind in (IdentityKind.email, IdentityKind.phone):
            value = _claim(claims, kind.value, 254)
            if value:
                vouched.append(Claim(kind, value, verified=True))
        customer = resolution.resolve(
            session,
            workspace_id=ws.id,
            claims=vouched,
            display_name=_claim(claims, "name", 120),
            source="widget",
        )
        assert customer is not None  # the member id claim is always usable
    while customer.merged_into_id is not None:
        customer = customers.get(session, actor=system, customer_id=customer.merged_into_id)
    return Actor.customer(ws.id, customer.id), customer


def _claim(claims: dict[str, Any], name: str, max_len: int) -> str:
    value = claims.get(name)
    return value[:max_len].replace("\x00", "") if isinstance(value, str) else ""


def chat_channel(session: Session, *, actor: Actor) -> Channel:
    """The workspace's active web-chat channel, where widget conversations start."""
    channel = session.scalars(
        scoped(Channel, actor)
        .where(Channel.kind == ChannelKind.web_chat, Channel.active.is_(True))
        .order_by(Channel.id)
    ).first()
    if channel is None:
        raise NotFound(
            "widget.no_channel", zh="该店铺未开通在线客服", en="this shop has no web chat channel"
        )
    return channel
