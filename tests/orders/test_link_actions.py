"""The customer's order page: the HTML page behind a signed link, actions through the link (its
one order only), links minted by the widget, and agents' actions told in the conversation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kefu import clock
from kefu.auth.models import Role
from kefu.conversations import service as conversations
from kefu.conversations.models import Message
from kefu.orders.aftersales_models import Refund
from kefu.orders.models import Order
from kefu.orders.shop_models import Effect
from kefu.timeline.models import Event
from tests.orders.helpers import T0, customer_headers, make_order

ACT = "/api/v1/order-links/orders/{}/actions/{}"


@pytest.fixture
def now():
    with clock.frozen(T0) as c:
        yield c


@pytest.fixture
def orders(runtime, world, now):
    """M1's two orders and M2's one."""
    with runtime.sessions() as s:
        a = make_order(s, world, number="SO-A")
        b = make_order(s, world, number="SO-B")
        other = make_order(s, world, number="SO-X", member="M2")
        s.commit()
        return a.id, b.id, other.id


def link_for(client, world, order_id):
    r = client.post(f"/api/v1/orders/{order_id}/page-link", headers=world.headers(Role.agent))
    assert r.status_code == 200, r.text
    return r.json()


def link_headers(world, token, lang="en"):
    return {
        "X-Kefu-Workspace": world.workspace.key,
        "X-Kefu-Order-Link": token,
        "Accept-Language": lang,
    }


def refused(runtime):
    with runtime.sessions() as s:
        return list(s.scalars(select(Event).where(Event.type == "order.action_refused")))


def test_the_link_opens_an_html_page_in_the_readers_language(client, world, orders) -> None:
    link = link_for(client, world, orders[0])
    assert link["page_path"] == f"/o/{world.workspace.key}/{link['token']}"
    zh = client.get(link["page_path"])
    assert zh.status_code == 200 and 'lang="zh-CN"' in zh.text and "我的订单" in zh.text
    assert zh.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in zh.headers["Content-Security-Policy"]
    en = client.get(link["page_path"] + "?lang=en")
    assert 'lang="en"' in en.text and "My order" in en.text
    # The page carries the link for its script, escaped; a token with markup never gets in.
    assert client.get(f"/o/{world.workspace.key}/<script>").status_code in (404, 422)


def test_the_links_holder_acts_on_that_order_under_the_policy(client, runtime, world, orders):
    a, _, _ = orders
    link = link_for(client, world, a)
    r = client.post(
        ACT.format(a, "refund"),
        json={"reason": "不想要了"},
        headers=link_headers(world, link["token"]),
    )
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "done" and "refund" in r.json()["message"]
    with runtime.sessions() as s:
        [refund] = s.scalars(select(Refund)).all()
        assert refund.order_number == "SO-A"
    # The refused path: cancelling what is now fully refunded, in Chinese when asked so.
    again = client.post(
        ACT.format(a, "refund"),
        json={"reason": "再来"},
        headers=link_headers(world, link["token"], "zh-CN"),
    )
    assert again.status_code in (409, 422), again.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in again.json()["detail"])


def test_a_link_opens_only_its_own_order(client, runtime, world, orders) -> None:
    a, b, other = orders
    token = link_for(client, world, a)["token"]
    for order_id in (b, other):  # the same customer's other order, someone else's order
        r = client.post(ACT.format(order_id, "cancel"), json={}, headers=link_headers(world, token))
        assert r.status_code == 404, r.text
    assert [e.payload["order_id"] for e in refused(runtime)] == [b, other]
    with runtime.sessions() as s:
        assert s.scalars(select(Effect)).all() == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Kefu-Workspace": "nowhere", "X-Kefu-Order-Link": "abc.def"},
        {"X-Kefu-Order-Link": "abc.def"},
    ],
)
def test_without_a_valid_link_nothing_happens(client, runtime, world, orders, headers) -> None:
    r = client.post(ACT.format(orders[0], "urge"), headers={**headers, "Accept-Language": "en"})
    assert r.status_code == 401 and r.json()["detail"]
    with runtime.sessions() as s:
        assert s.scalars(select(Effect)).all() == []


def test_the_widget_mints_a_short_link_for_my_order_only(client, world, orders, now) -> None:
    a, _, other = orders
    me = customer_headers(world)
    assert client.get("/api/v1/widget/me", headers=me).status_code == 200
    r = client.get(f"/api/v1/widget/orders/{a}/page-link", headers=me)
    assert r.status_code == 200, r.text
    link = r.json()
    assert link["page_path"].startswith(f"/o/{world.workspace.key}/")
    page = client.get(link["api_path"])
    assert page.status_code == 200 and page.json()["order"]["number"] == "SO-A"
    assert client.get(f"/api/v1/widget/orders/{other}/page-link", headers=me).status_code == 404
    now.advance(timedelta(hours=2, seconds=1))  # a widget link lives two hours, not seven days
    assert client.get(link["api_path"]).status_code == 401


def test_an_agents_action_is_told_in_the_customers_conversation(
    client, runtime, world, orders
) -> None:
    a, _, other = orders
    with runtime.sessions() as s:
        order = s.get(Order, a)
        assert world.chat is not None
        mine = conversations.create(
            s, actor=world.system, channel_id=world.chat.id, customer_id=order.customer_id
        ).id
        theirs_order = s.get(Order, other)
        theirs = conversations.create(
            s, actor=world.system, channel_id=world.chat.id, customer_id=theirs_order.customer_id
        ).id
        s.commit()
    agent = world.headers(Role.agent)
    # Telling another customer's conversation about this order: refused, and nothing applied.
    wrong = client.post(
        f"/api/v1/orders/{a}/actions/refund?conversation_id={theirs}",
        json={"reason": "破损"},
        headers={**agent, "Accept-Language": "en"},
    )
    assert wrong.status_code == 422 and "conversation" in wrong.json()["detail"]
    with runtime.sessions() as s:
        assert s.scalars(select(Refund)).all() == []
        assert s.scalars(select(Message)).all() == []
    r = client.post(
        f"/api/v1/orders/{a}/actions/refund?conversation_id={mine}",
        json={"reason": "破损"},
        headers=agent,
    )
    assert r.status_code == 200, r.text
    with runtime.sessions() as s:
        [msg] = s.scalars(select(Message).where(Message.conversation_id == mine)).all()
        assert msg.direction.value == "outbound" and "退款" in msg.body
