"""Orders: the read API (masking, tenancy, filters, pages, bad input) and the create use case."""

from __future__ import annotations

import pytest

from kefu.auth.models import Role
from kefu.customers import service as customers
from kefu.errors import Conflict, Forbidden, Invalid, NotFound
from kefu.orders import service as orders
from kefu.orders.models import OrderStatus
from kefu.orders.money import format_cents
from kefu.orders.service import NewItem
from kefu.privacy import mask_address
from kefu.timeline import service as timeline
from tests.factories import World, make_customer

PHONE = "13812345678"
ADDRESS = "浙江省杭州市西湖区文三路 90 号东部软件园 3 幢 1201 室"
TABLE = NewItem(
    sku="LM-FUR-1001", title="北欧白橡木实木餐桌 1.4m", quantity=1, unit_price_cents=239900
)
PILLOW = NewItem(sku="LM-BED-2003", title="慢回弹记忆棉枕", quantity=2, unit_price_cents=19900)


def add_order(session, world: World, customer_id: int, number: str, **kw):
    kw.setdefault("items", [TABLE, PILLOW])
    return orders.create(
        session,
        actor=world.system,
        number=number,
        customer_id=customer_id,
        shipping_name="王小明",
        shipping_phone=PHONE,
        shipping_address=ADDRESS,
        **kw,
    )


@pytest.fixture
def shop(runtime, world):
    """Two customers of "acme": Zhang with three orders (one shipped), Li with one paid order."""
    with runtime.sessions() as s:
        zhang = make_customer(s, world, name="张伟", phone="13900001111")
        li = make_customer(s, world, name="李娜", phone="13900002222")
        made = [
            add_order(s, world, zhang.id, "LM2611010001", status=OrderStatus.completed),
            add_order(s, world, zhang.id, "LM2611020002", status=OrderStatus.pending_payment),
            add_order(
                s,
                world,
                zhang.id,
                "LM2611030003",
                status=OrderStatus.shipped,
                carrier="顺丰速运",
                tracking_no="SF1234567890",
            ),
            add_order(s, world, li.id, "LM2611040004", status=OrderStatus.paid, items=[PILLOW]),
        ]
        s.commit()
        return {"zhang": zhang.id, "li": li.id, "orders": [o.id for o in made]}


def test_money_reads_as_yuan():
    assert format_cents(129900) == "¥1,299.00"
    assert format_cents(5) == "¥0.05"
    assert format_cents(0) == "¥0.00"
    assert format_cents(-500) == "-¥5.00"
    assert format_cents(123456789) == "¥1,234,567.89"


def test_get_order_with_items_and_amounts(client, world, shop):
    r = client.get(f"/api/v1/orders/{shop['orders'][2]}", headers=world.headers())
    assert r.status_code == 200, r.text
    o = r.json()
    assert o["number"] == "LM2611030003"
    assert o["status"] == "shipped"
    assert o["currency"] == "CNY"
    assert o["total_cents"] == 239900 + 2 * 19900
    assert o["total_yuan"] == "¥2,797.00"
    assert [i["sku"] for i in o["items"]] == ["LM-FUR-1001", "LM-BED-2003"]
    assert o["items"][1]["unit_price_yuan"] == "¥199.00"
    assert o["items"][1]["subtotal_cents"] == 39800
    assert o["shipping"]["carrier"] == "顺丰速运"
    assert o["shipping"]["tracking_no"] == "SF1234567890"


def test_recipient_is_masked(client, world, shop):
    for url in (f"/api/v1/orders/{shop['orders'][0]}", "/api/v1/orders"):
        r = client.get(url, headers=world.headers(Role.analyst))
        assert r.status_code == 200
        # Neither the full phone, nor the street and door, nor the full name leave the server.
        assert PHONE not in r.text
        assert "软件园" not in r.text and "1201" not in r.text
        assert "王小明" not in r.text
    shipping = r.json()["items"][0]["shipping"]
    assert shipping["phone_masked"] == "138****5678"
    assert shipping["name_masked"] == "王**"
    assert shipping["address_masked"] == mask_address(ADDRESS)
    assert shipping["address_masked"].startswith("浙江省杭州市")


def test_list_newest_first_and_filters(client, world, shop):
    h = world.headers()
    r = client.get("/api/v1/orders", headers=h)
    assert r.status_code == 200
    assert [o["id"] for o in r.json()["items"]] == shop["orders"][::-1]
    assert r.json()["next_cursor"] is None

    r = client.get("/api/v1/orders", params={"customer_id": shop["li"]}, headers=h)
    assert [o["number"] for o in r.json()["items"]] == ["LM2611040004"]
    r = client.get("/api/v1/orders", params={"status": "pending_payment"}, headers=h)
    assert [o["number"] for o in r.json()["items"]] == ["LM2611020002"]
    r = client.get(
        "/api/v1/orders", params={"customer_id": shop["zhang"], "status": "paid"}, headers=h
    )
    assert r.json()["items"] == []
    r = client.get("/api/v1/orders", params={"number": "LM2611010001"}, headers=h)
    assert [o["id"] for o in r.json()["items"]] == [shop["orders"][0]]


def test_customer_filter_includes_merged_profiles(client, runtime, world, shop):
    with runtime.sessions() as s:
        customers.merge(s, actor=world.system, source_id=shop["li"], target_id=shop["zhang"])
        s.commit()
    r = client.get("/api/v1/orders", params={"customer_id": shop["zhang"]}, headers=world.headers())
    assert len(r.json()["items"]) == 4


def test_pages_do_not_overlap(client, world, shop):
    seen: list[int] = []
    cursor = None
    for _ in range(3):
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        r = client.get("/api/v1/orders", params=params, headers=world.headers())
        assert r.status_code == 200
        seen += [o["id"] for o in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == shop["orders"][::-1]
    assert cursor is None


def test_other_workspace_sees_nothing(client, runtime, world, other_world, shop):
    with runtime.sessions() as s:
        their_customer = make_customer(s, other_world)
        their_id = add_order(s, other_world, their_customer.id, "LM2611050005").id
        s.commit()
    foreign = client.get(f"/api/v1/orders/{their_id}", headers=world.headers())
    missing = client.get("/api/v1/orders/987654321", headers=world.headers())
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    r = client.get("/api/v1/orders", params={"number": "LM2611050005"}, headers=world.headers())
    assert r.json()["items"] == []
    r = client.get(
        "/api/v1/orders", params={"customer_id": their_customer.id}, headers=world.headers()
    )
    assert r.json()["items"] == []
    # The order is there, for its own workspace.
    r = client.get("/api/v1/orders", headers=other_world.headers())
    assert [o["id"] for o in r.json()["items"]] == [their_id]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/orders/0",
        "/api/v1/orders/-1",
        "/api/v1/orders/abc",
        "/api/v1/orders/1.5",
        f"/api/v1/orders/{2**63}",
        "/api/v1/orders/99999999999999999999999999",
        "/api/v1/orders?customer_id=abc",
        "/api/v1/orders?customer_id=0",
        f"/api/v1/orders?customer_id={2**64}",
        "/api/v1/orders?status=lost",
        "/api/v1/orders?limit=0",
        "/api/v1/orders?limit=100000",
        "/api/v1/orders?number=%00",
        "/api/v1/orders?number=" + "9" * 65,
        "/api/v1/orders?cursor=not-a-cursor",
    ],
)
def test_bad_input_is_422_not_500(client, world, url):
    r = client.get(url, headers=world.headers())
    assert r.status_code == 422, r.text
    assert r.json()["code"] in ("request.invalid", "cursor.invalid")


def test_staff_only(client, world, shop):
    assert client.get("/api/v1/orders").status_code == 401
    assert client.get(f"/api/v1/orders/{shop['orders'][0]}").status_code == 401
    for role in Role:
        assert client.get("/api/v1/orders", headers=world.headers(role)).status_code == 200


def test_create_rules(session, world):
    customer = make_customer(session, world)
    # Orders come from the shop's system: only an admin (or the system itself) records one.
    with pytest.raises(Forbidden):
        orders.create(
            session,
            actor=world.actor(Role.supervisor),
            number="X1",
            customer_id=customer.id,
            items=[TABLE],
        )
    admin_made = orders.create(
        session, actor=world.actor(Role.admin), number="X1", customer_id=customer.id, items=[TABLE]
    )
    assert admin_made.total_cents == 239900 and admin_made.status is OrderStatus.pending_payment
    with pytest.raises(Conflict):
        add_order(session, world, customer.id, "X1")
    with pytest.raises(Invalid):
        add_order(session, world, customer.id, "X2", items=[])
    with pytest.raises(Invalid):
        add_order(session, world, customer.id, "X3", items=[NewItem("S", "t", 0, 100)])
    with pytest.raises(NotFound):
        add_order(session, world, 987654321, "X4")


def test_create_for_merged_customer_lands_on_target(session, world):
    source = make_customer(session, world, name="甲", phone="13700000001")
    target = make_customer(session, world, name="乙", phone="13700000002")
    customers.merge(session, actor=world.system, source_id=source.id, target_id=target.id)
    order = add_order(session, world, source.id, "M1")
    assert order.customer_id == target.id


def test_create_records_event(session, world):
    customer = make_customer(session, world)
    order = add_order(session, world, customer.id, "E1")
    session.flush()
    events, _ = timeline.for_customer(
        session, actor=world.system, customer_id=customer.id, limit=10, cursor=None
    )
    created = [e for e in events if e.type == "order.created"]
    assert len(created) == 1
    assert created[0].payload["order_id"] == order.id
    assert created[0].payload["number"] == "E1"
