"""Macros: kept by leads, used by every agent, variables filled in for the conversation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kefu.auth.models import Role
from kefu.conversations import service as conversations
from kefu.runtime import Runtime
from kefu.tickets import service as tickets
from tests.factories import World, make_customer


def _conversation(runtime: Runtime, world: World, *, order_ref: str = "") -> int:
    with runtime.sessions() as s:
        customer = make_customer(s, world, name="张伟", phone="13812345678")
        assert world.chat is not None
        conv = conversations.create(
            s, actor=world.system, channel_id=world.chat.id, customer_id=customer.id
        )
        if order_ref:
            tickets.create(
                s,
                actor=world.system,
                subject="没收到货",
                customer_id=customer.id,
                order_ref=order_ref,
            )
        s.commit()
        return conv.id


def _create(client: TestClient, world: World, **body: str) -> dict[str, object]:
    res = client.post("/api/v1/macros", json=body, headers=world.headers(Role.team_lead))
    assert res.status_code == 201, res.text
    return dict(res.json())


def test_a_lead_keeps_macros_and_an_agent_uses_them(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    macro = _create(
        client,
        world,
        shortcut="ship",
        title="催发货",
        body="{customer_name}您好，订单 {order_no} 已催仓库，我是{agent_name}。",
    )
    conv_id = _conversation(runtime, world, order_ref="LM2026112300042")

    listed = client.get("/api/v1/macros", headers=world.headers(Role.agent)).json()
    assert [m["shortcut"] for m in listed] == ["ship"]
    out = client.post(
        f"/api/v1/macros/{macro['id']}/render",
        json={"conversation_id": conv_id},
        headers=world.headers(Role.agent),
    )
    assert out.status_code == 200, out.text
    assert out.json() == {
        "text": "张伟您好，订单 LM2026112300042 已催仓库，我是acme-agent。",
        "missing": [],
    }


def test_a_variable_without_a_value_is_left_and_named(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    macro = _create(client, world, shortcut="order", title="订单", body="订单 {order_no} 已查到")
    conv_id = _conversation(runtime, world)
    out = client.post(
        f"/api/v1/macros/{macro['id']}/render",
        json={"conversation_id": conv_id},
        headers=world.headers(Role.agent),
    ).json()
    assert out == {"text": "订单 {order_no} 已查到", "missing": ["order_no"]}


def test_unknown_variables_and_taken_shortcuts_are_refused(
    client: TestClient, world: World
) -> None:
    bad = client.post(
        "/api/v1/macros",
        json={"shortcut": "x", "title": "X", "body": "您好 {nickname}"},
        headers=world.headers(Role.team_lead, lang="en"),
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "macro.unknown_variable"
    assert "{nickname}" in bad.json()["detail"] and "{customer_name}" in bad.json()["detail"]

    _create(client, world, shortcut="hi", title="问候", body="您好")
    again = client.post(
        "/api/v1/macros",
        json={"shortcut": "hi", "title": "另一个", "body": "你好"},
        headers=world.headers(Role.team_lead),
    )
    assert again.status_code == 409
    assert again.json()["code"] == "macro.duplicate_shortcut"


def test_agents_use_but_do_not_edit_macros(client: TestClient, world: World) -> None:
    macro = _create(client, world, shortcut="bye", title="结束语", body="感谢您的耐心")
    agent = world.headers(Role.agent)
    denied = client.post(
        "/api/v1/macros", json={"shortcut": "a", "title": "A", "body": "a"}, headers=agent
    )
    assert denied.status_code == 403
    assert client.delete(f"/api/v1/macros/{macro['id']}", headers=agent).status_code == 403

    lead = world.headers(Role.team_lead)
    changed = client.patch(
        f"/api/v1/macros/{macro['id']}", json={"body": "谢谢 {customer_name}"}, headers=lead
    )
    assert changed.status_code == 200 and changed.json()["body"] == "谢谢 {customer_name}"
    assert client.delete(f"/api/v1/macros/{macro['id']}", headers=lead).status_code == 204
    assert client.get(f"/api/v1/macros/{macro['id']}", headers=agent).status_code == 404
