"""Acceptance: a customer writes in the widget, the agent sees it live and replies, the customer
sees the reply; the supervisor follows the conversation live; script in a message stays text."""

from __future__ import annotations

import json
import re
import struct
import zlib

import httpx
import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.e2e.conftest import PHONE, Pages, Server

pytestmark = pytest.mark.slow

WIDGET = "#kefu-widget"


def open_widget(
    pages: Pages, server: Server, *, member: str | None, name: str = "", phone: bool = False
) -> Page:
    """The demo shop with the widget open: a signed-in member, or (member=None) a visitor."""
    query = f"workspace={server.shop.workspace}"
    if member is not None:
        query += f"&token={server.shop.customer_token(member, name)}"
    page = pages.new(viewport=PHONE) if phone else pages.new()
    page.goto(f"{server.base}/demo/shop?{query}")
    expect(page.locator(f"{WIDGET}[data-state=connected]")).to_be_attached()
    page.locator(f"{WIDGET} .fab").click()
    return page


def customer_says(page: Page, text: str) -> None:
    page.locator(f"{WIDGET} textarea").fill(text)
    page.locator(f"{WIDGET} .send").click()
    # Acknowledged: the pending bubble is replaced by the stored message.
    expect(page.locator(f"{WIDGET} .msg.inbound:not(.pending)", has_text=text)).to_be_visible()


def test_widget_to_workbench_and_back(pages: Pages, server: Server) -> None:
    agent = pages.staff(server.shop.agent_email, "/workbench")
    expect(agent.locator("body[data-ready='1']")).to_be_attached()
    expect(agent.locator("#conn[data-state=open]")).to_be_visible()

    customer = open_widget(pages, server, member="m-1001", name="张小梅")
    customer_says(customer, "我的订单还没发货，能帮我查一下吗？")

    # Live, no reload: the conversation appears in my list or the queue.
    item = agent.locator(".conv", has_text="张小梅")
    expect(
        agent.locator("#count-mine, #count-queue").filter(has_text=re.compile("[1-9]"))
    ).to_have_count(1)
    if not item.is_visible():
        agent.locator("[data-tab=queue]").click()
    item.click()
    expect(agent.locator("#messages .msg.inbound .body")).to_have_text(
        "我的订单还没发货，能帮我查一下吗？"
    )

    # Both sides see the other typing.
    customer.locator(f"{WIDGET} textarea").press_sequentially("还有")
    expect(agent.locator("#typing")).to_be_visible()
    customer.locator(f"{WIDGET} textarea").fill("")
    agent.locator("#reply").press_sequentially("您好")
    expect(customer.locator(f"{WIDGET} .typing")).to_be_visible()

    agent.locator("#reply").fill("您好，已为您催促仓库，今天发出。")
    agent.locator("#reply").press("Control+Enter")
    expect(agent.locator("#messages .msg.outbound:not(.pending) .body")).to_have_text(
        "您好，已为您催促仓库，今天发出。"
    )

    expect(customer.locator(f"{WIDGET} .msg.outbound", has_text="已为您催促仓库")).to_be_visible()
    assert agent.errors == [] and customer.errors == []  # type: ignore[attr-defined]


def test_supervisor_follows_live_listens_in_and_takes_over(pages: Pages, server: Server) -> None:
    lead = pages.staff(server.shop.supervisor_email, "/supervisor")
    expect(lead.locator("body[data-ready='1']")).to_be_attached()

    customer = open_widget(pages, server, member="m-2002", name="赵先生")
    customer_says(customer, "收到的花瓶碎了")

    # The new conversation reaches the board live.
    row = lead.locator("#live-list .conv", has_text="赵先生")
    expect(row).to_be_visible()
    row.click()
    expect(lead.locator("#listen-messages .msg.inbound .body")).to_have_text("收到的花瓶碎了")

    # An agent takes it and answers; the supervisor, watching, sees the answer as it is sent.
    conv_id = int(row.get_attribute("data-id") or 0)
    agent_token = server.login(server.shop.agent_email)
    headers = {"Authorization": f"Bearer {agent_token}"}
    api = f"{server.base}/api/v1/conversations/{conv_id}"
    httpx.patch(api, json={"assignee_id": server.shop.agent_id}, headers=headers).raise_for_status()
    reply = {"body": "非常抱歉，马上为您补发", "client_msg_id": "e2e-agent-1"}
    httpx.post(f"{api}/messages", json=reply, headers=headers).raise_for_status()
    expect(lead.locator("#listen-messages .msg.outbound .body")).to_have_text(
        "非常抱歉，马上为您补发"
    )
    expect(customer.locator(f"{WIDGET} .msg.outbound", has_text="马上为您补发")).to_be_visible()

    # Take-over: the conversation becomes the supervisor's, in the workbench.
    lead.locator("#btn-takeover").click()
    expect(lead).to_have_url(re.compile(rf"/workbench#c{conv_id}$"))
    expect(lead.locator("#conv-meta")).to_contain_text("负责人：我")
    expect(lead.locator("#messages .msg.outbound .body")).to_have_text("非常抱歉，马上为您补发")
    assert lead.errors == []  # type: ignore[attr-defined]


HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def test_script_in_a_message_or_a_name_is_shown_as_text(pages: Pages, server: Server) -> None:
    agent = pages.staff(server.shop.agent_email, "/workbench")
    expect(agent.locator("body[data-ready='1']")).to_be_attached()
    customer = open_widget(
        pages, server, member="m-3003", name='<img src=x onerror="window.__pwned=3">Eve'
    )
    customer_says(customer, HOSTILE)

    agent.locator("[data-tab=queue]").click()
    item = agent.locator(".conv", has_text="Eve")
    item.click()
    body = agent.locator("#messages .msg.inbound .body")
    expect(body).to_have_text(HOSTILE)  # the text itself, every character
    expect(agent.locator("#profile .profile")).to_contain_text('onerror="window.__pwned=3"')
    # Nothing of it became markup, nothing ran: on the agent's page or the customer's.
    assert agent.locator("#messages img, #profile img, #conv-list img").count() == 0
    assert customer.locator(f"{WIDGET} .log img").count() == 0
    assert agent.evaluate("window.__pwned") is None
    assert customer.evaluate("window.__pwned") is None


def test_widget_on_a_phone(pages: Pages, server: Server) -> None:
    # An anonymous visitor: the widget keeps the visitor token it was given and comes back as
    # the same customer after a reload.
    customer = open_widget(pages, server, member=None, phone=True)
    panel = customer.locator(f"{WIDGET} .panel")
    box = panel.bounding_box()
    assert box is not None and box["width"] == PHONE["width"]  # full width on a small screen
    customer_says(customer, "手机上也能咨询吗")
    # Reload: the conversation is still there (history kept and caught up on reconnect).
    customer.reload()
    expect(customer.locator(f"{WIDGET}[data-state=connected]")).to_be_attached()
    customer.locator(f"{WIDGET} .fab").click()
    expect(customer.locator(f"{WIDGET} .msg.inbound", has_text="手机上也能咨询吗")).to_have_count(1)


def test_a_send_whose_ack_is_lost_is_resent_and_stored_once(pages: Pages, server: Server) -> None:
    """The link dies right after a message frame leaves: no ack. The widget reconnects, sends it
    again with the same client_msg_id, and the server keeps one copy."""
    token = server.shop.customer_token("m-6006", "周先生")
    page = pages.new()
    seen = {"dropped": False, "sockets": 0}

    def relay(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()
        seen["sockets"] += 1

        def from_page(frame: str | bytes) -> None:
            upstream.send(frame)
            if not seen["dropped"] and json.loads(frame).get("type") == "message":
                seen["dropped"] = True
                ws.close()  # the page never hears the ack
                upstream.close()

        ws.on_message(from_page)
        upstream.on_message(lambda frame: ws.send(frame))

    page.route_web_socket(re.compile(r"/api/v1/widget/ws$"), relay)
    page.goto(f"{server.base}/demo/shop?workspace={server.shop.workspace}&token={token}")
    page.locator(f"{WIDGET} .fab").click()
    page.locator(f"{WIDGET} textarea").fill("断线也不能丢的消息")
    page.locator(f"{WIDGET} .send").click()

    bubble = page.locator(f"{WIDGET} .msg.inbound", has_text="断线也不能丢的消息")
    expect(
        page.locator(f"{WIDGET} .msg.inbound:not(.pending)", has_text="断线也不能丢的消息")
    ).to_be_visible()
    expect(bubble).to_have_count(1)
    assert seen["dropped"] and seen["sockets"] >= 2

    staff = {"Authorization": f"Bearer {server.login(server.shop.agent_email)}"}
    base = f"{server.base}/api/v1"
    customers = httpx.get(f"{base}/customers?q=周先生", headers=staff).json()["items"]
    convs = httpx.get(f"{base}/conversations?customer_id={customers[0]['id']}", headers=staff)
    bodies = [
        m["body"]
        for c in convs.json()["items"]
        for m in httpx.get(f"{base}/conversations/{c['id']}/messages", headers=staff).json()[
            "items"
        ]
    ]
    assert bodies.count("断线也不能丢的消息") == 1


def _tiny_png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    chunks = b""
    for kind, data in ((b"IHDR", ihdr), (b"IDAT", pixels), (b"IEND", b"")):
        chunks += struct.pack(">I", len(data)) + kind + data
        chunks += struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunks


def test_an_image_from_the_widget_reaches_the_agent(pages: Pages, server: Server) -> None:
    agent = pages.staff(server.shop.agent_email, "/workbench")
    expect(agent.locator("body[data-ready='1']")).to_be_attached()
    customer = open_widget(pages, server, member="m-7007", name="吴女士")
    customer_says(customer, "包裹破损了，我拍了照片")
    agent.locator("[data-tab=queue]").click()
    agent.locator(".conv", has_text="吴女士").click()
    expect(agent.locator("#messages .msg.inbound")).to_have_count(1)

    customer.locator(f"{WIDGET} input[type=file]").set_input_files(
        {"name": "damage.png", "mimeType": "image/png", "buffer": _tiny_png()}
    )
    # The customer's own bubble shows the picture (fetched with the widget's credentials) …
    mine = customer.locator(f"{WIDGET} .msg.inbound:not(.pending) img")
    expect(mine).to_have_attribute("src", re.compile(r"^blob:"))
    # … and the agent gets it live, fetched with the staff token.
    thumb = agent.locator("#messages .msg.inbound img.thumb")
    expect(thumb).to_have_attribute("src", re.compile(r"^blob:"))
    assert agent.evaluate("document.querySelector('#messages img.thumb').naturalWidth") == 1


def test_nobody_online_turns_the_chat_into_a_ticket_with_a_promised_time(
    pages: Pages, server: Server
) -> None:
    # Every staff member offline (presence is per person; routing reads it), restored afterwards
    # for the tests that follow on the same server.
    url = f"{server.base}/api/v1/routing"
    people = [
        {"Authorization": f"Bearer {server.login(email)}"}
        for email in (server.shop.agent_email, server.shop.supervisor_email)
    ]
    board = httpx.get(f"{url}/agents", headers=people[1]).json()["items"]
    before = {a["staff_id"]: a["state"] for a in board}
    mine = [httpx.get(f"{server.base}/api/v1/me", headers=h).json()["staff"]["id"] for h in people]
    try:
        for headers in people:
            httpx.put(
                f"{url}/presence", json={"state": "offline"}, headers=headers
            ).raise_for_status()

        customer = open_widget(pages, server, member="m-night-1", name="夜猫子")
        customer_says(customer, "半夜了还有人吗？订单地址要改")

        # Not a silent queue: the customer is told the ticket number and the time we reply by.
        # To the minute: "工单 #12，我们会在 12月8日 12:00 前回复您".
        told = customer.locator(
            f"{WIDGET} .note", has_text=re.compile(r"工单 #\d+.*\d+月\d+日 \d\d:\d\d 前回复")
        )
        expect(told).to_be_visible()
        expect(customer.locator(f"{WIDGET} .queue")).to_be_hidden()
        assert customer.errors == []  # type: ignore[attr-defined]
    finally:
        for headers, staff_id in zip(people, mine, strict=True):
            state = before.get(staff_id, "offline")
            httpx.put(f"{url}/presence", json={"state": state}, headers=headers)
