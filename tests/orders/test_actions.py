"""Self-service actions: allowed path, refused path with its reason, audit entry, effect once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kefu import clock
from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Role, TeamKind
from kefu.customers.models import CustomerTag
from kefu.orders import effects, ingest
from kefu.orders.aftersales_models import Refund
from kefu.orders.shop_models import Effect
from kefu.orders.shop_schemas import PriceIn
from kefu.sla.escalation_models import Handoff
from kefu.sla.models import Promise
from kefu.timeline.models import Event
from tests.orders.helpers import T0, FreshCustomerHeaders, make_order, shop_receiver

W = "/api/v1/widget/orders/{}/actions/{}"


@pytest.fixture
def now():
    with clock.frozen(T0 + timedelta(minutes=10)) as c:
        yield c


@pytest.fixture
def me(client, world, now):
    """The widget customer M1 (created on first contact)."""
    headers = FreshCustomerHeaders(world)
    assert client.get("/api/v1/widget/me", headers=headers).status_code == 200
    return headers


@pytest.fixture
def order(runtime, world, me):
    with runtime.sessions() as s:
        o = make_order(s, world)
        s.commit()
    return o


def events_of(runtime, world, type_):
    with runtime.sessions() as s:
        return list(
            s.scalars(
                select(Event).where(Event.workspace_id == world.workspace.id, Event.type == type_)
            )
        )


def drop_price(runtime, world, cents, at):
    with runtime.sessions() as s:
        ingest.apply_price(
            s,
            Actor.system(world.workspace.id),
            PriceIn(sku="SKU-TEA", price_cents=cents, effective_at=at),
        )
        s.commit()


def deliver_effects(runtime, url):
    with runtime.sessions() as s:
        from kefu.orders.shop import link

        link(s, runtime_ws(s)).api_url = url
        s.commit()
    return effects.deliver_due(runtime.sessions)


def runtime_ws(s):
    from kefu.auth.models import Workspace

    return s.scalars(select(Workspace.id).where(Workspace.key == "acme")).one()


# --- price protection ---------------------------------------------------------------------------


def test_price_protection_refunds_the_difference_once(client, runtime, world, me, order, now):
    drop_price(runtime, world, 159_00, T0 + timedelta(days=2))
    now.advance(timedelta(days=3))
    item_id = order.items[0].id
    r = client.post(W.format(order.id, "price-protection"), json={"item_id": item_id}, headers=me)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "done" and body["refund_cents"] == 40_00
    assert "40.00" in body["message"]
    [audit] = events_of(runtime, world, "order.price_protected")
    assert audit.actor_kind == "customer" and audit.payload["amount_cents"] == 40_00
    # Asked again (a double click, a second device): refused with the reason, audited, no refund.
    again = client.post(
        W.format(order.id, "price-protection"), json={"item_id": item_id}, headers=me
    )
    assert again.status_code == 409 and again.json()["code"] == "order.price.done"
    assert "once per line" in again.json()["detail"]
    [refused] = events_of(runtime, world, "order.action_refused")
    assert refused.payload["code"] == "order.price.done"
    with shop_receiver() as shop:
        deliver_effects(runtime, shop.url)
        deliver_effects(runtime, shop.url)
    assert len(shop.applied) == 1
    [(key, applied)] = shop.applied.items()
    assert key == f"price:{item_id}" and applied["amount_cents"] == 40_00
    with runtime.sessions() as s:
        [refund] = s.scalars(select(Refund)).all()
        assert refund.status.value == "confirmed"
    page = client.get(f"/api/v1/widget/orders/{order.id}", headers=me).json()
    assert page["refunds"][0]["status"] == "confirmed"
    assert page["available"]["price_protection"][str(item_id)]["allowed"] is False


def test_price_protection_after_a_full_refund_is_refused_not_a_zero_refund(
    client, runtime, world, me, order, now
):
    r = client.post(W.format(order.id, "refund"), json={"reason": "不要了"}, headers=me)
    assert r.status_code == 200, r.text
    drop_price(runtime, world, 159_00, T0 + timedelta(days=2))
    now.advance(timedelta(days=3))
    item_id = str(order.items[0].id)
    page = client.get(f"/api/v1/widget/orders/{order.id}", headers=me).json()
    assert page["available"]["price_protection"][item_id]["allowed"] is False
    r = client.post(
        W.format(order.id, "price-protection"), json={"item_id": int(item_id)}, headers=me
    )
    assert r.status_code == 409 and r.json()["code"] == "order.price.refunded"
    with runtime.sessions() as s:
        assert [f.kind.value for f in s.scalars(select(Refund))] == ["refund"]  # no ¥0 one


def test_price_protection_is_refused_without_a_drop_or_after_the_window(
    client, runtime, world, me, order, now
):
    item = {"item_id": order.items[0].id}
    r = client.post(W.format(order.id, "price-protection"), json=item, headers=me)
    assert r.status_code == 409 and r.json()["code"] == "order.price.no_drop"
    drop_price(runtime, world, 159_00, T0 + timedelta(days=2))
    now.set(T0 + timedelta(days=8))
    r = client.post(W.format(order.id, "price-protection"), json=item, headers=me)
    assert r.status_code == 409 and r.json()["code"] == "order.price.expired"
    assert "period is over" in r.json()["detail"]
    zh = client.post(
        W.format(order.id, "price-protection"),
        json=item,
        headers={**me, "Accept-Language": "zh-CN"},
    )
    assert zh.json()["detail"] == "已超过价保期限"
    assert len(events_of(runtime, world, "order.action_refused")) == 3
    with runtime.sessions() as s:
        assert s.scalars(select(Refund)).all() == [] and s.scalars(select(Effect)).all() == []


def test_a_campaign_window_extends_price_protection(client, runtime, world, me, order, now):
    policy = {
        "campaigns": [
            {
                "name": "双11",
                "starts_at": (T0 - timedelta(days=10)).isoformat(),
                "ends_at": (T0 + timedelta(days=1)).isoformat(),
                "protect_until": (T0 + timedelta(days=15)).isoformat(),
            }
        ]
    }
    r = client.put("/api/v1/shop/policy", json=policy, headers=world.headers(Role.admin))
    assert r.status_code == 200 and r.json()["version"] == 1
    drop_price(runtime, world, 150_00, T0 + timedelta(days=9))
    now.set(T0 + timedelta(days=10))
    r = client.post(
        W.format(order.id, "price-protection"), json={"item_id": order.items[0].id}, headers=me
    )
    assert r.status_code == 200 and r.json()["refund_cents"] == 49_00


# --- refund -------------------------------------------------------------------------------------


def test_a_refund_within_policy_is_approved_at_once(client, runtime, world, me, order):
    r = client.post(W.format(order.id, "refund"), json={"reason": "不想要了"}, headers=me)
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "done" and r.json()["refund_cents"] == 199_00
    assert len(events_of(runtime, world, "order.refund_approved")) == 1
    again = client.post(W.format(order.id, "refund"), json={"reason": "再来"}, headers=me)
    assert again.status_code == 409 and again.json()["code"] == "order.refund.open_case"
    page = client.get(f"/api/v1/widget/orders/{order.id}", headers=me).json()
    [case] = page["after_sales"]
    assert case["status"] == "approved" and case["next_step"] == "refunded" and case["next_by"]
    assert [s["status"] for s in case["steps"]] == ["requested", "approved"]


def test_a_refund_outside_policy_becomes_a_ticket_with_a_promise(client, runtime, world, me, now):
    with runtime.sessions() as s:
        big = make_order(s, world, number="SO-BIG", price=899_00)
        s.commit()
    r = client.post(W.format(big.id, "refund"), json={"reason": "质量问题"}, headers=me)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "pending_review" and body["ticket_id"] and body["promise_id"]
    assert "automatic limit" in body["message"]
    with runtime.sessions() as s:
        promise = s.get(Promise, body["promise_id"])
        assert promise.kind.value == "refund" and promise.due_at > clock.now()
        assert s.scalars(select(Refund)).all() == []
    # The agent approves it inside the chat (在离一体): staff are not bound by the limit.
    with runtime.sessions() as s:
        make_order(s, world, number="SO-BIG2", price=899_00)
        s.commit()
        big2 = ingest.order_by_number(s, world.workspace.id, "SO-BIG2")
    r = client.post(
        f"/api/v1/orders/{big2.id}/actions/refund",
        json={"reason": "客服同意"},
        headers=world.headers(Role.agent),
    )
    assert r.status_code == 200 and r.json()["outcome"] == "done"
    denied = client.post(
        f"/api/v1/orders/{big2.id}/actions/refund",
        json={"reason": "x"},
        headers=world.headers(Role.analyst),
    )
    assert denied.status_code == 403


def test_good_standing_counts_the_customers_recent_refunds_and_blocked_tags(
    client, runtime, world, me, now
):
    def refund(number: str) -> dict:
        with runtime.sessions() as s:
            o = make_order(s, world, number=number, price=50_00)
            s.commit()
        r = client.post(W.format(o.id, "refund"), json={"reason": "不想要了"}, headers=me)
        assert r.status_code == 200, r.text
        return r.json()

    # The default policy auto-approves fewer than 3 refunds in 30 days, over all their orders.
    assert [refund(f"SO-R{i}")["outcome"] for i in range(3)] == ["done"] * 3
    fourth = refund("SO-R3")
    assert fourth["outcome"] == "pending_review" and "30 days" in fourth["message"]
    now.advance(timedelta(days=31))
    assert refund("SO-R4")["outcome"] == "done"  # the first three fell out of the window
    with runtime.sessions() as s:
        customer_id = ingest.order_by_number(s, world.workspace.id, "SO-R4").customer_id
        s.add(CustomerTag(customer_id=customer_id, tag="fraud_risk"))
        s.commit()
    tagged = refund("SO-R5")
    assert tagged["outcome"] == "pending_review" and "a person reviews" in tagged["message"]


@pytest.mark.parametrize("amount", [0, -5, 10**13, "1e3"])
def test_negative_or_absurd_refund_amounts_are_422(client, runtime, world, me, order, amount):
    r = client.post(
        W.format(order.id, "refund"), json={"reason": "x", "amount_cents": amount}, headers=me
    )
    assert r.status_code == 422
    with runtime.sessions() as s:
        assert s.scalars(select(Refund)).all() == []


def test_more_than_the_order_is_422_with_the_reason(client, runtime, world, me, order):
    r = client.post(
        W.format(order.id, "refund"), json={"reason": "x", "amount_cents": 200_00}, headers=me
    )
    assert r.status_code == 422 and r.json()["code"] == "order.refund.amount"
    [refused] = events_of(runtime, world, "order.action_refused")
    assert refused.payload["code"] == "order.refund.amount"


def test_an_action_on_someone_elses_order_is_404_and_audited(
    client, runtime, world, other_world, me
):
    with runtime.sessions() as s:
        theirs = make_order(s, world, number="SO-2", member="M2")
        rivals = make_order(s, other_world, number="SO-3", member="M1")
        s.commit()
    missing = client.post(W.format(2**62, "urge"), headers=me)
    for other in (theirs.id, rivals.id):
        r = client.post(W.format(other, "urge"), headers=me)
        assert r.status_code == 404 and r.json() == missing.json()
        assert client.get(f"/api/v1/widget/orders/{other}", headers=me).status_code == 404
    assert len(events_of(runtime, world, "order.action_refused")) == 3
    listed = client.get("/api/v1/widget/orders", headers=me).json()["items"]
    assert listed == []


# --- urge, address, cancel ----------------------------------------------------------------------


def test_urging_promises_a_ship_by_time_and_asks_the_warehouse(client, runtime, world, me, order):
    with runtime.sessions() as s:
        team = auth.create_team(s, actor=world.system, name="仓库", kind=TeamKind.warehouse)
        auth.set_member(s, actor=world.system, team_id=team.id, staff_id=world.staff[Role.agent].id)
        s.commit()
    r = client.post(W.format(order.id, "urge"), headers={**me, "Accept-Language": "zh-CN"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ship_by"].startswith("2026-11-22T02:00")  # paid + 48 h
    again = client.post(W.format(order.id, "urge"), headers={**me, "Accept-Language": "en"}).json()
    assert again["promise_id"] == body["promise_id"] and again["ticket_id"] == body["ticket_id"]
    # The customer reads the shop's wall clock, in their language, never an ISO UTC stamp.
    assert "11月22日 10:00" in body["message"]
    assert again["message"].endswith("promised to ship by 22 Nov, 10:00")
    with runtime.sessions() as s:
        assert len(s.scalars(select(Handoff)).all()) == 1
        assert s.get(Promise, body["promise_id"]).kind.value == "shipment"
    assert len(events_of(runtime, world, "order.urged")) == 2
    page = client.get(f"/api/v1/widget/orders/{order.id}", headers=me).json()
    assert [p["id"] for p in page["promises"]] == [body["promise_id"]]
    # The shipment keeps the promise.
    with runtime.sessions() as s:
        make_order(s, world, status="shipped", version=2, shipped_at=clock.now().isoformat())
        s.commit()
        assert s.get(Promise, body["promise_id"]).status.value == "kept"


def test_urging_an_unpaid_order_is_refused(client, runtime, world, me):
    with runtime.sessions() as s:
        unpaid = make_order(s, world, number="SO-U", status="pending_payment", paid_at=None)
        s.commit()
    r = client.post(W.format(unpaid.id, "urge"), headers=me)
    assert r.status_code == 409 and r.json()["code"] == "order.urge.unpaid"


def test_address_change_within_the_window_then_via_the_warehouse(
    client, runtime, world, me, order, now
):
    new = {"name": "张伟", "phone": "13900000000", "address": "浙江省杭州市滨江区 2 号"}
    r = client.post(W.format(order.id, "address"), json=new, headers=me)
    assert r.status_code == 200 and r.json()["outcome"] == "done" and r.json()["effect_id"]
    now.advance(timedelta(minutes=30))
    r = client.post(W.format(order.id, "address"), json=new, headers=me)
    assert r.status_code == 200 and r.json()["outcome"] == "handed_over"
    assert r.json()["promise_id"] and r.json()["ticket_id"]
    with runtime.sessions() as s:
        assert len(s.scalars(select(Effect)).all()) == 1
    assert len(events_of(runtime, world, "order.address_change_handed_over")) == 1
    with shop_receiver() as shop:
        deliver_effects(runtime, shop.url)
        deliver_effects(runtime, shop.url)
    [(key, applied)] = shop.applied.items()
    assert key == "address:SO-1:1" and applied["path"].endswith("/orders/SO-1/address")
    assert applied["address"] == new["address"]


def test_cancel_refunds_a_paid_unshipped_order_once(client, runtime, world, me, order):
    r = client.post(W.format(order.id, "cancel"), json={"reason": "买错了"}, headers=me)
    assert r.status_code == 200 and r.json()["refund_cents"] == 199_00
    r = client.post(W.format(order.id, "cancel"), json={}, headers=me)
    assert r.status_code == 409 and r.json()["code"] == "order.cancel.shipped"
    with shop_receiver() as shop:
        deliver_effects(runtime, shop.url)
    assert list(shop.applied) == ["cancel:SO-1"]
    assert shop.applied["cancel:SO-1"]["path"].endswith("/orders/SO-1/cancel")


def test_an_idempotency_key_replays_the_first_answer(client, runtime, world, me, order):
    headers = {**me, "Idempotency-Key": "k-1"}
    first = client.post(W.format(order.id, "cancel"), json={"reason": "x"}, headers=headers)
    second = client.post(W.format(order.id, "cancel"), json={"reason": "x"}, headers=headers)
    assert second.status_code == 200 and second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    with runtime.sessions() as s:
        assert len(s.scalars(select(Effect)).all()) == 1


def test_address_change_at_the_warehouse_goes_there_and_after_shipping_is_refused(
    client, runtime, world, me, now
):
    with runtime.sessions() as s:
        at_wh = make_order(s, world, number="SO-W", warehouse_at=clock.now().isoformat())
        shipped = make_order(s, world, number="SO-S", status="shipped")
        s.commit()
    new = {"address": "北京市朝阳区 3 号"}
    r = client.post(W.format(at_wh.id, "address"), json=new, headers=me)
    assert r.status_code == 200 and r.json()["outcome"] == "handed_over"  # inside 30 min, but
    r = client.post(W.format(shipped.id, "address"), json=new, headers=me)
    assert r.status_code == 409 and r.json()["code"] == "order.address.shipped"
    [refused] = events_of(runtime, world, "order.action_refused")
    assert refused.payload["action"] == "change_address"
    with runtime.sessions() as s:
        assert s.scalars(select(Effect)).all() == []
