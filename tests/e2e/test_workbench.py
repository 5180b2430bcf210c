"""The workbench's tools, driven by keyboard and mouse in a real browser: take, timers, canned
replies with variables, internal notes the customer never sees, a promise, a ticket."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Pages, Server
from tests.e2e.test_chat import WIDGET, customer_says, open_widget

pytestmark = pytest.mark.slow


def test_take_reply_with_a_macro_note_promise_and_ticket(pages: Pages, server: Server) -> None:
    agent = pages.staff(server.shop.agent_email, "/workbench")
    expect(agent.locator("body[data-ready='1']")).to_be_attached()
    customer = open_widget(pages, server, member="m-5005", name="孙女士")
    customer_says(customer, "我想改一下收货地址")

    agent.locator("[data-tab=queue]").click()
    agent.locator(".conv", has_text="孙女士").click()
    expect(agent.locator("#messages .msg.inbound")).to_have_count(1)
    waiting = agent.locator("#sla-timers .timer", has_text="客户等待")
    expect(waiting).to_have_attribute("data-level", "ok")

    # The knowledge base's answer to her question, one click from the reply box.
    suggestion = agent.locator("#suggestions .suggestion", has_text="如何修改收货地址")
    expect(suggestion).to_be_visible()
    suggestion.locator("button").click()
    expect(agent.locator("#reply")).to_have_value(re.compile("我的订单.*修改地址"))
    agent.locator("#reply").fill("")

    agent.keyboard.press("Alt+T")  # take
    expect(agent.locator("#conv-meta")).to_contain_text("负责人：我")
    agent.locator("[data-tab=mine]").click()
    expect(agent.locator(".conv", has_text="孙女士")).to_be_visible()

    # "/" in the empty reply box: the canned replies, variables filled in by the server.
    agent.locator("#reply").click()
    agent.keyboard.press("/")
    expect(agent.locator("#macro-picker")).to_be_visible()
    agent.locator("#macro-filter").fill("greet")
    agent.keyboard.press("Enter")
    greeting = "您好 孙女士，我是王客服，很高兴为您服务。"
    expect(agent.locator("#reply")).to_have_value(greeting)
    agent.keyboard.press("Control+Enter")
    expect(agent.locator("#messages .msg.outbound:not(.pending) .body")).to_have_text(greeting)
    expect(waiting).to_have_count(0)  # answered: the customer is no longer waiting

    # Alt+N: an internal note.
    agent.keyboard.press("Alt+N")
    expect(agent.locator("#note-toggle")).to_be_checked()
    agent.locator("#reply").fill("内部：地址变更需仓库确认")
    agent.keyboard.press("Control+Enter")
    expect(agent.locator("#messages .msg.internal:not(.pending) .body")).to_have_text(
        "内部：地址变更需仓库确认"
    )
    agent.keyboard.press("Alt+N")
    agent.locator("#reply").fill("已提交仓库，稍后回电确认")
    agent.keyboard.press("Control+Enter")
    expect(customer.locator(f"{WIDGET} .msg.outbound", has_text="稍后回电确认")).to_be_visible()
    # The note, sent before that reply, never reached the customer.
    expect(customer.locator(f"{WIDGET} .msg", has_text="内部")).to_have_count(0)
    expect(customer.locator(f"{WIDGET} .msg.outbound", has_text=greeting)).to_be_visible()

    # A promise with a due time from the picker: it becomes a timer.
    agent.locator("#btn-promise").click()
    agent.locator("#promise-text").fill("两小时内回电确认新地址")
    agent.locator("#promise-quick [data-minutes='120']").click()
    agent.locator("#dlg-promise button[value=ok]").click()
    expect(agent.locator("#sla-timers .timer", has_text="承诺")).to_have_attribute(
        "data-level", "ok"
    )

    # A ticket for the conversation: it shows on the customer card.
    agent.locator("#btn-ticket").click()
    agent.locator("#ticket-subject").fill("修改收货地址")
    agent.locator("#dlg-ticket button[value=ok]").click()
    expect(agent.locator("#profile .tickets")).to_contain_text("修改收货地址")

    # The customer's timeline: the chat, the ticket, the promise — one list.
    agent.locator(".subtabs [data-view=timeline]").click()
    timeline = agent.locator("#timeline")
    expect(timeline.locator(".ev.ticket-created", has_text="修改收货地址")).to_be_visible()
    expect(timeline.locator(".ev.promise-made", has_text="两小时内回电")).to_be_visible()
    first = timeline.locator(".ev.message-created", has_text="我想改一下收货地址")
    expect(first).to_contain_text("网页在线")  # the channel it came by
    assert agent.errors == []  # type: ignore[attr-defined]


def test_sign_in_goes_back_to_the_page_asked_for_and_never_off_site(
    pages: Pages, server: Server
) -> None:
    page = pages.new()
    page.goto(f"{server.base}/supervisor?lang=en")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fsupervisor"))
    page.locator("#workspace").fill(server.shop.workspace)
    page.locator("#email").fill(server.shop.supervisor_email)
    page.locator("#password").fill("wrong password")
    page.locator("button[type=submit]").click()
    expect(page.locator("#error")).to_contain_text("Sign-in failed")
    page.locator("#password").fill(server.shop.password)
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{server.base}/supervisor?lang=en")
    expect(page.locator("body[data-ready='1']")).to_be_attached()
    expect(page.locator("h3", has_text="Live conversations")).to_be_visible()  # in English

    other = pages.new()
    other.goto(f"{server.base}/login?next=//evil.example/")
    other.locator("#workspace").fill(server.shop.workspace)
    other.locator("#email").fill(server.shop.agent_email)
    other.locator("#password").fill(server.shop.password)
    other.locator("button[type=submit]").click()
    expect(other).to_have_url(f"{server.base}/workbench")


def test_transfer_to_a_team_puts_the_chat_in_its_queue(pages: Pages, server: Server) -> None:
    lead = {"Authorization": f"Bearer {server.login(server.shop.supervisor_email)}"}
    made = httpx.post(
        f"{server.base}/api/v1/teams",
        json={"name": "售后专家组", "kind": "after_sales"},
        headers=lead,
    )
    made.raise_for_status()

    agent = pages.staff(server.shop.agent_email, "/workbench")
    expect(agent.locator("body[data-ready='1']")).to_be_attached()
    customer = open_widget(pages, server, member="m-8008", name="钱先生")
    customer_says(customer, "退货寄回去一周了还没退款")
    agent.locator("[data-tab=queue]").click()
    agent.locator(".conv", has_text="钱先生").click()
    agent.keyboard.press("Alt+T")
    expect(agent.locator("#conv-meta")).to_contain_text("负责人：我")

    # Nobody of the team is online: off me, into the team's queue — said so, not silently.
    agent.locator("#btn-transfer").click()
    agent.locator("#transfer-to").select_option(label="售后专家组")
    agent.locator("#dlg-transfer button[value=ok]").click()
    expect(agent.locator("#toasts")).to_contain_text("已转入该团队的排队队列")
    expect(agent.locator("#conv-meta")).not_to_contain_text("负责人：我")
    assert agent.errors == []  # type: ignore[attr-defined]
