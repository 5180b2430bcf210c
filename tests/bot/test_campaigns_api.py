"""Campaign quizzes through the API: create (idempotent), edit (versions), list with completion
counts, stats and completions per campaign, permissions, bad input as a clear 4xx."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kefu import clock
from kefu.auth.models import Role
from tests.bot.campaign_helpers import DURING, body
from tests.bot.dialogue_helpers import Chat, switch_bot_on
from tests.factories import World

URL = "/api/v1/bot/campaigns"


@pytest.fixture(autouse=True)
def now():
    with clock.frozen(DURING) as c:
        yield c


def create(client: TestClient, world: World, **changes) -> dict:
    r = client.post(URL, json=body(**changes), headers=world.headers(Role.team_lead))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_create_read_and_idempotent_retry(client: TestClient, world: World) -> None:
    headers = {**world.headers(Role.team_lead), "Idempotency-Key": "c-1"}
    first = client.post(URL, json=body(), headers=headers)
    again = client.post(URL, json=body(), headers=headers)
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    made = first.json()
    assert made["version"] == 1 and made["published"] is True
    assert (made["completions"], made["customers"]) == (0, 0)
    assert made["valid_until"].startswith("2026-11-11T16:00")
    assert len(made["content"]["steps"]) == 3
    got = client.get(f"{URL}/{made['id']}", headers=world.headers(Role.team_lead))
    assert got.status_code == 200 and got.json() == made
    taken = client.post(URL, json=body(), headers=world.headers(Role.team_lead))
    assert taken.status_code == 409 and "double11-2026" in taken.json()["detail"]


def test_content_edits_are_versions_and_other_edits_are_not(
    client: TestClient, world: World
) -> None:
    made = create(client, world)
    url, headers = f"{URL}/{made['id']}", world.headers(Role.team_lead)
    renamed = client.patch(url, json={"title": "双11规则小测验"}, headers=headers).json()
    assert renamed["title"] == "双11规则小测验" and renamed["version"] == 1
    content = body()["content"]
    content["done"] = "答完啦！"
    edited = client.patch(url, json={"content": content}, headers=headers).json()
    assert edited["version"] == 2 and edited["content"]["done"] == "答完啦！"
    same = client.patch(url, json={"content": content}, headers=headers).json()
    assert same["version"] == 2  # nothing changed, no new version
    hidden = client.patch(url, json={"published": False}, headers=headers).json()
    assert hidden["published"] is False and hidden["version"] == 2


def test_completions_are_counted_per_campaign(client: TestClient, runtime, world: World) -> None:
    switch_bot_on(runtime, world)
    quiz = create(client, world)
    other = create(client, world, key="618-2027", keywords=["618"], title="618 规则")
    for member, picks in (("M1", ["1", "2", "1"]), ("M2", ["2", "2", "1"]), ("M1", ["1"] * 3)):
        chat = Chat(runtime, world, member=member)
        chat.send("双11规则")
        for pick in picks:
            chat.send(pick)
    headers = world.headers(Role.team_lead)
    listed = {c["key"]: c for c in client.get(URL, headers=headers).json()["items"]}
    assert (listed["double11-2026"]["completions"], listed["double11-2026"]["customers"]) == (3, 2)
    assert listed["618-2027"]["completions"] == 0
    stats = client.get(f"{URL}/{quiz['id']}/stats", headers=headers).json()
    assert stats["completions"] == 3 and stats["customers"] == 2 and stats["perfect"] == 1
    assert stats["average_score"] == pytest.approx((3 + 2 + 2) / 9, abs=0.001)
    assert stats["by_version"] == [{"version": 1, "completions": 3}]
    page = client.get(f"{URL}/{quiz['id']}/completions", params={"limit": 2}, headers=headers)
    items = page.json()["items"]
    assert len(items) == 2 and page.json()["next_cursor"]
    assert items[0]["score"] == 2 and items[0]["max_score"] == 3
    assert [a["option"] for a in items[0]["answers"]] == [0, 0, 0]
    assert client.get(f"{URL}/{other['id']}/completions", headers=headers).json()["items"] == []


def test_agents_may_not_manage_campaigns(client: TestClient, world: World) -> None:
    made = create(client, world)
    agent = world.headers(Role.agent)
    assert client.get(URL, headers=agent).status_code == 403
    assert client.post(URL, json=body(key="x1"), headers=agent).status_code == 403
    assert (
        client.patch(f"{URL}/{made['id']}", json={"title": "x"}, headers=agent).status_code == 403
    )
    assert client.get(f"{URL}/{made['id']}/stats", headers=agent).status_code == 403


def test_another_workspace_sees_nothing(client: TestClient, world: World, other_world) -> None:
    made = create(client, world)
    rival = other_world.headers(Role.team_lead)
    assert client.get(f"{URL}/{made['id']}", headers=rival).status_code == 404
    assert client.get(f"{URL}/{made['id']}/stats", headers=rival).status_code == 404
    assert client.get(URL, headers=rival).json()["items"] == []
    # The same key is free in another workspace.
    assert client.post(URL, json=body(), headers=rival).status_code == 201


def _one_option(doc: dict) -> dict:
    doc["content"]["steps"][0]["options"] = doc["content"]["steps"][0]["options"][:1]
    return doc


def _six_options(doc: dict) -> dict:
    doc["content"]["steps"][0]["options"] = [{"text": f"选项{i}"} for i in range(6)]
    return doc


@pytest.mark.parametrize(
    "bad",
    [
        body(key="Bad Key!"),
        body(keywords=[]),
        body(keywords=["  "]),
        body(title=""),
        _one_option(body()),
        _six_options(body()),
        body(content={"intro": "x", "steps": [], "done": "y"}),
        body(valid_from="2026-11-12T00:00:00+08:00", valid_until="2026-10-20T00:00:00+08:00"),
        body(valid_from="2026-10-20T00:00:00"),  # no time zone
        body(title="双11\x00"),
    ],
)
def test_bad_input_is_a_clear_422(client: TestClient, world: World, bad: dict) -> None:
    r = client.post(URL, json=bad, headers=world.headers(Role.team_lead, lang="en"))
    assert r.status_code == 422, r.text


def test_a_window_made_invalid_by_one_side_is_refused(client: TestClient, world: World) -> None:
    made = create(client, world)
    for lang, word in (("zh-CN", "失效时间必须晚于生效时间"), ("en", "valid_until must be after")):
        r = client.patch(
            f"{URL}/{made['id']}",
            json={"valid_until": "2026-10-01T00:00:00+08:00"},
            headers=world.headers(Role.team_lead, lang=lang),
        )
        assert r.status_code == 422 and word in r.json()["detail"], r.text


def test_missing_campaign_is_404(client: TestClient, world: World) -> None:
    r = client.get(f"{URL}/999999", headers=world.headers(Role.team_lead))
    assert r.status_code == 404 and "活动不存在" in r.json()["detail"]
