"""The web pages: language choice, catalogs, the no-inline-script policy, the customer card."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from kefu.auth.models import Role
from kefu.orders.aftersales_models import ScanCode
from kefu.runtime import Runtime
from kefu.web import i18n
from kefu.web.routes import NODE_MODULES, VENDOR
from kefu.web.widget_pages import WIDGET_MSGIDS
from tests.factories import World, make_customer

WEB = Path(i18n.__file__).parent


def _request(query: str = "", cookie: str = "", accept: str = "") -> Request:
    headers = []
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if accept:
        headers.append((b"accept-language", accept.encode()))
    return Request({"type": "http", "query_string": query.encode(), "headers": headers})


def test_language_comes_from_the_query_then_the_cookie_then_the_browser() -> None:
    assert i18n.negotiate(_request()) == "zh_CN"
    assert i18n.negotiate(_request(accept="en-US,en;q=0.9")) == "en"
    assert i18n.negotiate(_request(accept="fr-FR, en;q=0.5")) == "en"
    assert i18n.negotiate(_request(cookie="kefu_lang=en", accept="zh-CN")) == "en"
    assert i18n.negotiate(_request(query="lang=zh-CN", cookie="kefu_lang=en")) == "zh_CN"
    assert i18n.negotiate(_request(query="lang=xx", accept="en")) == "en"


def _msgids() -> set[str]:
    found: set[str] = set(WIDGET_MSGIDS)
    for path in (WEB / "templates").rglob("*.html"):
        text = path.read_text()
        found |= set(re.findall(r'_\("((?:[^"\\]|\\.)+)"\)', text))
        found |= set(re.findall(r"_\('((?:[^'\\]|\\.)+)'\)", text))
    for path in (WEB / "static").rglob("*.js"):
        found |= set(re.findall(r'\bt\("((?:[^"\\]|\\.)+)"', path.read_text()))
    return found


def test_every_text_of_the_pages_has_its_chinese_translation() -> None:
    used = _msgids()
    assert len(used) > 100  # the scan found the texts (a broken pattern would find none)
    zh = i18n.catalog("zh_CN")
    untranslated = sorted(m for m in used if m not in zh or zh[m] == m)
    assert untranslated == []
    # The English catalog knows the same ids (its texts are the ids themselves).
    assert used <= set(i18n.catalog("en"))


def test_every_event_type_the_timeline_can_show_has_a_label_in_both_languages() -> None:
    # The customer timeline labels each event by its type (t(ev.type)); one without a label
    # would show as "customer.unreachable" to the agent.
    kinds: set[str] = set()
    for path in WEB.parent.rglob("*.py"):
        kinds |= set(re.findall(r'\btype="([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert len(kinds) > 40  # the scan found them
    kinds |= {f"logistics.{code.value}" for code in ScanCode}  # orders/ingest.py builds these
    zh, en = i18n.catalog("zh_CN"), i18n.catalog("en")
    assert sorted(k for k in kinds if zh.get(k, k) == k) == []
    assert sorted(k for k in kinds if en.get(k, k) == k) == []


def test_pages_render_in_the_chosen_language_with_a_strict_script_policy(
    client: TestClient,
) -> None:
    for path in ("/login", "/", "/workbench", "/supervisor", "/demo/shop"):
        zh = client.get(path)
        assert zh.status_code == 200, path
        assert '<html lang="zh-CN">' in zh.text
        csp = zh.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("style-src")[0]
        assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))", zh.text), path
    # The knowledge base is one click away from every staff page, and from the start page.
    for path in ("/", "/workbench", "/supervisor"):
        assert 'href="/knowledge"' in client.get(path).text, path
    en = client.get("/workbench?lang=en")
    assert (
        '<html lang="en">' in en.text and ">Workbench<" in en.text and ">Knowledge base<" in en.text
    )
    assert en.cookies.get("kefu_lang") == "en"
    client.cookies.clear()
    assert "工作台" in client.get("/workbench", headers={"Accept-Language": "zh-CN"}).text


def test_the_demo_shop_embeds_the_widget_with_one_tag(client: TestClient) -> None:
    page = client.get("/demo/shop?workspace=acme&token=abc.def").text
    tags = re.findall(r"<script [^>]*widget\.js[^>]*>", page)
    assert len(tags) == 1
    assert 'data-workspace="acme"' in tags[0] and 'data-token="abc.def"' in tags[0]
    assert client.get("/demo/shop?token=<x>").status_code == 422
    assert client.get("/static/widget.js").status_code == 200


def test_the_widget_gets_its_texts_in_its_language(client: TestClient) -> None:
    zh = client.get("/widget/strings.json").json()
    assert zh["lang"] == "zh-CN" and zh["strings"]["Send"] == "发送"
    en = client.get("/widget/strings.json?lang=en-GB")
    assert en.json()["strings"]["Send"] == "Send"
    assert en.headers["access-control-allow-origin"] == "*"  # the shop's page fetches it


def test_front_end_libraries_come_from_node_modules(client: TestClient) -> None:
    if not (NODE_MODULES / VENDOR["htmx.min.js"]).is_file():
        pytest.fail("node_modules is missing htmx: run `make install` (npm ci)")
    res = client.get("/static/vendor/htmx.min.js")
    assert res.status_code == 200 and "htmx" in res.text[:2000]
    missing = client.get("/static/vendor/nothing.js")
    assert missing.status_code == 404 and "make install" in missing.text


def test_the_customer_card_masks_contact_data_and_escapes_text(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    with runtime.sessions() as s:
        customer = make_customer(s, world, name="<img src=x onerror=alert(1)>", phone="13812345678")
        s.commit()
    url = f"/workbench/partials/customer/{customer.id}"
    assert client.get(url).status_code == 401
    card = client.get(url, headers=world.headers(Role.agent))
    assert card.status_code == 200
    assert "138****5678" in card.text and "13812345678" not in card.text
    assert "<img" not in card.text and "&lt;img src=x onerror=alert(1)&gt;" in card.text
    assert (
        client.get(f"/workbench/partials/customer/{2**40}", headers=world.headers()).status_code
        == 404
    )


def test_a_forged_host_header_cannot_write_the_script_policy(client: TestClient) -> None:
    csp = client.get("/workbench", headers={"Host": "x; script-src *"}).headers[
        "content-security-policy"
    ]
    assert "script-src *" not in csp and "ws://localhost" in csp
