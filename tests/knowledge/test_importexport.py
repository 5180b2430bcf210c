"""Import and export: CSV, JSON and Markdown round trips; a bad file is a 422 naming the row or
line, and nothing of it is imported."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kefu.auth.models import Role
from kefu.knowledge import formats
from tests.factories import World

ENTRIES: list[dict[str, Any]] = [
    {
        "question": "双11预售尾款什么时候付？",
        "paraphrases": ["尾款几号付", "定金付了尾款啥时候交"],
        "answer": "<p>尾款在11月1日20:00至11月3日支付。</p>\n<p>逾期定金不退。</p>",
        "answer_chat": "11月1日晚8点开始付尾款",
        "answer_email": "# 不是标题\n\\ 反斜杠开头的一行\n尾款规则详见活动页。",
        "tags": ["双11", "预售"],
        "campaign": "double11-2026",
        "valid_from": "2026-10-24T04:00:00Z",
        "valid_until": "2026-11-11T16:00:00Z",
        "status": "published",
    },
    {
        "kind": "article",
        "question": "How long does a refund take?",
        "answer": 'Refunds reach you in 3-5 business days, "quoted", with commas.',
        "tags": ["refund"],
    },
    {"question": "下单后多久发货？", "answer": "现货商品48小时内发货。", "status": "draft"},
]
FIELDS: tuple[str, ...] = (
    "kind",
    "question",
    "paraphrases",
    "answer",
    "answer_chat",
    "answer_email",
    "tags",
)
FIELDS += ("campaign", "valid_from", "valid_until", "status")


def import_(client: TestClient, world: World, fmt: str, content: str) -> Any:
    return client.post(
        "/api/v1/knowledge/import",
        json={"format": fmt, "content": content},
        headers=world.headers(Role.team_lead, lang="en"),
    )


def export(client: TestClient, world: World, fmt: str) -> str:
    r = client.get(
        "/api/v1/knowledge/export", params={"format": fmt}, headers=world.headers(Role.agent)
    )
    assert r.status_code == 200, r.text
    return r.text


def live(client: TestClient, world: World) -> list[dict[str, Any]]:
    items = client.get("/api/v1/knowledge/entries", headers=world.headers()).json()["items"]
    return sorted(({f: e[f] for f in FIELDS} for e in items), key=lambda e: e["question"])


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown"])
def test_round_trip(client: TestClient, world: World, other_world: World, fmt: str) -> None:
    r = import_(client, world, "json", json.dumps(ENTRIES, ensure_ascii=False))
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 3
    original = live(client, world)
    assert original[1]["status"] == "draft" and original[2]["valid_until"].startswith("2026-11-11")
    text = export(client, world, fmt)
    # Into another workspace: the same entries come out.
    done = import_(client, other_world, fmt, text)
    assert done.status_code == 200, done.text
    assert done.json()["created"] == 3
    assert live(client, other_world) == original
    # Back into the first: everything matches, nothing changes (no new versions).
    again = import_(client, world, fmt, text).json()
    assert again["created"] == again["updated"] == 0 and again["unchanged"] == 3
    assert export(client, world, fmt) == text


def test_import_updates_matching_questions(client: TestClient, world: World) -> None:
    import_(client, world, "json", json.dumps(ENTRIES, ensure_ascii=False))
    csv_text = "question,answer\n下单后多久发货？,大促期间72小时内发货。\n新问题,新答案\n"
    done = import_(client, world, "csv", csv_text).json()
    assert (done["created"], done["updated"], done["unchanged"]) == (1, 1, 0)
    entries = {e["question"]: e for e in live(client, world)}
    assert entries["下单后多久发货？"]["answer"] == "大促期间72小时内发货。"
    assert entries["下单后多久发货？"]["status"] == "draft"  # a file without status keeps it
    assert entries["新问题"]["status"] == "draft"


BAD = [
    ("csv", "question,answer\n好问题,好答案\n,没有问题\n", "row 3", "question"),
    ("csv", "question,answer,colour\n好问题,好答案,red\n", "row 1", "colour"),
    ("csv", "question\n好问题\n", "row 1", "answer"),
    ("csv", "question,answer\n好问题,好答案\n别的问题,答案,多余\n", "row 3", "more cells"),
    ("csv", "question,answer,status\n好问题,好答案,live\n", "row 2", "status"),
    (
        "csv",
        "question,answer\n好问题,好答案\n好问题,另一个答案\n",
        "row 3",
        "same question as row 2",
    ),
    (
        "json",
        '[{"question": "好问题", "answer": "好答案"}, {"question": "坏"}]',
        "entry 2",
        "answer",
    ),
    ("json", '{"entries": [{"question": "好问题", "answer": "好答案",', "line 1", "malformed"),
    ("json", '[{"question": "好问题", "answer": "<script>x()</script>"}]', "entry 1", "empty"),
    (
        "json",
        '[{"question": "q", "answer": "a", "valid_from": "2026-11-12T00:00:00Z",'
        ' "valid_until": "2026-11-01T00:00:00Z"}]',
        "entry 1",
        "valid_until must be after",
    ),
    ("markdown", "## 好问题\n\n好答案\n\n## 坏问题\n\n- colour: red\n\n答案\n", "line 7", "colour"),
    ("markdown", "## 好问题\n\n好答案\n\n## 坏问题\n\n- tags: a\n", "line 5", "answer"),
    ("markdown", "no headings here\n", "file", "no entry"),
    # Malformed JSON that json.loads refuses with other errors than JSONDecodeError.
    ("json", "[" * 100_000, "file", "nested too deeply"),
    ("json", '[{"question": "q", "answer": ' + "1" * 4301 + "}]", "file", "number is too long"),
    # A date whose UTC time is beyond the calendar (the offset pushes it before year 1).
    (
        "json",
        '[{"question": "q", "answer": "a", "valid_from": "0001-01-01T00:00:00+01:00"}]',
        "entry 1",
        "valid_from is out of the supported date range",
    ),
    # What a browser's file.text() makes of a GBK file: U+FFFD for every character it can't read.
    ("csv", "question,answer\n\ufffd\ufffd\ufffd,\ufffd\ufffd\n", "line 2", "not UTF-8"),
    ("markdown", "## 好问题\n\n- paraphrases: 说法一, 说法二\n\n好答案\n", "line 3", "paraphrases"),
]


@pytest.mark.parametrize(("fmt", "content", "where", "why"), BAD)
def test_a_bad_file_imports_nothing(
    client: TestClient, world: World, fmt: str, content: str, where: str, why: str
) -> None:
    r = import_(client, world, fmt, content)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "knowledge.import_invalid"
    assert r.json()["detail"].startswith(where) and why in r.json()["detail"], r.json()["detail"]
    assert live(client, world) == []


def test_a_bad_file_leaves_existing_entries_as_they_were(client: TestClient, world: World) -> None:
    import_(client, world, "json", json.dumps(ENTRIES, ensure_ascii=False))
    before = live(client, world)
    bad = "question,answer\n下单后多久发货？,改了\n,坏行\n"
    assert import_(client, world, "csv", bad).status_code == 422
    assert live(client, world) == before


def test_agents_may_export_but_not_import(client: TestClient, world: World) -> None:
    r = client.post(
        "/api/v1/knowledge/import",
        json={"format": "csv", "content": "question,answer\nq,a\n"},
        headers=world.headers(Role.agent),
    )
    assert r.status_code == 403


def test_markdown_format_reads_as_documented() -> None:
    text = formats.__doc__ or ""
    sample = "\n".join(
        line[4:]
        for line in text.split("heading is ignored):", 1)[1].split("The field list")[0].splitlines()
    )
    [record] = formats.parse_markdown(sample)
    f = record.fields
    assert f["question"] == "预售尾款什么时候付？" and f["paraphrases"] == [
        "尾款几号付",
        "定金付了尾款啥时候交",
    ]
    assert f["tags"] == ["双11", "预售"] and f["campaign"] == "double11-2026"
    assert f["answer"] == "The answer (HTML allowed), up to the next heading."
    assert f["answer_chat"].startswith("The short answer") and f["answer_email"].startswith(
        "The long"
    )


def test_a_json_file_may_start_with_a_bom(client: TestClient, world: World) -> None:
    r = import_(client, world, "json", "\ufeff" + json.dumps(ENTRIES, ensure_ascii=False))
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 3


ODD: list[dict[str, Any]] = [
    {
        # Unicode line and paragraph separators, NEL: text, not line ends.
        "question": "退货\u2028政策",
        "paraphrases": ["开票\x85发票", "换货\u2029怎么换"],
        # Indented headings inside an answer stay in the answer.
        "answer": "<pre>步骤：\n  ### chat\n然后付尾款</pre>",
        "answer_chat": "11月1日付尾款",
        "answer_email": "<p>您好</p>\n\t### email\n<p>尾款规则\u2028详见活动页</p>",
        "tags": [" vip ", " ", "预售"],
        "campaign": "双11\x85活动",
    },
    {"question": "下单后多久发货？", "answer": "现货商品48小时内发货。", "tags": ["发货"]},
]


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown"])
def test_odd_text_round_trips(
    client: TestClient, world: World, other_world: World, fmt: str
) -> None:
    for body in ODD:
        r = client.post("/api/v1/knowledge/entries", json=body, headers=world.headers(Role.admin))
        assert r.status_code == 201, r.text
    original = live(client, world)
    assert original[1]["tags"] == ["vip", "预售"]  # trimmed, the blank one dropped
    text = export(client, world, fmt)
    done = import_(client, other_world, fmt, text)
    assert done.status_code == 200, done.text
    assert live(client, other_world) == original
    again = import_(client, world, fmt, text).json()
    assert again["created"] == again["updated"] == 0 and again["unchanged"] == 2


def test_markdown_variant_headings_are_whole_lines() -> None:
    [record] = formats.parse_markdown(
        "## 问题\r\n\r\n答案\r\n  ### chat\r\n\\### email\r\n还是答案\r\n"
        "### chat   \r\n\r\n短答案\r\n"
    )
    assert record.fields["answer"] == "答案\n  ### chat\n### email\n还是答案"
    assert record.fields["answer_chat"] == "短答案" and "answer_email" not in record.fields


def test_an_export_always_imports_back(client: TestClient, world: World) -> None:
    # Two entries of one question would be an export that its own import refuses.
    first = {"question": "怎么退货", "answer": "答案一"}
    lead = world.headers(Role.team_lead, lang="en")
    assert client.post("/api/v1/knowledge/entries", json=first, headers=lead).status_code == 201
    second = {"question": "怎么退货 ", "answer": "答案二"}
    r = client.post("/api/v1/knowledge/entries", json=second, headers=lead)
    assert r.status_code == 409 and r.json()["code"] == "knowledge.duplicate_question"
    for fmt in ("csv", "json", "markdown"):
        again = import_(client, world, fmt, export(client, world, fmt))
        assert again.status_code == 200 and again.json()["unchanged"] == 1, again.text
