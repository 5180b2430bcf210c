"""Effects at the shop: retried with backoff against a real local receiver, applied once,
failures visible to agents and retried by them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kefu import clock
from kefu.auth.models import Role
from kefu.orders import effects
from kefu.orders.aftersales_models import Refund
from kefu.orders.shop_models import Effect
from tests.orders.helpers import T0, FreshCustomerHeaders, make_order, shop_receiver

W = "/api/v1/widget/orders/{}/actions/{}"


@pytest.fixture
def now():
    with clock.frozen(T0 + timedelta(minutes=5)) as c:
        yield c


@pytest.fixture
def refund_effect(client, runtime, world, now):
    me = FreshCustomerHeaders(world)
    client.get("/api/v1/widget/me", headers=me)
    with runtime.sessions() as s:
        order = make_order(s, world)
        s.commit()
    r = client.post(W.format(order.id, "refund"), json={"reason": "不要了"}, headers=me)
    assert r.status_code == 200, r.text
    return r.json()["effect_id"]


def point_shop_at(client, world, url):
    r = client.put(
        "/api/v1/shop/settings", json={"api_url": url}, headers=world.headers(Role.admin)
    )
    assert r.status_code == 200, r.text


def effect(runtime, effect_id):
    with runtime.sessions() as s:
        return s.get(Effect, effect_id)


def test_a_failing_shop_gets_retries_with_backoff_and_applies_once(
    client, runtime, world, refund_effect, now
):
    with shop_receiver(fail_first=3) as shop:
        point_shop_at(client, world, shop.url)
        waits = []
        for _ in range(3):
            effects.deliver_due(runtime.sessions)
            e = effect(runtime, refund_effect)
            assert e.status.value == "pending" and "503" in e.last_error
            waits.append(e.next_attempt_at - clock.now())
            effects.deliver_due(runtime.sessions)  # not due yet: no call
            now.advance(waits[-1])
        assert waits == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]
        assert shop.calls == 3
        effects.deliver_due(runtime.sessions)
        now.advance(timedelta(hours=2))
        effects.deliver_due(runtime.sessions)
    assert shop.calls == 4
    e = effect(runtime, refund_effect)
    assert e.status.value == "delivered" and e.attempts == 4
    [(key, body)] = shop.applied.items()
    assert key == e.key and body["amount_cents"] == 199_00
    # Every call carried the same key and valid signatures: the V2 one binds the key (a replay
    # under another Idempotency-Key fails it), the body-only one is still sent for older shops.
    from kefu.orders import shop as shop_service
    from kefu.orders import signing

    with runtime.sessions() as s:
        secret = shop_service.link(s, world.workspace.id).secret
    for _, headers, body in shop.requests:
        assert headers["idempotency-key"] == headers["x-kefu-delivery"] == e.key
        ts = headers["x-kefu-timestamp"]
        assert signing.valid((secret,), ts, body, headers["x-kefu-signature"])
        assert signing.valid_v2((secret,), ts, e.key, body, headers["x-kefu-signature-v2"])
        assert not signing.valid_v2((secret,), ts, "other", body, headers["x-kefu-signature-v2"])
    with runtime.sessions() as s:
        assert s.scalars(select(Refund)).one().status.value == "confirmed"


def test_a_workspace_that_never_connected_its_shop_holds_up_nobody(
    client, runtime, world, other_world, refund_effect, now
):
    """Its effects wait (retried, then shown to agents); other shops' effects are delivered."""
    me = FreshCustomerHeaders(other_world)
    client.get("/api/v1/widget/me", headers=me)
    with runtime.sessions() as s:
        order = make_order(s, other_world, number="SO-OTHER")
        s.commit()
    r = client.post(W.format(order.id, "refund"), json={"reason": "不要了"}, headers=me)
    theirs = r.json()["effect_id"]
    with shop_receiver() as shop:
        point_shop_at(client, other_world, shop.url)
        now.advance(timedelta(seconds=1))
        effects.deliver_due(runtime.sessions)
    assert effect(runtime, theirs).status.value == "delivered"
    mine = effect(runtime, refund_effect)
    assert mine.status.value == "pending" and "no shop connected" in mine.last_error


def test_a_lost_response_means_a_second_call_that_the_key_makes_harmless(
    client, runtime, world, refund_effect, now
):
    with shop_receiver() as shop:
        point_shop_at(client, world, shop.url)
        with runtime.sessions() as s:  # the shop applied it, but kefu never heard back
            e = s.get(Effect, refund_effect)
            link = effects.shop_link(s, e.workspace_id)
            assert link is not None
            effects.call(effects.port_for(link), e)
        effects.deliver_due(runtime.sessions)
    assert shop.calls == 2 and len(shop.applied) == 1


def test_a_failed_effect_is_listed_and_an_agent_retries_it(
    client, runtime, world, refund_effect, now
):
    with shop_receiver(fail_first=effects.MAX_ATTEMPTS) as shop:
        point_shop_at(client, world, shop.url)
        for _ in range(effects.MAX_ATTEMPTS):
            effects.deliver_due(runtime.sessions)
            now.advance(effects.RETRY_MAX)
        assert effect(runtime, refund_effect).status.value == "failed"
        failed = client.get("/api/v1/shop/effects?status=failed", headers=world.headers(Role.agent))
        assert [x["id"] for x in failed.json()["items"]] == [refund_effect]
        assert "503" in failed.json()["items"][0]["last_error"]
        assert (
            client.post(
                f"/api/v1/shop/effects/{refund_effect}/retry", headers=world.headers(Role.analyst)
            ).status_code
            == 403
        )
        r = client.post(
            f"/api/v1/shop/effects/{refund_effect}/retry", headers=world.headers(Role.agent)
        )
        assert r.status_code == 200 and r.json()["status"] == "pending"
        effects.deliver_due(runtime.sessions)
    assert effect(runtime, refund_effect).status.value == "delivered"
    assert len(shop.applied) == 1
    again = client.post(
        f"/api/v1/shop/effects/{refund_effect}/retry", headers=world.headers(Role.agent)
    )
    assert again.status_code == 409


def test_a_worker_that_died_mid_call_leaves_a_lease_that_expires(
    client, runtime, world, refund_effect, now
):
    with shop_receiver() as shop:
        point_shop_at(client, world, shop.url)
        [claimed] = effects._claim(runtime.sessions, 10)  # claimed, then the worker died
        assert claimed.effect.id == refund_effect
        assert effects.deliver_due(runtime.sessions) == 0  # leased: nobody calls it meanwhile
        now.advance(effects.LEASE)
        assert effects.deliver_due(runtime.sessions) == 1
    assert effect(runtime, refund_effect).status.value == "delivered" and shop.calls == 1
