"""The bot through the widget REST API, and its replies handed to the realtime hub after commit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu import clock
from tests.bot.dialogue_helpers import seed_orders, switch_bot_on
from tests.orders.helpers import T0, FreshCustomerHeaders


@pytest.fixture(autouse=True)
def now():
    with clock.frozen(T0 + timedelta(days=1)) as c:
        yield c


@pytest.fixture
def bot_on(runtime, world):
    switch_bot_on(runtime, world)


def test_widget_customer_gets_the_which_order_then_timeline(
    client, runtime, world, delivered, bot_on
):
    headers = FreshCustomerHeaders(world)
    assert client.get("/api/v1/widget/me", headers=headers).status_code == 200
    first, second = seed_orders(runtime, world)
    conv = client.post("/api/v1/widget/conversations", headers=headers).json()
    url = f"/api/v1/widget/conversations/{conv['id']}/messages"
    sent = client.post(url, headers=headers, json={"body": "我的快递到哪了"})
    assert sent.status_code == 201
    items = client.get(url, headers=headers).json()["items"]
    bot = [m for m in items if m["id"] > sent.json()["id"]]
    assert bot and all(m["direction"] == "outbound" for m in bot)
    assert first in bot[1]["body"] and second in bot[1]["body"]
    # The hub subscribes to every committed event: the bot's replies reach it like any message.
    pushed = {ev.payload.get("message_id") for ev in delivered if ev.type == "message.created"}
    assert {m["id"] for m in bot} <= pushed
    pick = "1" if bot[1]["body"].index(first) < bot[1]["body"].index(second) else "2"
    sent = client.post(url, headers=headers, json={"body": pick})
    items = client.get(url, headers=headers).json()["items"]
    answer = "\n".join(m["body"] for m in items if m["id"] > sent.json()["id"])
    assert "运输中" in answer and "SF1234567890123" in answer


def test_widget_human_request_shows_the_summary_to_the_agent_only(client, runtime, world, bot_on):
    headers = FreshCustomerHeaders(world)
    client.get("/api/v1/widget/me", headers=headers)
    conv = client.post("/api/v1/widget/conversations", headers=headers).json()
    url = f"/api/v1/widget/conversations/{conv['id']}/messages"
    client.post(url, headers=headers, json={"body": "转人工"})
    mine = client.get(url, headers=headers).json()["items"]
    assert not any("summary" in m["body"] for m in mine)
    staff = client.get(
        f"/api/v1/conversations/{conv['id']}/messages", headers=world.headers()
    ).json()["items"]
    notes = [m for m in staff if m["direction"] == "internal"]
    assert len(notes) == 1 and "Bot handoff summary" in notes[0]["body"]


def test_demo_shopper_conversations_end_to_end(client, runtime, world):
    """The demo's data (KB + 小林's orders, bot switched on by the seed) through the widget."""
    from kefu.bot.dialogue import demo
    from kefu.knowledge.demo import seed_demo

    with runtime.sessions() as s:
        seed_demo(s, world.workspace.id)
        first, second = demo.seed_bot_demo(s, world.workspace.id)
        s.commit()
    headers = FreshCustomerHeaders(world, member_id=demo.MEMBER)
    conv = client.post("/api/v1/widget/conversations", headers=headers).json()
    url = f"/api/v1/widget/conversations/{conv['id']}/messages"

    def say(text: str) -> str:
        sent = client.post(url, headers=headers, json={"body": text}).json()
        items = client.get(url, headers=headers, params={"limit": 200}).json()["items"]
        return "\n".join(m["body"] for m in items if m["id"] > sent["id"])

    listing = say("我的快递到哪了")
    assert first in listing and second in listing
    pick = "1" if listing.index(first) < listing.index(second) else "2"
    timeline = say(pick)
    assert demo.TRACKING in timeline and "派送中" in timeline
    assert "30.00" in say("买完就降价了")  # 198 → 168: the difference refunded
    assert "人工客服暂时不在线" in say("转人工")  # no agent online in this test
