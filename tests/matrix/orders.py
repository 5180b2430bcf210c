"""Orders, self-service actions, the shop integration and imports in the tenancy/role matrix.

The core order is made paid an hour ago, with a price drop on its SKU since, so that every action
route has a valid path (urge, refund, 价保, address change — past its window, so handed to the
warehouse —, cancel). The shop webhook is authenticated by its HMAC signature, not a staff
token (PUBLIC here); its 401s are tested in tests/orders/test_webhooks.py.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.permissions import Perm
from kefu.orders import service as orders
from kefu.orders import shop
from kefu.orders.aftersales_models import PricePoint
from kefu.orders.models import Order, OrderStatus
from kefu.orders.service import NewItem
from kefu.orders.shop_models import (
    DeliveryOutcome,
    Effect,
    EffectKind,
    EffectStatus,
    ImportJob,
    WebhookDelivery,
)
from tests.factories import World
from tests.matrix.base import CUSTOMER, PUBLIC, Domain, Rule, Seed, const

ACTIONS = "/api/v1/orders/{order_id}/actions"
WIDGET = "/api/v1/widget/orders/{order_id}/actions"
LINK = "/api/v1/order-links/orders/{order_id}/actions"
IMPORT_DOC = {
    "number": "IMPORTED-1",
    "version": 1,
    "customer": {"member_id": "IMP-M1"},
    "status": "paid",
    "items": [{"sku": "SKU-9", "title": "茶叶", "quantity": 1, "unit_price_cents": 100}],
}

RULES = {
    ("GET", "/api/v1/orders/{order_id}/page"): Rule(Perm.read),
    ("POST", "/api/v1/orders/{order_id}/page-link"): Rule(Perm.act_on_orders),
    # A signed link: its token is the credential (tests/orders/test_links.py).
    ("GET", "/api/v1/order-links/{workspace_key}/{token}"): PUBLIC,
    ("POST", f"{ACTIONS}/urge"): Rule(Perm.act_on_orders),
    ("POST", f"{ACTIONS}/refund"): Rule(Perm.act_on_orders, body=const({"reason": "客户申请"})),
    ("POST", f"{ACTIONS}/price-protection"): Rule(
        Perm.act_on_orders, body=lambda d: {"item_id": d.ids["order_item_id"]}
    ),
    ("POST", f"{ACTIONS}/address"): Rule(
        Perm.act_on_orders, body=const({"name": "张伟", "address": "上海市浦东新区 1 号"})
    ),
    ("POST", f"{ACTIONS}/cancel"): Rule(Perm.act_on_orders, body=const({"reason": "买错了"})),
    ("POST", "/api/v1/orders/import"): Rule(
        Perm.manage_orders, 202, const({"orders": [IMPORT_DOC]})
    ),
    ("GET", "/api/v1/orders/imports/{job_id}"): Rule(Perm.manage_orders),
    ("POST", "/api/v1/shop/webhooks/{workspace_key}"): PUBLIC,
    ("GET", "/api/v1/shop/settings"): Rule(Perm.manage_orders),
    ("PUT", "/api/v1/shop/settings"): Rule(
        Perm.manage_orders, body=const({"api_url": "https://shop.example.com/api/kefu"})
    ),
    ("POST", "/api/v1/shop/secret/rotate"): Rule(Perm.manage_orders),
    ("GET", "/api/v1/shop/policy"): Rule(Perm.read),
    ("PUT", "/api/v1/shop/policy"): Rule(Perm.manage_orders, body=const({"ship_by_hours": 24})),
    ("GET", "/api/v1/shop/webhook-deliveries"): Rule(Perm.manage_orders),
    ("GET", "/api/v1/shop/effects"): Rule(Perm.read),
    ("POST", "/api/v1/shop/effects/{effect_id}/retry"): Rule(Perm.act_on_orders),
    ("GET", "/api/v1/widget/orders"): CUSTOMER,
    ("GET", "/api/v1/widget/orders/{order_id}"): CUSTOMER,
    ("POST", f"{WIDGET}/urge"): CUSTOMER,
    ("POST", f"{WIDGET}/refund"): CUSTOMER,
    ("POST", f"{WIDGET}/price-protection"): CUSTOMER,
    ("POST", f"{WIDGET}/address"): CUSTOMER,
    ("POST", f"{WIDGET}/cancel"): CUSTOMER,
    ("GET", "/api/v1/widget/orders/{order_id}/page-link"): CUSTOMER,
    # The signed link's holder, on its one order (tests/orders/test_link_actions.py).
    ("POST", f"{LINK}/urge"): PUBLIC,
    ("POST", f"{LINK}/refund"): PUBLIC,
    ("POST", f"{LINK}/price-protection"): PUBLIC,
    ("POST", f"{LINK}/address"): PUBLIC,
    ("POST", f"{LINK}/cancel"): PUBLIC,
}


def seed(s: Session, world: World, secret: str, base: dict[str, int]) -> Seed:
    system = world.system
    ws = world.workspace.id
    ids: dict[str, int] = {}
    order_id = base.get("order_id")
    if order_id is None:  # the Schemathesis seed has no core order: make one
        order = orders.create(
            s,
            actor=system,
            number=f"{world.workspace.key}-orders-1",
            customer_id=base["customer_id"],
            items=[NewItem(sku="SKU-1", title=f"餐桌 {secret}", quantity=1, unit_price_cents=100)],
        )
        ids["order_id"] = order.id
    else:
        found = s.get(Order, order_id)
        assert found is not None
        order = found
    now = clock.now()
    order.status, order.paid_at = OrderStatus.paid, now - timedelta(hours=1)
    for item in order.items:
        s.add(
            PricePoint(
                workspace_id=ws,
                sku=item.sku,
                price_cents=item.unit_price_cents // 2,
                effective_at=now - timedelta(minutes=30),
            )
        )
    # A campaign named after the workspace: its policy differs from, and must not leak into, others'.
    shop.link(s, ws).policy = {
        "campaigns": [
            {
                "name": f"双11 {secret}",
                "starts_at": (now - timedelta(days=20)).isoformat(),
                "ends_at": (now - timedelta(days=10)).isoformat(),
                "protect_until": (now + timedelta(days=5)).isoformat(),
            }
        ]
    }
    effect = Effect(
        workspace_id=ws,
        key=f"refund:{secret}",
        kind=EffectKind.refund,
        order_number=order.number,
        payload={"amount_cents": 1},
        status=EffectStatus.failed,
        attempts=10,
        last_error=f"HTTP 503 {secret}",
    )
    s.add(effect)
    s.add(
        WebhookDelivery(
            workspace_id=ws,
            delivery_id=f"delivery-{secret}",
            accepted_id=f"delivery-{secret}",
            type="order.created",
            outcome=DeliveryOutcome.applied,
            status_code=200,
        )
    )
    job = ImportJob(workspace_id=ws, total=1, rows=[], errors=[], created_by=secret)
    s.add(job)
    s.flush()
    ids.update(order_item_id=order.items[0].id, effect_id=effect.id, job_id=job.id)
    return Seed(ids=ids, secrets=(f"delivery-{secret}",))


MATRIX = Domain(rules=RULES, seed=seed, not_ids=frozenset({"workspace_key", "token"}))
