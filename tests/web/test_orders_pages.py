"""The orders pages of issue 5 without a browser: the workbench's orders panel and the
supervisor's approval queue are on their pages, their modules are served, the customer's order
page escapes what it carries, and every text they use has both translations."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from kefu.web import i18n

MODULES = ("order_view.js", "order_page.js", "orders_panel.js", "approvals.js")


def test_the_workbench_has_the_orders_panel_and_the_supervisor_the_approvals(
    client: TestClient,
) -> None:
    bench = client.get("/workbench").text
    assert 'id="orders-panel"' in bench and 'id="comp-template"' in bench
    assert '<script type="module" src="/static/js/orders_panel.js">' in bench
    # Every case type and fault party of the engine can be chosen, in Chinese.
    for value, label in (
        ("late_shipment", "延迟发货"),
        ("price_drop", "降价"),
        ("carrier", "快递公司"),
    ):
        assert re.search(rf'<option value="{value}">{label}</option>', bench), value
    board = client.get("/supervisor?lang=en").text
    assert 'id="approvals"' in board and "Compensation awaiting approval" in board
    assert '<script type="module" src="/static/js/approvals.js">' in board
    for name in MODULES:
        res = client.get(f"/static/js/{name}")
        assert res.status_code == 200 and "javascript" in res.headers["content-type"], name
    assert client.get("/static/css/orders.css").status_code == 200


def test_the_order_page_escapes_the_link_and_refuses_malformed_ones(client: TestClient) -> None:
    page = client.get("/o/e2eshop/abc.def-ghi_jkl")
    assert page.status_code == 200
    assert 'data-workspace="e2eshop" data-link="abc.def-ghi_jkl"' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))", page.text)
    for bad in ("/o/e2eshop/abc%22onload%3D", "/o/bad%20key/abc.def", f"/o/x/{'a' * 1001}"):
        assert client.get(bad).status_code in (404, 422), bad


def test_the_orders_texts_have_both_translations() -> None:
    web = i18n.LOCALE_DIR.parent
    used: set[str] = set()
    for name in MODULES:
        used |= set(re.findall(r'\bt\("((?:[^"\\]|\\.)+)"', (web / "static/js" / name).read_text()))
    for tpl in ("order_page.html", "partials/orders_panel.html", "partials/approvals.html"):
        used |= set(re.findall(r'_\("((?:[^"\\]|\\.)+)"\)', (web / "templates" / tpl).read_text()))
    assert {"Urge shipping", "In customs since {time}", "Grant"} <= used
    zh, en = i18n.catalog("zh_CN"), i18n.catalog("en")
    assert sorted(m for m in used if zh.get(m, m) == m) == []
    assert used <= set(en)
    assert zh["In customs since {time}"] == "自 {time} 起清关中"
