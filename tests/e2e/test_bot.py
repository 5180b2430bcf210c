"""Acceptance of the bot in the widget (issue 6), in a real browser against `kefu serve`, in the
bot's own workspace (tests/e2e/seed_bot.py): 我的快递到哪了 → which order → the logistics timeline;
买完就降价了 → price protection; 转人工 → the agent opens the conversation on the handoff summary;
an angry message → a senior agent; the Double 11 quiz, answered with digits, counted."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e import seed_bot as shop
from tests.e2e.conftest import Pages, Server
from tests.e2e.test_chat import WIDGET

pytestmark = pytest.mark.slow


class Staff:
    """A staff member of the bot workspace through the REST API."""

    def __init__(self, server: Server, email: str) -> None:
        res = httpx.post(
            f"{server.base}/api/v1/auth/login",
            json={"workspace": shop.WORKSPACE, "email": email, "password": shop.PASSWORD},
        )
        res.raise_for_status()
        self.token = str(res.json()["token"])
        self.email = email
        self.client = httpx.Client(
            base_url=f"{server.base}/api/v1", headers={"Authorization": f"Bearer {self.token}"}
        )
        self.id = int(self.get("/me")["staff"]["id"])

    def get(self, path: str, **params: Any) -> Any:
        res = self.client.get(path, params=params)
        res.raise_for_status()
        return res.json()

    def conversation_of(self, name: str) -> dict[str, Any]:
        [customer] = self.get("/customers", q=name)["items"]
        [conv] = self.get("/conversations", customer_id=customer["id"])["items"]
        return dict(conv)


@pytest.fixture(scope="module")
def agents(server: Server) -> Iterator[dict[str, Staff]]:
    """Both agents online, so a handoff is assigned at once (to a senior when it needs one)."""
    staff = {email: Staff(server, email) for email in (shop.AGENT, shop.SENIOR, shop.LEAD)}
    for email in (shop.AGENT, shop.SENIOR):
        res = staff[email].client.put("/routing/presence", json={"state": "online"})
        res.raise_for_status()
    yield staff
    for member in staff.values():
        member.client.close()


def open_widget(pages: Pages, server: Server, member: str, name: str) -> Page:
    token = shop.customer_token(member, name)
    page = pages.new()
    page.goto(f"{server.base}/demo/shop?workspace={shop.WORKSPACE}&token={token}")
    expect(page.locator(f"{WIDGET}[data-state=connected]")).to_be_attached()
    page.locator(f"{WIDGET} .fab").click()
    return page


def say(page: Page, text: str) -> None:
    """Send as the customer and wait for the server's ack (digits repeat: counted, not matched)."""
    stored = page.locator(f"{WIDGET} .msg.inbound:not(.pending)")
    before = stored.count()
    page.locator(f"{WIDGET} textarea").fill(text)
    page.locator(f"{WIDGET} .send").click()
    expect(stored).to_have_count(before + 1)
    expect(stored.last).to_have_text(text)


def bot(page: Page, text: str) -> Locator:
    """The bot's bubbles containing `text`."""
    return page.locator(f"{WIDGET} .msg.outbound", has_text=text)


def staff_page(pages: Pages, server: Server, member: Staff, path: str) -> Page:
    page = pages.new()
    page.goto(f"{server.base}/login")
    page.evaluate("t => sessionStorage.setItem('kefu.token', t)", member.token)
    page.goto(f"{server.base}{path}")
    return page


def test_order_questions_price_protection_and_handoff_with_summary(
    pages: Pages, server: Server, agents: dict[str, Staff]
) -> None:
    shipped, dropped = shop.ORDER_NUMBERS
    customer = open_widget(pages, server, shop.SHOPPER, "小林")

    say(customer, "我的快递到哪了")
    expect(bot(customer, "您有多个订单，请问是哪一个？")).to_be_visible()
    # The question stays above its answer, though the bot may answer before the ack arrives.
    order = customer.locator(f"{WIDGET} .msg").evaluate_all(
        "(ms) => ms.map((m) => (m.classList.contains('inbound') ? 'in:' : 'out:') + m.textContent)"
    )
    asked = next(i for i, m in enumerate(order) if m.startswith("in:") and "我的快递到哪了" in m)
    answered = next(i for i, m in enumerate(order) if "您有多个订单" in m)
    assert asked < answered, order
    listing = bot(customer, shipped)
    expect(listing).to_contain_text(dropped)  # both of her orders, numbered
    # … and as buttons: a tap sends the order's number in the list, as if she had typed it.
    lines = listing.inner_text().splitlines()
    pick = next(line.split(".")[0] for line in lines if shipped in line)
    buttons = customer.locator(f"{WIDGET} .quick button")
    expect(buttons.filter(has_text=dropped)).to_have_count(1)
    buttons.filter(has_text=shipped).click()
    expect(customer.locator(f"{WIDGET} .msg.inbound:not(.pending)").last).to_have_text(pick)
    timeline = bot(customer, "最新物流")
    expect(timeline).to_contain_text("SF1300000000001")
    expect(timeline).to_contain_text("上海徐汇")
    # The question is answered: its buttons are gone; a person is still one tap away.
    expect(buttons.filter(has_text=dropped)).to_have_count(0)
    expect(buttons.filter(has_text="转人工")).to_have_count(1)

    say(customer, "买完就降价了")
    # 198 → 168 the day after she paid: the difference goes back at once.
    expect(bot(customer, "价保成功")).to_contain_text(f"订单 {dropped}：价保成功，差价 ¥30.00")

    say(customer, "转人工")
    expect(bot(customer, "正在为您转接人工客服")).to_be_visible()
    expect(customer.locator(f"{WIDGET} .msg", has_text="机器人转人工摘要")).to_have_count(0)

    conv = agents[shop.LEAD].conversation_of("小林")
    assignee = next(a for a in agents.values() if a.id == conv["assignee_id"])
    workbench = staff_page(pages, server, assignee, f"/workbench#c{conv['id']}")
    summary = workbench.locator("#messages .msg.internal .body", has_text="机器人转人工摘要")
    expect(summary).to_be_visible()
    for line in (
        "客户要求转人工",
        "意图 Intent: price_protection",
        f"订单 Order: {dropped}",
        "情绪 Emotion:",
        f"told logistics of {shipped}",
        f"price protection on {dropped}: done",
    ):
        expect(summary).to_contain_text(line)
    assert customer.errors == [] and workbench.errors == []  # type: ignore[attr-defined]


def test_an_angry_customer_is_routed_to_the_senior_agent(
    pages: Pages, server: Server, agents: dict[str, Staff]
) -> None:
    customer = open_widget(pages, server, "m-angry-1", "周女士")
    say(customer, "你们这是什么垃圾服务，气死我了！")
    expect(bot(customer, "资深客服")).to_be_visible()
    conv = agents[shop.LEAD].conversation_of("周女士")
    assert conv["assignee_id"] == agents[shop.SENIOR].id
    senior = staff_page(pages, server, agents[shop.SENIOR], f"/workbench#c{conv['id']}")
    summary = senior.locator("#messages .msg.internal .body", has_text="机器人转人工摘要")
    expect(summary).to_contain_text("angry customer")


def test_the_double_11_quiz_runs_in_the_widget_and_is_counted(
    pages: Pages, server: Server, agents: dict[str, Staff]
) -> None:
    customer = open_widget(pages, server, "m-quiz-1", "吴同学")
    say(customer, "双11规则是什么")
    expect(bot(customer, "双11预售三步走")).to_be_visible()
    expect(bot(customer, "第 1/3 题：预售定金什么时候开始付？")).to_contain_text(
        "1. 10月24日20:00起"
    )
    customer.locator(f"{WIDGET} .quick button", has_text="10月24日20:00起").click()
    expect(bot(customer, "✔ 答对了！")).to_have_count(1)
    expect(bot(customer, "第 2/3 题")).to_be_visible()
    say(customer, "1")  # wrong: the bot says which is right
    expect(bot(customer, "✘ 不对哦，正确答案是：11月1日20:00至11月3日")).to_be_visible()
    expect(bot(customer, "第 3/3 题")).to_be_visible()
    say(customer, "1")
    expect(bot(customer, "您答对了 2/3 题。")).to_be_visible()
    expect(bot(customer, "规则都清楚啦")).to_be_visible()

    lead = agents[shop.LEAD]
    [quiz] = [c for c in lead.get("/bot/campaigns")["items"] if c["key"] == "double11-presale-quiz"]
    assert (quiz["completions"], quiz["customers"]) == (1, 1)
    [done] = lead.get(f"/bot/campaigns/{quiz['id']}/completions")["items"]
    [customer_row] = lead.get("/customers", q="吴同学")["items"]
    assert done["customer_id"] == customer_row["id"]
    assert (done["score"], done["max_score"]) == (2, 3)
    assert customer.errors == []  # type: ignore[attr-defined]

    # The knowledge page shows the lead the campaign with its count, and edits it as JSON.
    page = staff_page(pages, server, lead, "/knowledge")
    row = page.locator("#campaign-list li", has_text="双11预售规则")
    expect(row).to_contain_text("完成 1 次 · 1 位顾客")
    row.click()
    editor = page.locator("#campaign-json")
    expect(editor).to_have_value(re.compile('"key": "double11-presale-quiz"'))
    doc = json.loads(editor.input_value())
    doc["title"] = "双11预售规则小测验"
    editor.fill(json.dumps(doc, ensure_ascii=False))
    page.locator("#campaign-form button[type=submit]").click()
    renamed = page.locator("#campaign-list li", has_text="双11预售规则小测验")
    expect(renamed).to_contain_text("v1")  # a new title is not a new version of the quiz
    assert page.errors == []  # type: ignore[attr-defined]
