"""Defects of the staff pages on a busy day, each reproduced in the real browser: the supervisor
board on a 1366×768 screen and its alerts, and the knowledge page when another editor deleted an
entry."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import Route, WebSocketRoute, expect

from tests.e2e.conftest import Pages, Server

pytestmark = pytest.mark.slow


def _customer_writes(server: Server, member: str, name: str, text: str) -> int:
    """A widget customer starts a chat and writes (the REST calls the widget makes)."""
    headers = {
        "X-Kefu-Workspace": server.shop.workspace,
        "X-Kefu-Customer-Token": server.shop.customer_token(member, name),
    }
    conv = httpx.post(f"{server.base}/api/v1/widget/conversations", headers=headers, timeout=30)
    conv.raise_for_status()
    conv_id = int(conv.json()["id"])
    httpx.post(
        f"{server.base}/api/v1/widget/conversations/{conv_id}/messages",
        headers=headers,
        json={"body": text},
        timeout=30,
    ).raise_for_status()
    return conv_id


def _a_double_11_team(route: Route) -> None:
    """25 agents on the board (the seed has two): the board's first row is as tall as on the day."""
    agents = [
        {"staff_id": 9000 + i, "name": f"客服{i:02d}", "state": "online", "load": {"chat": 8}}
        for i in range(25)
    ]
    route.fulfill(status=200, content_type="application/json", body=json.dumps({"items": agents}))


def test_the_supervisor_sees_the_live_chats_and_what_they_listen_to_on_a_laptop(
    pages: Pages, server: Server
) -> None:
    for i in range(8):
        _customer_writes(server, f"m-live-{i}", f"直播顾客{i}", f"第{i}位：我的快递到哪了")
    page = pages.new()
    page.route(re.compile(r"/api/v1/routing/agents$"), _a_double_11_team)
    page.goto(f"{server.base}/login")
    page.evaluate(
        "t => sessionStorage.setItem('kefu.token', t)", server.login(server.shop.supervisor_email)
    )
    page.goto(f"{server.base}/supervisor")
    expect(page.locator("body[data-ready='1']")).to_be_attached()
    expect(page.locator("#agents tbody tr")).to_have_count(25)
    expect(page.locator("#live-list li", has_text="直播顾客")).to_have_count(8)

    # The live list is not squeezed to the height of its neighbour: at least six chats show
    # without scrolling inside the card (it was two on a 768-pixel-high screen).
    visible = page.evaluate(
        """() => {
          const card = document.getElementById('live').getBoundingClientRect();
          return [...document.querySelectorAll('#live-list li')]
            .filter((li) => li.getBoundingClientRect().bottom <= card.bottom + 1).length;
        }"""
    )
    assert visible >= 6, visible

    # Listening in: the conversation comes into view (it opened below the fold, unnoticed).
    page.locator("#live-list li", has_text="直播顾客3").click()
    expect(page.locator("#listen-messages .msg", has_text="第3位")).to_be_visible()
    expect(page.locator("#listen")).to_be_in_viewport()
    assert page.errors == []  # type: ignore[attr-defined]


def test_an_entry_deleted_by_another_editor_is_said_so_on_the_knowledge_page(
    pages: Pages, server: Server
) -> None:
    auth = {"Authorization": f"Bearer {server.login(server.shop.supervisor_email)}"}

    def create(question: str) -> int:
        res = httpx.post(
            f"{server.base}/api/v1/knowledge/entries",
            headers=auth,
            json={"question": question, "answer": "11月1日20:00起"},
            timeout=30,
        )
        res.raise_for_status()
        return int(res.json()["id"])

    def delete(entry_id: int) -> None:
        url = f"{server.base}/api/v1/knowledge/entries/{entry_id}"
        httpx.delete(url, headers=auth, timeout=30).raise_for_status()

    kept, gone = create("双11尾款什么时候付"), create("双11定金能退吗")
    page = pages.staff(server.shop.supervisor_email, "/knowledge")
    stale = page.locator(f"#entries li[data-id='{gone}']")
    expect(stale).to_be_visible()

    # Another editor deletes an entry this list still shows: opening it says so.
    delete(gone)
    stale.click()
    expect(page.locator("#status.error")).not_to_be_empty()
    expect(stale).to_have_count(0)  # the list is read again

    # The open entry is deleted meanwhile and this editor presses Delete too.
    item = page.locator(f"#entries li[data-id='{kept}']")
    item.click()
    expect(page.locator("#f-question")).to_have_value("双11尾款什么时候付")
    expect(page.locator("#status")).to_be_empty()
    delete(kept)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#delete").click()
    expect(page.locator("#status.error")).not_to_be_empty()
    expect(item).to_have_count(0)
    expect(page.locator("#delete")).to_be_hidden()
    assert page.errors == []  # type: ignore[attr-defined]


# What the hub sends for a `routing.alert` of a P1 chat and an `sla.breached` ticket target
# (kefu/realtime/hub.py notice_for: the event's payload, with its kind).
ALERTS = [
    {"type": "alert", "kind": "p1", "notified": [2], "team_id": None, "conversation_id": 1},
    {"type": "alert", "kind": "breach", "target": "first_response", "due_at": None},
]


def test_every_alert_the_hub_sends_is_named_on_the_supervisor_board(
    pages: Pages, server: Server
) -> None:
    def relay(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()
        ws.on_message(lambda frame: upstream.send(frame))

        def from_server(frame: str | bytes) -> None:
            ws.send(frame)
            if json.loads(frame).get("type") == "welcome":
                for alert in ALERTS:
                    ws.send(json.dumps(alert))

        upstream.on_message(from_server)

    for lang, p1, breach, target in (
        ("zh-CN", "P1 紧急会话", "SLA 超时", "首次响应"),
        ("en", "P1 conversation", "SLA breached", "First response"),
    ):
        page = pages.new()
        page.route_web_socket(re.compile(r"/api/v1/ws$"), relay)
        page.goto(f"{server.base}/login?lang={lang}")
        page.evaluate(
            "t => sessionStorage.setItem('kefu.token', t)",
            server.login(server.shop.supervisor_email),
        )
        page.goto(f"{server.base}/supervisor")
        alerts = page.locator("#storms .alert")
        expect(alerts).to_have_count(2)
        expect(page.locator("#storms .alert.p1 b")).to_have_text(p1)
        expect(page.locator("#storms .alert.breach")).to_contain_text(breach)
        expect(page.locator("#storms .alert.breach")).to_contain_text(target)
        assert page.errors == []  # type: ignore[attr-defined]
