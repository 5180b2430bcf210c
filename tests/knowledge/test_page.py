"""The management page: served in both languages, its script from the same origin only."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_page_in_chinese_and_english(client: TestClient) -> None:
    zh = client.get("/knowledge")
    assert zh.status_code == 200 and "知识库" in zh.text and 'lang="zh-CN"' in zh.text
    assert "script-src 'self'" in zh.headers["content-security-policy"]
    en = client.get("/knowledge", params={"lang": "en"})
    assert "Knowledge base" in en.text and 'lang="en"' in en.text
    script = client.get("/knowledge/static/knowledge.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "innerHTML" not in script.text.replace("never innerHTML", "")
    assert "/knowledge" not in client.get("/openapi.json").json()["paths"]


def test_the_page_has_the_campaign_quiz_section(client: TestClient) -> None:
    zh = client.get("/knowledge")
    assert "活动问答（机器人主动教学）" in zh.text and "/knowledge/static/campaigns.js" in zh.text
    assert "Campaign quizzes" in client.get("/knowledge", params={"lang": "en"}).text
    script = client.get("/knowledge/static/campaigns.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "/api/v1/bot/campaigns" in script.text and "innerHTML" not in script.text
