"""Bad input gets a clear 4xx in the caller's language — never a 500, never half-written data."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi.testclient import TestClient
from httpx2 import Response

from kefu.auth.models import Role
from kefu.runtime import Runtime
from tests.factories import World, make_customer

EN = {"Accept-Language": "en"}


def post_json(client: TestClient, url: str, raw: bytes, headers: dict[str, str]) -> Response:
    return client.post(url, content=raw, headers={**headers, "Content-Type": "application/json"})


def count_customers(client: TestClient, world: World) -> int:
    return len(client.get("/api/v1/customers?limit=200", headers=world.headers()).json()["items"])


def new_ticket(client: TestClient, world: World, **body: object) -> dict[str, object]:
    r = client.post(
        "/api/v1/tickets", json={"subject": "快递三天没动", **body}, headers=world.headers()
    )
    assert r.status_code == 201, r.text
    return r.json()


# --- malformed and mistyped requests ------------------------------------------------------------


MALFORMED = [
    b'{"subject": ',
    b"subject=x",
    b"{'subject': 'x'}",
    b'{"subject": "x",}',
    b"\xff\xfe{}",
    b"\x00",
]


def test_malformed_json_is_422_with_a_message(client: TestClient, world: World) -> None:
    for raw in MALFORMED:
        r = post_json(client, "/api/v1/tickets", raw, world.headers())
        assert r.status_code == 422, (raw, r.text)
        assert r.json()["code"] == "request.malformed"
        assert r.json()["detail"] == "请求内容不是有效的 JSON（UTF-8）"
        r = post_json(client, "/api/v1/tickets", raw, world.headers(lang="en"))
        assert r.json()["detail"] == "the request body is not valid JSON (UTF-8)"


def test_wrong_types_are_422_naming_the_field(client: TestClient, world: World) -> None:
    cases = [
        ({"subject": 123}, "body.subject", "应为文本", "Input should be a valid string"),
        ({"subject": "x", "priority": "P9"}, "body.priority", "应为以下之一", "Input should be"),
        ({"subject": "x", "customer_id": "abc"}, "body.customer_id", "应为整数", "valid integer"),
        (
            {"subject": "x", "customer_id": 10**30},
            "body.customer_id",
            "应不大于",
            "less than or equal",
        ),
        ({"subject": "x", "tags": "vip"}, "body.tags", "应为数组", "valid list"),
        ({"subject": ""}, "body.subject", "至少 1 个字符", "at least 1 character"),
        ({}, "body.subject", "必填", "Field required"),
        ([1, 2], "body", "应为对象", "valid dictionary"),
    ]
    for body, field, zh, en in cases:
        r = client.post("/api/v1/tickets", json=body, headers=world.headers())
        assert r.status_code == 422, (body, r.text)
        assert r.json()["code"] == "request.invalid"
        assert (
            r.json()["detail"].startswith("请求内容无效：")
            and f"{field}: {zh}" in r.json()["detail"]
        ), r.json()
        assert any(".".join(map(str, e["loc"])) == field for e in r.json()["errors"])
        r = client.post("/api/v1/tickets", json=body, headers=world.headers(lang="en"))
        assert r.json()["detail"].startswith("invalid request: ") and en in r.json()["detail"], (
            r.json()
        )


BAD_URLS = [
    "/api/v1/tickets/abc",
    "/api/v1/tickets/0",
    "/api/v1/tickets/-1",
    f"/api/v1/tickets/{2**63}",
    "/api/v1/tickets?limit=0",
    "/api/v1/tickets?limit=100000",
    "/api/v1/tickets?status=lost",
    "/api/v1/tickets?customer_id=99999999999999999999999",
    "/api/v1/tickets?tag=a%00b",
    "/api/v1/tickets?category=%1b",
    "/api/v1/tickets?cursor=%%%",
    "/api/v1/tickets?cursor=aWQ6OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",  # id:999…9, past BIGINT
    "/api/v1/customers?tier=a%00b",
    "/api/v1/customers?identity_kind=phone&identity_value=not-a-phone",
]


def test_bad_paths_and_queries_are_422(client: TestClient, world: World) -> None:
    for url in BAD_URLS:
        r = client.get(url, headers=world.headers())
        assert r.status_code == 422, (url, r.text)
        assert r.json()["detail"] and r.json()["code"]


def test_text_the_database_would_refuse_is_422_on_both_databases(
    client: TestClient, world: World
) -> None:
    """PostgreSQL refuses NUL in text and jsonb and checks VARCHAR lengths; SQLite does neither.
    The schemas refuse it first, so both databases answer the same 422."""
    tt = client.post(
        "/api/v1/ticket-types",
        json={
            "key": "refund",
            "name": "退款",
            "fields": [{"key": "amount", "label": "金额", "type": "number"}],
        },
        headers=world.headers(Role.admin),
    ).json()
    cases = [
        ("/api/v1/tickets", '{"subject": "a\\u0000b"}', "nul_character"),
        ("/api/v1/tickets", '{"subject": "x", "fields": {"k\\u0000": 1}}', "nul_character"),
        (
            "/api/v1/tickets",
            f'{{"subject": "x", "type_id": {tt["id"]}, "fields": {{"amount": NaN}}}}',
            "non_finite_number",
        ),
        (
            "/api/v1/tickets",
            f'{{"subject": "x", "type_id": {tt["id"]}, "fields": {{"amount": 1e400}}}}',
            "non_finite_number",
        ),
        (
            "/api/v1/channels",
            '{"kind": "email", "name": "x", "config": {"a": ["\\u0000"]}}',
            "nul_character",
        ),
        (
            "/api/v1/channels",
            '{"kind": "email", "name": "x", "config": {"a": Infinity}}',
            "non_finite_number",
        ),
        (
            "/api/v1/skills",
            json.dumps({"name": "退款", "description": "长" * 301}),
            "string_too_long",
        ),
        ("/api/v1/customers", json.dumps({"display_name": "名" * 121}), "string_too_long"),
    ]
    for url, raw, kind in cases:
        r = post_json(client, url, raw.encode(), world.headers(Role.admin))
        assert r.status_code == 422, (url, raw, r.text)
        assert [e["type"] for e in r.json()["errors"]] == [kind], r.json()
    assert client.get("/api/v1/channels", headers=world.headers()).json()[-1]["name"] != "x"


# --- size, unknown ids, unknown routes ----------------------------------------------------------


def test_oversized_body_is_413(client: TestClient, world: World, runtime: Runtime) -> None:
    limit = runtime.settings.max_body_bytes
    assert limit == 1_000_000
    big = json.dumps({"subject": "x", "description": "长" * (limit // 3 + 10)}).encode()
    assert len(big) > limit
    r = post_json(client, "/api/v1/tickets", big, world.headers())
    assert r.status_code == 413
    assert r.json() == {"detail": f"请求内容过大（上限 {limit} 字节）", "code": "request.too_large"}

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted as the body arrives
        yield big[: limit // 2]
        yield big[limit // 2 :]

    r = client.post(
        "/api/v1/tickets",
        content=chunks(),
        headers={**world.headers(lang="en"), "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json() == {
        "detail": f"request body too large (limit {limit} bytes)",
        "code": "request.too_large",
    }
    assert client.get("/api/v1/tickets", headers=world.headers()).json()["items"] == []


UNKNOWN = [
    ("GET", "/api/v1/tickets/{}", None, "工单不存在", "ticket not found"),
    ("PATCH", "/api/v1/tickets/{}", {"priority": "P1"}, "工单不存在", "ticket not found"),
    ("POST", "/api/v1/tickets/{}/transition", {"to": "open"}, "工单不存在", "ticket not found"),
    ("GET", "/api/v1/customers/{}", None, "客户不存在", "customer not found"),
    ("GET", "/api/v1/conversations/{}/messages", None, "会话不存在", "conversation not found"),
    ("GET", "/api/v1/staff/{}", None, "员工不存在", "staff member not found"),
    ("POST", "/api/v1/customer-merges/{}/undo", None, "合并记录不存在", "merge not found"),
]


def test_unknown_ids_are_404_in_the_callers_language(client: TestClient, world: World) -> None:
    for method, url, body, zh, en in UNKNOWN:
        for lang, message in (("zh-CN", zh), ("en-US,en;q=0.9", en)):
            r = client.request(
                method,
                url.format(987654321),
                json=body,
                headers=world.headers(Role.admin, lang=lang),
            )
            assert r.status_code == 404, (method, url, r.text)
            assert r.json()["detail"] == message


def test_references_to_unknown_rows_in_a_body_are_404(client: TestClient, world: World) -> None:
    cases: list[tuple[dict[str, object], str]] = [
        ({"customer_id": 987654321}, "客户不存在"),
        ({"owner_id": 987654321}, "员工不存在"),
        ({"conversation_ids": [987654321]}, "会话不存在"),
        ({"type_id": 987654321}, "工单类型不存在"),
    ]
    for body, zh in cases:
        r = client.post("/api/v1/tickets", json={"subject": "x", **body}, headers=world.headers())
        assert r.status_code == 404 and r.json()["detail"] == zh, r.text
    assert client.get("/api/v1/tickets", headers=world.headers()).json()["items"] == []


def test_unknown_routes_and_methods_answer_in_the_same_shape(
    client: TestClient, world: World
) -> None:
    r = client.get("/api/v1/nothing-here", headers=world.headers())
    assert r.status_code == 404 and r.json() == {"detail": "没有这个地址", "code": "http.404"}
    r = client.delete("/api/v1/tickets", headers=world.headers(lang="en"))
    assert r.status_code == 405 and r.json() == {
        "detail": "method not allowed for this URL",
        "code": "http.405",
    }
    assert "GET" in r.headers["allow"]


def test_missing_credentials_are_401_in_the_callers_language(client: TestClient) -> None:
    r = client.get("/api/v1/tickets")
    assert r.status_code == 401 and r.json() == {
        "detail": "需要登录凭证（Bearer token）",
        "code": "auth.missing",
    }
    r = client.get("/api/v1/widget/me", headers=EN)
    assert r.status_code == 401 and r.json()["code"] == "widget.missing"
    assert r.json()["detail"] == "an identity token is required; sign in to the shop"


# --- the status machine -------------------------------------------------------------------------


def test_illegal_transition_is_409_with_the_allowed_moves(client: TestClient, world: World) -> None:
    t = new_ticket(client, world)
    url = f"/api/v1/tickets/{t['id']}/transition"
    for to in ("resolved", "closed"):
        assert client.post(url, json={"to": to}, headers=world.headers()).status_code == 200
    r = client.post(url, json={"to": "resolved"}, headers=world.headers())
    assert r.status_code == 409
    assert r.json() == {
        "detail": "工单不能从「已关闭」变为「已解决」（可选：处理中）",
        "code": "ticket.illegal_transition",
    }
    r = client.post(url, json={"to": "resolved", "note": "again"}, headers=world.headers(lang="en"))
    assert r.json()["detail"] == "a ticket cannot move from closed to resolved (allowed: open)"
    r = client.post(url, json={"to": "finished"}, headers=world.headers())
    assert r.status_code == 422 and "body.to" in r.json()["detail"]
    assert (
        client.get(f"/api/v1/tickets/{t['id']}", headers=world.headers()).json()["status"]
        == "closed"
    )


# --- retries ------------------------------------------------------------------------------------


def test_idempotency_key_replays_the_first_response(client: TestClient, world: World) -> None:
    h = {**world.headers(), "Idempotency-Key": "order-1001-refund"}
    first = client.post("/api/v1/tickets", json={"subject": "退款"}, headers=h)
    again = client.post("/api/v1/tickets", json={"subject": "退款"}, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert (
        again.headers["Idempotent-Replayed"] == "true"
        and "Idempotent-Replayed" not in first.headers
    )
    assert len(client.get("/api/v1/tickets", headers=world.headers()).json()["items"]) == 1

    other = client.post("/api/v1/tickets", json={"subject": "换货"}, headers=h)
    assert other.status_code == 422
    assert other.json() == {
        "detail": "该 Idempotency-Key 已用于另一个不同的请求",
        "code": "idempotency.key_reused",
    }
    other = client.post("/api/v1/tickets", json={"subject": "换货"}, headers={**h, **EN})
    assert other.json()["detail"] == "this Idempotency-Key was already used for a different request"

    # A key belongs to its caller: another staff member's same key is a new request.
    mine = client.post(
        "/api/v1/tickets",
        json={"subject": "退款"},
        headers={**world.headers(Role.team_lead), "Idempotency-Key": h["Idempotency-Key"]},
    )
    assert mine.status_code == 201 and mine.json()["id"] != first.json()["id"]

    bad_key = client.post(
        "/api/v1/tickets", json={"subject": "x"}, headers={**h, "Idempotency-Key": "has space"}
    )
    assert bad_key.status_code == 422 and "Idempotency-Key" in bad_key.json()["detail"]


def test_a_failed_create_writes_nothing_and_keeps_the_key_free(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    with runtime.sessions() as s:
        owner = make_customer(s, world, name="张伟", phone="13812345678")
        s.commit()
    before = count_customers(client, world)
    body = {
        "display_name": "李娜",
        "tags": ["vip"],
        "identities": [
            {"kind": "email", "value": "lina@example.com"},  # valid and new: attached first …
            {"kind": "phone", "value": "+86 138-1234-5678"},  # … then this one is 张伟's
        ],
    }
    h = {**world.headers(), "Idempotency-Key": "create-lina"}
    r = client.post("/api/v1/customers", json=body, headers=h)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "identity.taken" and f"#{owner.id}" in r.json()["detail"]
    assert count_customers(client, world) == before
    found = client.get(
        "/api/v1/customers?identity_kind=email&identity_value=lina@example.com",
        headers=world.headers(),
    )
    assert found.json()["items"] == []
    assert client.get("/api/v1/customers?q=李娜", headers=world.headers()).json()["items"] == []

    # The key was not used up by the failure: the corrected request goes through once.
    body["identities"] = body["identities"][:1]
    fixed = client.post("/api/v1/customers", json=body, headers=h)
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers
    assert count_customers(client, world) == before + 1

    # The same identity twice in one request is one identity, not a conflict with itself.
    twice = client.post(
        "/api/v1/customers",
        json={
            "identities": [
                {"kind": "phone", "value": "13900001111"},
                {"kind": "phone", "value": "139 0000 1111"},
            ]
        },
        headers=world.headers(),
    )
    assert twice.status_code == 201 and len(twice.json()["identities"]) == 1
