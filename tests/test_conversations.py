"""Conversations and messages: idempotent sends, internal notes, assignment, reopen."""

from kefu.auth.models import Role
from kefu.conversations import service as conversations
from tests.factories import make_customer


def start(client, world, runtime):
    with runtime.sessions() as s:
        customer = make_customer(s, world, phone="13700001234")
        s.commit()
    r = client.post(
        "/api/v1/conversations",
        json={"channel_id": world.chat.id, "customer_id": customer.id, "subject": "尺码咨询"},
        headers=world.headers(),
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_resend_with_the_same_client_msg_id_stores_once(client, world, runtime):
    conv = start(client, world, runtime)
    url = f"/api/v1/conversations/{conv['id']}/messages"
    first = client.post(
        url,
        json={"body": "您好，请问有什么可以帮您？", "client_msg_id": "m-1"},
        headers=world.headers(),
    )
    again = client.post(
        url,
        json={"body": "您好，请问有什么可以帮您？", "client_msg_id": "m-1"},
        headers=world.headers(),
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    msgs = client.get(url, headers=world.headers()).json()["items"]
    assert len(msgs) == 1
    shown = client.get(f"/api/v1/conversations/{conv['id']}", headers=world.headers()).json()
    assert shown["message_count"] == 1


def test_internal_notes_are_marked_and_timed(client, world, runtime, delivered):
    conv = start(client, world, runtime)
    url = f"/api/v1/conversations/{conv['id']}/messages"
    reply = client.post(url, json={"body": "已为您查询"}, headers=world.headers()).json()
    note = client.post(
        url, json={"body": "客户情绪激动，注意安抚", "internal": True}, headers=world.headers()
    ).json()
    assert (reply["direction"], note["direction"]) == ("outbound", "internal")
    assert note["author_kind"] == "agent"
    types = [e.type for e in delivered]
    assert types[-2:] == ["message.created", "message.note_added"]


def test_assign_close_and_reopen(client, world, runtime):
    conv = start(client, world, runtime)
    agent = world.staff[Role.agent].id
    url = f"/api/v1/conversations/{conv['id']}"
    r = client.patch(url, json={"assignee_id": agent}, headers=world.headers())
    assert r.json()["assignee_id"] == agent
    r = client.patch(url, json={"status": "closed"}, headers=world.headers())
    assert r.json()["status"] == "closed" and r.json()["closed_at"]
    r = client.patch(url, json={"unassign": True, "status": "open"}, headers=world.headers())
    assert r.json()["assignee_id"] is None and r.json()["status"] == "open"
    types = [
        e["type"] for e in client.get(f"{url}/timeline", headers=world.headers()).json()["items"]
    ]
    assert types == [  # newest first; one PATCH assigns, then changes status
        "conversation.reopened",
        "conversation.assigned",
        "conversation.closed",
        "conversation.assigned",
        "conversation.created",
    ]


def test_unknown_channel_or_customer_is_404(client, world, runtime):
    conv = start(client, world, runtime)
    r = client.post(
        "/api/v1/conversations",
        json={"channel_id": 999999, "customer_id": conv["customer_id"]},
        headers=world.headers(),
    )
    assert r.status_code == 404 and r.json()["detail"] == "渠道不存在"
    r = client.post(
        "/api/v1/conversations",
        json={"channel_id": world.chat.id, "customer_id": 999999},
        headers=world.headers("agent", lang="en"),
    )
    assert r.status_code == 404 and r.json()["detail"] == "customer not found"


def test_a_nul_in_a_channel_body_is_stored_visible_not_refused(client, world, runtime):
    """Mail bodies and group webhooks reach post_message without a schema: NUL must not fail it."""
    conv = start(client, world, runtime)
    with runtime.sessions() as s:
        msg, created = conversations.post_message(
            s, actor=world.actor(), conversation_id=conv["id"], body="订单\x00号"
        )
        s.commit()
    assert created
    got = client.get(f"/api/v1/conversations/{conv['id']}/messages", headers=world.headers())
    assert [m["body"] for m in got.json()["items"]] == ["订单\ufffd号"]
