"""Entries through the API: create (idempotent), read, edit with versions and diffs, publish,
soft delete, sanitised rich text, permissions, bad input."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kefu import clock
from kefu.auth.models import Role
from tests.factories import World

URL = "/api/v1/knowledge/entries"
PRESALE: dict[str, Any] = {
    "question": "双11预售尾款什么时候付？",
    "paraphrases": ["尾款几号付", "定金付了尾款啥时候交"],
    "answer": "<p>尾款在 <b>11月1日20:00</b> 至11月3日支付。</p>",
    "answer_chat": "11月1日晚8点开始付尾款",
    "tags": ["双11", "预售"],
    "campaign": "double11-2026",
    "valid_from": "2026-10-24T12:00:00+08:00",
    "valid_until": "2026-11-12T00:00:00+08:00",
}


def create(client: TestClient, world: World, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = client.post(URL, json=body or PRESALE, headers=world.headers(Role.team_lead))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_create_read_list_and_idempotent_retry(client: TestClient, world: World) -> None:
    headers = {**world.headers(Role.team_lead), "Idempotency-Key": "kb-1"}
    first = client.post(URL, json=PRESALE, headers=headers)
    again = client.post(URL, json=PRESALE, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    entry = first.json()
    assert entry["status"] == "draft" and entry["version"] == 1
    assert entry["tags"] == ["双11", "预售"] and entry["valid_until"].startswith("2026-11-11T16:00")
    got = client.get(f"{URL}/{entry['id']}", headers=world.headers(Role.agent))
    assert got.status_code == 200 and got.json() == entry
    listed = client.get(URL, params={"tag": "双11"}, headers=world.headers(Role.analyst)).json()
    assert [e["id"] for e in listed["items"]] == [entry["id"]]
    assert (
        client.get(URL, params={"status": "published"}, headers=world.headers()).json()["items"]
        == []
    )


def test_answers_are_sanitised(client: TestClient, world: World) -> None:
    body = {
        **PRESALE,
        "answer": '<p onclick="steal()">尾款<script>alert(1)</script>'
        '<a href="javascript:alert(1)" onmouseover="x()">规则</a>'
        '<img src="/x.png" onerror="x()"></p>',
        "answer_email": "<style>body{}</style><iframe src=//evil></iframe>邮件版",
    }
    entry = create(client, world, body)
    for field in ("answer", "answer_email"):
        html = entry[field].lower()
        assert "<script" not in html and "onclick" not in html and "onerror" not in html
        assert "javascript:" not in html and "<iframe" not in html and "<style" not in html
    assert "尾款" in entry["answer"] and "规则" in entry["answer"] and "<img" in entry["answer"]
    only_script = {**PRESALE, "question": "别的问题", "answer": "<script>alert(1)</script>"}
    r = client.post(URL, json=only_script, headers=world.headers(Role.team_lead))
    assert r.status_code == 422 and r.json()["code"] == "knowledge.empty_answer"


def test_an_entry_says_where_the_clock_stands_in_its_window(
    client: TestClient, world: World
) -> None:
    entry = create(client, world)
    always = create(
        client,
        world,
        {**PRESALE, "question": "发什么快递？", "valid_from": None, "valid_until": None},
    )
    url = f"{URL}/{entry['id']}"
    for moment, expected in (
        ("2026-10-24T03:59:59+00:00", "upcoming"),
        ("2026-10-24T04:00:00+00:00", "running"),
        ("2026-11-11T15:59:59+00:00", "running"),
        ("2026-11-11T16:00:00+00:00", "ended"),  # valid_until is the first moment it is not
    ):
        with clock.frozen(datetime.fromisoformat(moment)):
            assert client.get(url, headers=world.headers()).json()["validity"] == expected, moment
            listed = client.get(URL, headers=world.headers()).json()["items"]
            assert {e["id"]: e["validity"] for e in listed}[always["id"]] == "always"


def test_edits_make_versions_with_author_and_diff(client: TestClient, world: World) -> None:
    entry = create(client, world)
    url = f"{URL}/{entry['id']}"
    lead = world.headers(Role.team_lead)
    r = client.patch(
        url,
        json={"answer": "<p>尾款在11月1日21:00开始支付。</p>", "note": "时间调整"},
        headers=lead,
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    # The same content again is no new version.
    same = client.patch(url, json={"answer": "<p>尾款在11月1日21:00开始支付。</p>"}, headers=lead)
    assert same.json()["version"] == 2
    client.patch(
        url, json={"tags": ["双11"], "valid_until": None}, headers=world.headers(Role.admin)
    )
    versions = client.get(f"{url}/versions", headers=world.headers()).json()["items"]
    assert [v["number"] for v in versions] == [3, 2, 1]
    assert versions[1]["note"] == "时间调整"
    assert versions[1]["author_staff_id"] == world.staff[Role.team_lead].id
    assert versions[0]["author_staff_id"] == world.staff[Role.admin].id
    assert versions[2]["content"]["answer"] == entry["answer"]
    d = client.get(f"{url}/diff", params={"from": 1, "to": 2}, headers=world.headers()).json()
    assert d["changed_fields"] == ["answer"]
    assert "-<p>尾款在 <b>11月1日20:00</b>" in d["diff"] and "+<p>尾款在11月1日21:00" in d["diff"]
    d = client.get(f"{url}/diff", params={"from": 2, "to": 3}, headers=world.headers()).json()
    assert d["changed_fields"] == ["tags", "valid_until"]
    one = client.get(f"{url}/versions/1", headers=world.headers())
    assert one.status_code == 200 and one.json()["content"]["question"] == PRESALE["question"]
    missing = client.get(f"{url}/diff", params={"from": 1, "to": 9}, headers=world.headers())
    assert missing.status_code == 404


def test_publish_unpublish_and_soft_delete(client: TestClient, world: World) -> None:
    entry = create(client, world)
    url = f"{URL}/{entry['id']}"
    lead = world.headers(Role.team_lead)
    assert client.post(f"{url}/publish", headers=lead).json()["status"] == "published"
    assert client.post(f"{url}/unpublish", headers=lead).json()["status"] == "draft"
    gone = client.delete(url, headers=lead)
    assert gone.status_code == 200 and gone.json()["deleted_at"]
    assert client.get(url, headers=lead).status_code == 404
    assert client.get(URL, headers=lead).json()["items"] == []
    assert client.get(f"{url}/versions", headers=lead).status_code == 404


def test_agents_read_but_do_not_write(client: TestClient, world: World) -> None:
    entry = create(client, world)
    agent = world.headers(Role.agent)
    assert client.post(URL, json=PRESALE, headers=agent).status_code == 403
    assert client.patch(f"{URL}/{entry['id']}", json={"tags": []}, headers=agent).status_code == 403
    assert client.post(f"{URL}/{entry['id']}/publish", headers=agent).status_code == 403
    assert client.delete(f"{URL}/{entry['id']}", headers=agent).status_code == 403
    assert client.get(f"{URL}/{entry['id']}", headers=agent).status_code == 200


def test_bad_input_is_a_clear_422(client: TestClient, world: World) -> None:
    lead = world.headers(Role.team_lead, lang="en")
    bad = [
        {**PRESALE, "question": ""},
        {**PRESALE, "answer": ""},
        {
            **PRESALE,
            "valid_from": "2026-11-12T00:00:00+08:00",
            "valid_until": "2026-11-11T00:00:00+08:00",
        },
        {**PRESALE, "valid_from": "2026-11-12T00:00:00"},  # no time zone
        {**PRESALE, "tags": ["a,b"]},
        {**PRESALE, "question": "x" * 301},
    ]
    for body in bad:
        r = client.post(URL, json=body, headers=lead)
        assert r.status_code == 422, (body, r.text)
    entry = create(client, world)
    r = client.patch(
        f"{URL}/{entry['id']}", json={"valid_from": "2026-12-01T00:00:00+08:00"}, headers=lead
    )
    assert r.status_code == 422 and "valid_until" in r.json()["detail"]


EDGES = {"valid_from": "0001-01-01T00:00:00+01:00", "valid_until": "9999-12-31T23:30:00-01:00"}


@pytest.mark.parametrize(("field", "value"), EDGES.items())
def test_a_date_beyond_the_calendar_in_utc_is_a_clear_422(
    client: TestClient, world: World, field: str, value: str
) -> None:
    # Valid dates as written; only their UTC time falls outside years 1 to 9999.
    body = {**PRESALE, "valid_from": None, "valid_until": None, field: value}
    en = client.post(URL, json=body, headers=world.headers(Role.team_lead, lang="en"))
    assert en.status_code == 422 and en.json()["code"] == "knowledge.invalid"
    assert field in en.json()["detail"] and "date range" in en.json()["detail"]
    zh = client.post(URL, json=body, headers=world.headers(Role.team_lead))
    assert zh.status_code == 422 and "日期范围" in zh.json()["detail"]
    entry = create(client, world, {**PRESALE, "valid_from": None, "valid_until": None})
    r = client.patch(
        f"{URL}/{entry['id']}", json={field: value}, headers=world.headers(Role.team_lead)
    )
    assert r.status_code == 422 and "日期范围" in r.json()["detail"]
    assert client.get(f"{URL}/{entry['id']}", headers=world.headers()).json() == entry


def test_the_calendars_edge_itself_is_a_date_like_any_other(
    client: TestClient, world: World
) -> None:
    body = {
        **PRESALE,
        "valid_from": "0001-01-01T00:00:00+00:00",
        "valid_until": "9999-12-31T23:00:00+00:00",
    }
    entry = create(client, world, body)
    assert entry["valid_from"].startswith("0001-01-01") and entry["valid_until"][:4] == "9999"


def test_tags_are_trimmed_and_blank_ones_dropped(client: TestClient, world: World) -> None:
    entry = create(client, world, {**PRESALE, "tags": [" vip ", " ", "vip", "双11 "]})
    assert entry["tags"] == ["vip", "双11"]
    lead = world.headers(Role.team_lead)
    patched = client.patch(f"{URL}/{entry['id']}", json={"tags": ["  预售"]}, headers=lead)
    assert patched.json()["tags"] == ["预售"]
    listed = client.get(URL, params={"tag": " 预售 "}, headers=lead).json()["items"]
    assert [e["id"] for e in listed] == [entry["id"]]


def test_a_second_live_entry_with_the_same_question_is_refused(
    client: TestClient, world: World, other_world: World
) -> None:
    first = create(client, world)
    en = world.headers(Role.team_lead, lang="en")
    # The question as stored: surrounding spaces do not make it another one.
    again = {**PRESALE, "question": f"  {PRESALE['question']} ", "answer": "别的答案"}
    r = client.post(URL, json=again, headers=en)
    assert r.status_code == 409 and r.json()["code"] == "knowledge.duplicate_question"
    assert f"#{first['id']}" in r.json()["detail"] and "same question" in r.json()["detail"]
    zh = client.post(URL, json=again, headers=world.headers(Role.team_lead))
    assert zh.status_code == 409 and "问题相同" in zh.json()["detail"]
    other = create(client, world, {**PRESALE, "question": "别的问题"})
    moved = client.patch(f"{URL}/{other['id']}", json={"question": PRESALE["question"]}, headers=en)
    assert moved.status_code == 409 and moved.json()["code"] == "knowledge.duplicate_question"
    assert client.get(f"{URL}/{other['id']}", headers=en).json()["question"] == "别的问题"
    # Its own question is no duplicate of itself; another workspace may ask the same.
    same = client.patch(f"{URL}/{first['id']}", json={**again, "note": "改答案"}, headers=en)
    assert same.status_code == 200 and same.json()["version"] == 2
    assert client.post(URL, json=PRESALE, headers=other_world.headers(Role.team_lead)).is_success
    # Once the first is deleted, the question is free again.
    assert client.delete(f"{URL}/{first['id']}", headers=en).status_code == 200
    assert create(client, world, again)["question"] == PRESALE["question"]
