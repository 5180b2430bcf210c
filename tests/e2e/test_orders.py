"""Orders in a real browser (issue 5): the shopper opens her order page from the widget, sees the
parcel held in customs and gets the price difference back by herself; the agent sees the same
beside the chat and compensates within policy; above the agent's authority the voucher waits for
the supervisor, who approves it — and the shopper reads each outcome in her conversation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Pages, Server
from tests.e2e.seed_orders import CUSTOMS_ORDER, MEMBER, NAME, UNSHIPPED_ORDER
from tests.e2e.test_chat import WIDGET, customer_says, open_widget

pytestmark = pytest.mark.slow


def open_order_page(customer: Page, number: str = CUSTOMS_ORDER) -> Page:
    """我的订单 in the widget, then the order: its page opens in a new tab."""
    customer.locator(f"{WIDGET} .orders-btn").click()
    order = customer.locator(f"{WIDGET} .orders button.order[data-order='{number}']")
    expect(order).to_be_visible()
    expect(customer.locator(f"{WIDGET} .orders button.order")).to_have_count(2)
    with customer.context.expect_page() as opened:
        order.click()
    page = opened.value
    expect(page.locator("#order[data-ready='1']")).to_be_attached()
    customer.locator(f"{WIDGET} .orders-btn").click()  # back to the chat
    expect(customer.locator(f"{WIDGET} .log")).to_be_visible()
    return page


def grant(agent: Page, order: str, case: str, fault: str, amount: str) -> None:
    box = agent.locator(f"#orders-panel details.order[data-order='{order}']")
    form = box.locator("form.comp")
    form.locator("select[name=case_type]").select_option(case)
    form.locator("select[name=fault]").select_option(fault)
    form.locator("button[name=offer]").click()
    voucher = form.locator(".remedy[data-remedy=voucher]")
    expect(voucher).to_be_visible()
    voucher.locator("input").fill(amount)
    voucher.locator("button[data-grant=voucher]").click()


def test_self_service_price_protection_then_compensation_with_approval(
    pages: Pages, server: Server
) -> None:
    customer = open_widget(pages, server, member=MEMBER, name=NAME)
    customer_says(customer, "我的精华液降价了，还在海关卡着")

    # --- the shopper, on her own: the customs timeline and 价保 ---------------------------------
    page = open_order_page(customer)
    assert "/o/" in page.url  # a signed link, not her widget token
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".summary h2")).to_contain_text(CUSTOMS_ORDER)
    expect(page.locator(".shipment .customs")).to_contain_text("起清关中")
    expect(page.locator(".shipment .scans li")).to_have_count(3)
    expect(page.locator(".shipment .scans li").first).to_contain_text("上海浦东海关")
    # The policy says no to what it must refuse, and says why: a shipped order cannot be cancelled.
    expect(page.locator("[data-action=cancel]")).to_be_disabled()
    expect(page.locator(".refused-wrap", has=page.locator("[data-action=cancel]"))).to_contain_text(
        "发货"
    )
    page.locator("[data-action=price-protection]").click()
    expect(page.locator("#op-notice")).to_contain_text("价保成功")
    refund = page.locator(".refunds .refund[data-kind=price_protection]")
    expect(refund).to_contain_text("¥200.00")
    # Once per line: the button now explains that it was given already.
    expect(page.locator("[data-action=price-protection]")).to_be_disabled()

    # --- the agent, beside the chat: the same order, then a voucher within policy ---------------
    agent = pages.staff(server.shop.agent_email, "/workbench")
    expect(agent.locator("body[data-ready='1']")).to_be_attached()
    agent.locator("[data-tab=queue]").click()
    agent.locator(".conv", has_text=NAME).click()
    agent.locator("#btn-take").click()
    expect(agent.locator("#conv-meta")).to_contain_text("负责人：我")
    # The newest order opens by itself; the customs one is a click away.
    second = agent.locator(f"#orders-panel details.order[data-order='{UNSHIPPED_ORDER}']")
    expect(second).to_have_attribute("open", "")
    first = agent.locator(f"#orders-panel details.order[data-order='{CUSTOMS_ORDER}']")
    first.locator("summary").click()
    expect(first.locator(".shipment .customs")).to_contain_text("起清关中")
    expect(first.locator(".refunds .refund[data-kind=price_protection]")).to_contain_text("¥200.00")
    # Personal data the agent does not need stays masked.
    expect(first.locator(".summary")).to_contain_text("138****1234")
    expect(agent.locator("#orders-panel")).not_to_contain_text("13812341234")

    grant(agent, CUSTOMS_ORDER, "late_shipment", "warehouse", "50")
    expect(first.locator(".remedy[data-remedy=voucher] .result")).to_have_attribute(
        "data-status", "granted"
    )
    expect(first.locator(".remedy[data-remedy=voucher] .result")).to_contain_text("¥50.00")
    # The shopper reads it at once in her chat.
    expect(customer.locator(f"{WIDGET} .msg.outbound", has_text="¥50.00 优惠券")).to_be_visible()

    # --- above the agent's authority (¥200): it waits for the supervisor ------------------------
    expect(second.locator("form.comp")).to_be_visible()
    grant(agent, UNSHIPPED_ORDER, "late_shipment", "warehouse", "250")
    waiting = second.locator(".remedy[data-remedy=voucher] .result")
    expect(waiting).to_have_attribute("data-status", "pending_approval")
    expect(waiting).to_contain_text("等待主管审批")
    expect(customer.locator(f"{WIDGET} .msg.outbound", has_text="主管将在")).to_be_visible()

    lead = pages.staff(server.shop.supervisor_email, "/supervisor")
    row = lead.locator("#approvals tbody tr", has_text="¥250.00")
    expect(row).to_be_visible()
    expect(row).to_contain_text("王客服")  # who asked
    expect(row).to_contain_text(re.compile(r"v\d+"))  # under which policy version
    row.locator("button.primary").click()
    expect(lead.locator("#approvals tbody tr", has_text="¥250.00")).to_have_count(0)
    expect(customer.locator(f"{WIDGET} .msg.outbound", has_text="¥250.00 优惠券")).to_be_visible()

    # --- the shopper urges her unshipped order; the agent's panel hears of it at once ------------
    kettle = open_order_page(customer, UNSHIPPED_ORDER)
    kettle.locator("[data-action=urge]").click()
    expect(kettle.locator(".promises .promise")).to_be_visible()
    # The agent still has the offer on that order open: the panel says it changed rather than
    # wiping it, and redraws when asked, with the same orders open.
    changed = agent.locator("#orders-panel .orders-changed")
    expect(changed).to_be_visible()
    expect(second.locator(".promises .promise")).to_have_count(0)
    changed.click()
    expect(second.locator(".promises .promise")).to_be_visible()
    expect(first).to_have_attribute("open", "")
    # With nothing in hand, the next change is drawn by itself: her refund request (above the
    # automatic limit, so a case under review).
    kettle.locator("[data-action=refund]").click()
    kettle.locator("form[data-form=refund] input[name=reason]").fill("不想等了")
    kettle.locator("form[data-form=refund] button[type=submit]").click()
    expect(kettle.locator(".cases .case")).to_be_visible()
    expect(second.locator(".cases .case")).to_be_visible()
    expect(changed).to_have_count(0)

    for p in (customer, agent, lead):  # no script error on any page of ours
        assert p.errors == [], p.errors  # type: ignore[attr-defined]


def test_the_order_page_in_english_explains_a_bad_link(pages: Pages, server: Server) -> None:
    page = pages.new()
    page.goto(f"{server.base}/o/{server.shop.workspace}/not.a-valid-link?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#order .error")).to_contain_text("invalid or has expired")
