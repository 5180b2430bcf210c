"""Signed webhooks from the shop: signature, timestamp window, replay, duplicates, out of order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kefu import clock
from kefu.auth.models import Role
from kefu.orders import ingest
from kefu.orders.aftersales_models import AfterSale, PricePoint, ScanEvent
from kefu.orders.shop_models import WebhookDelivery
from kefu.timeline.models import Event
from tests.orders.helpers import T0, order_doc, post_event, secret_of


@pytest.fixture
def now():
    with clock.frozen(T0 + timedelta(hours=1)) as c:
        yield c


@pytest.fixture
def secret(runtime, world, now):
    with runtime.sessions() as s:
        value = secret_of(s, world)
        s.commit()
    return value


def deliveries(runtime, world):
    with runtime.sessions() as s:
        return [
            (d.delivery_id, d.outcome.value, d.status_code, d.reason)
            for d in s.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.workspace_id == world.workspace.id)
                .order_by(WebhookDelivery.id)
            )
        ]


def stored_order(runtime, world, number="SO-1"):
    with runtime.sessions() as s:
        return ingest.order_by_number(s, world.workspace.id, number)


def test_a_signed_order_is_applied_and_logged(client, runtime, world, secret):
    r = post_event(client, world, secret, {"type": "order.created", "data": order_doc()}, "d-1")
    assert r.status_code == 200, r.text
    assert r.json() == {"delivery_id": "d-1", "outcome": "applied"}
    order = stored_order(runtime, world)
    assert order is not None and order.total_cents == 199_00 and order.status.value == "paid"
    assert deliveries(runtime, world) == [("d-1", "applied", 200, "")]
    with runtime.sessions() as s:
        types = s.scalars(select(Event.type).where(Event.workspace_id == world.workspace.id))
        assert "order.created" in list(types)


@pytest.mark.parametrize(
    ("case", "code"),
    [("bad", "webhook.bad_signature"), ("missing", "webhook.bad_signature")],
)
def test_a_bad_signature_is_401_and_applies_nothing(client, runtime, world, secret, case, code):
    event = {"type": "order.created", "data": order_doc()}
    sig = "sha256=" + "0" * 64 if case == "bad" else None
    if case == "missing":
        r = client.post(
            f"/api/v1/shop/webhooks/{world.workspace.key}",
            json=event,
            headers={"X-Kefu-Delivery": "d-1"},
        )
    else:
        r = post_event(client, world, secret, event, "d-1", signature=sig)
    assert r.status_code == 401 and r.json()["code"] == code
    assert stored_order(runtime, world) is None
    [(delivery, outcome, status, reason)] = deliveries(runtime, world)
    assert (delivery, outcome, status) == ("d-1", "rejected", 401) and code in reason


def test_a_signature_made_with_another_workspaces_secret_fails(
    client, runtime, world, other_world, secret
):
    with runtime.sessions() as s:
        theirs = secret_of(s, other_world)
        s.commit()
    r = post_event(client, world, theirs, {"type": "order.created", "data": order_doc()}, "d-1")
    assert r.status_code == 401
    assert stored_order(runtime, world) is None


def test_a_stale_or_future_timestamp_is_401(client, runtime, world, secret, now):
    event = {"type": "order.created", "data": order_doc()}
    old = int((clock.now() - timedelta(minutes=6)).timestamp())
    future = int((clock.now() + timedelta(minutes=6)).timestamp())
    for i, ts in enumerate((old, future)):
        r = post_event(client, world, secret, event, f"d-{i}", timestamp=ts)
        assert r.status_code == 401 and r.json()["code"] == "webhook.stale_timestamp"
    ok = int((clock.now() - timedelta(minutes=4)).timestamp())
    assert post_event(client, world, secret, event, "d-9", timestamp=ok).status_code == 200
    assert [d[1] for d in deliveries(runtime, world)] == ["rejected", "rejected", "applied"]


def test_a_replayed_delivery_is_a_duplicate_no_op(client, runtime, world, secret):
    first = {"type": "order.created", "data": order_doc(version=1)}
    assert post_event(client, world, secret, first, "d-1").json()["outcome"] == "applied"
    # The same delivery id again — even with a newer body — changes nothing.
    newer = {"type": "order.shipped", "data": order_doc(version=2, status="shipped")}
    r = post_event(client, world, secret, newer, "d-1")
    assert r.status_code == 200 and r.json()["outcome"] == "duplicate"
    assert stored_order(runtime, world).status.value == "paid"
    assert [d[1] for d in deliveries(runtime, world)] == ["applied", "duplicate"]


def test_duplicates_and_out_of_order_deliveries_keep_the_newest(client, runtime, world, secret):
    v1 = {"type": "order.created", "data": order_doc(version=1, status="paid")}
    v3 = {
        "type": "order.shipped",
        "data": order_doc(version=3, status="shipped", carrier="顺丰", tracking_no="SF100"),
    }
    v2 = {"type": "order.updated", "data": order_doc(version=2, status="paid", price=1)}
    outcomes = [
        post_event(client, world, secret, event, f"d-{i}").json()["outcome"]
        for i, event in enumerate([v1, v3, v2, v3, v1])
    ]
    assert outcomes == ["applied", "applied", "stale", "stale", "stale"]
    order = stored_order(runtime, world)
    assert order.status.value == "shipped" and order.version == 3
    assert order.total_cents == 199_00 and order.tracking_no == "SF100"


def test_a_scan_before_its_order_is_kept_and_shown_when_the_order_arrives(
    client, runtime, world, secret
):
    scan = {
        "type": "logistics.scan",
        "data": {
            "order_number": "SO-1",
            "tracking_no": "EMS1",
            "carrier": "EMS",
            "scan_id": "s1",
            "code": "customs",
            "occurred_at": T0.isoformat(),
            "location": "上海浦东机场海关",
        },
    }
    assert post_event(client, world, secret, scan, "d-1").json()["outcome"] == "applied"
    assert post_event(client, world, secret, scan, "d-2").json()["outcome"] == "stale"
    shipped = order_doc(status="shipped", carrier="EMS", tracking_no="EMS1")
    post_event(client, world, secret, {"type": "order.shipped", "data": shipped}, "d-3")
    order = stored_order(runtime, world)
    page = client.get(f"/api/v1/orders/{order.id}/page", headers=world.headers(Role.agent))
    assert page.status_code == 200, page.text
    [shipment] = page.json()["shipments"]
    assert shipment["status"] == "customs" and shipment["status_zh"] == "清关中"
    assert shipment["in_customs_since"].startswith("2026-11-20T02:00")
    with runtime.sessions() as s:
        assert len(s.scalars(select(ScanEvent)).all()) == 1


def test_after_sales_and_price_updates_are_idempotent_and_ordered(client, runtime, world, secret):
    post_event(client, world, secret, {"type": "order.created", "data": order_doc()}, "d-0")

    def case(version, status, at):
        return {
            "type": "aftersales.updated",
            "data": {
                "number": "AS-1",
                "order_number": "SO-1",
                "version": version,
                "kind": "return_refund",
                "status": status,
                "amount_cents": 199_00,
                "at": (T0 + at).isoformat(),
                "actor": "仓库",
            },
        }

    sent = [
        case(1, "requested", timedelta(hours=1)),
        case(3, "shipped_back", timedelta(hours=3)),
        case(2, "approved", timedelta(hours=2)),
    ]
    outcomes = [
        post_event(client, world, secret, e, f"a-{i}").json()["outcome"] for i, e in enumerate(sent)
    ]
    assert outcomes == ["applied", "applied", "stale"]
    price = {
        "type": "price.changed",
        "data": {"sku": "SKU-TEA", "price_cents": 159_00, "effective_at": T0.isoformat()},
    }
    assert post_event(client, world, secret, price, "p-1").json()["outcome"] == "applied"
    assert post_event(client, world, secret, price, "p-2").json()["outcome"] == "stale"
    with runtime.sessions() as s:
        [row] = s.scalars(select(AfterSale)).all()
        assert row.status.value == "shipped_back"
        assert [st["status"] for st in row.steps] == ["requested", "shipped_back"]
        assert len(s.scalars(select(PricePoint)).all()) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "webhook.malformed"),
        (b'{"type": "order.exploded", "data": {}}', "webhook.unknown_type"),
        (b'{"type": "order.created", "data": {"number": "X"}}', "webhook.malformed"),
        (b"[1, 2]", "webhook.unknown_type"),
    ],
)
def test_malformed_or_unknown_payloads_are_422_and_audited(
    client, runtime, world, secret, body, code
):
    from kefu.orders import signing

    ts = int(clock.now().timestamp())
    headers = {
        signing.TIMESTAMP: str(ts),
        signing.SIGNATURE: signing.sign(secret, ts, body),
        signing.DELIVERY: "d-x",
    }
    r = client.post(f"/api/v1/shop/webhooks/{world.workspace.key}", content=body, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == code
    assert [d[1:3] for d in deliveries(runtime, world)] == [("rejected", 422)]


def test_negative_or_absurd_amounts_are_refused(client, runtime, world, secret):
    for i, price in enumerate((-1, 10**15)):
        event = {"type": "order.created", "data": order_doc(price=price)}
        r = post_event(client, world, secret, event, f"d-{i}")
        assert r.status_code == 422, r.text
    assert stored_order(runtime, world) is None


def test_an_unknown_workspace_is_404(client, world, secret):
    r = client.post("/api/v1/shop/webhooks/nowhere", content=b"{}")
    assert r.status_code == 404


def test_rotation_keeps_the_old_secret_for_a_grace_period(client, runtime, world, secret, now):
    r = client.post("/api/v1/shop/secret/rotate", headers=world.headers(Role.admin))
    assert r.status_code == 200, r.text
    new = r.json()["secret"]
    assert new != secret
    assert (
        client.post("/api/v1/shop/secret/rotate", headers=world.headers(Role.agent)).status_code
        == 403
    )
    event = {"type": "order.created", "data": order_doc()}
    assert post_event(client, world, secret, event, "d-1").status_code == 200
    assert post_event(client, world, new, event, "d-2").json()["outcome"] == "stale"
    now.advance(timedelta(hours=25))
    assert post_event(client, world, secret, event, "d-3").status_code == 401
    settings = client.get("/api/v1/shop/settings", headers=world.headers(Role.admin)).json()
    assert settings["secret_hint"] == new[-4:] and new not in str(settings)


def test_a_nul_character_is_a_clear_422(client, runtime, world, secret):
    doc = order_doc()
    doc["shipping"]["address"] = "杭州\x00西湖"
    r = post_event(client, world, secret, {"type": "order.created", "data": doc}, "d-1")
    assert r.status_code == 422 and r.json()["code"] == "webhook.malformed"
    assert "NUL" in r.json()["detail"]
    assert stored_order(runtime, world) is None
