"""Tickets through the API: numbering, status machine, owners, custom fields, filters, timeline."""

import pytest

from kefu.auth.models import Role
from kefu.tickets import service as tickets
from tests.factories import make_customer


def create(client, world, **body):
    r = client.post(
        "/api/v1/tickets", json={"subject": "退款没到账", **body}, headers=world.headers()
    )
    assert r.status_code == 201, r.text
    return r.json()


def timeline(client, world, ticket_id):
    r = client.get(f"/api/v1/tickets/{ticket_id}/timeline", headers=world.headers())
    return r.json()["items"]


def move(client, world, ticket_id, to, lang="zh-CN"):
    return client.post(
        f"/api/v1/tickets/{ticket_id}/transition", json={"to": to}, headers=world.headers(lang=lang)
    )


def test_numbers_are_per_workspace_and_sequential(client, world, other_world):
    a1, a2 = create(client, world), create(client, world)
    b1 = client.post("/api/v1/tickets", json={"subject": "x"}, headers=other_world.headers()).json()
    assert (a1["number"], a2["number"], b1["number"]) == (1, 2, 1)


def test_status_machine_happy_path_and_reopen(client, world):
    t = create(client, world)
    assert t["status"] == "open"  # opened by an agent, who owns it
    for to in (
        "pending_customer",
        "open",
        "pending_internal",
        "resolved",
        "closed",
        "open",
    ):
        r = move(client, world, t["id"], to)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == to
    final = r.json()
    assert final["resolved_at"] is None and final["closed_at"] is None  # reopened clears them
    events = timeline(client, world, t["id"])
    moves = [e["type"] for e in events if e["type"] in ("ticket.reopened", "ticket.status_changed")]
    assert moves == ["ticket.reopened", *["ticket.status_changed"] * 5]


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ((), "new"),
        ((), "closed"),
        (("resolved", "closed"), "resolved"),
        (("resolved",), "pending_customer"),
    ],
)
def test_illegal_transitions_are_409_with_a_message(client, world, path, illegal):
    t = create(client, world)
    for to in path:
        assert move(client, world, t["id"], to).status_code == 200
    r = move(client, world, t["id"], illegal)
    assert r.status_code == 409
    assert r.json()["code"] == "ticket.illegal_transition"
    assert "工单不能从" in r.json()["detail"]
    r_en = move(client, world, t["id"], illegal, lang="en")
    assert r_en.status_code == 409 and "cannot move from" in r_en.json()["detail"]
    assert client.get(f"/api/v1/tickets/{t['id']}", headers=world.headers()).json()["status"] == (
        path[-1] if path else "open"
    )


def test_first_owner_stays_when_reassigned(client, world, runtime):
    # A ticket from the system (a web form, the bot) is held by the duty owner
    # until a human takes it.
    with runtime.sessions() as s:
        t = tickets.create(s, actor=world.system, subject="网页表单：发票抬头错了")
        s.commit()
        ticket_id, number = t.id, t.number
    held = client.get(f"/api/v1/tickets/{ticket_id}", headers=world.headers()).json()
    assert held["owner_id"] == world.staff[Role.team_lead].id
    assert held["first_owner_id"] is None and held["status"] == "new"
    agent, lead = world.staff[Role.agent].id, world.staff[Role.team_lead].id
    r = client.post(
        f"/api/v1/tickets/{ticket_id}/assign", json={"owner_id": agent}, headers=world.headers()
    )
    assert r.json()["owner_id"] == agent and r.json()["first_owner_id"] == agent
    assert r.json()["status"] == "open"  # taking a new ticket opens it
    r = client.post(
        f"/api/v1/tickets/{ticket_id}/assign", json={"owner_id": lead}, headers=world.headers()
    )
    assert r.json()["owner_id"] == lead and r.json()["first_owner_id"] == agent
    events = timeline(client, world, ticket_id)
    assigned = [e["payload"] for e in events if e["type"] == "ticket.assigned"]
    assert assigned == [
        {"number": number, "from": agent, "to": lead, "note": ""},
        {"number": number, "from": lead, "to": agent, "note": ""},
    ]


def test_custom_fields_follow_the_ticket_type(client, world):
    admin = world.headers(Role.admin)
    r = client.post(
        "/api/v1/ticket-types",
        json={
            "key": "refund",
            "name": "退款",
            "fields": [
                {"key": "amount", "label": "退款金额", "type": "number", "required": True},
                {
                    "key": "reason",
                    "label": "原因",
                    "type": "select",
                    "options": ["质量问题", "七天无理由"],
                },
            ],
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    type_id = r.json()["id"]
    missing = client.post(
        "/api/v1/tickets", json={"subject": "退款", "type_id": type_id}, headers=world.headers()
    )
    assert missing.status_code == 422 and "退款金额" in missing.json()["detail"]
    wrong = client.post(
        "/api/v1/tickets",
        json={
            "subject": "退款",
            "type_id": type_id,
            "fields": {"amount": 99, "reason": "不想要了"},
        },
        headers=world.headers(),
    )
    assert wrong.status_code == 422
    unknown = client.post(
        "/api/v1/tickets",
        json={"subject": "x", "type_id": type_id, "fields": {"amount": 1, "colour": "red"}},
        headers=world.headers(),
    )
    assert unknown.status_code == 422
    ok = create(client, world, type_id=type_id, fields={"amount": 99.5, "reason": "质量问题"})
    assert ok["fields"] == {"amount": 99.5, "reason": "质量问题"}
    r = client.patch(
        f"/api/v1/tickets/{ok['id']}", json={"fields": {"amount": "lots"}}, headers=world.headers()
    )
    assert r.status_code == 422
    r = client.patch(
        f"/api/v1/tickets/{ok['id']}", json={"fields": {"amount": 120}}, headers=world.headers()
    )
    assert r.json()["fields"] == {"amount": 120, "reason": "质量问题"}


def test_update_records_before_and_after(client, world):
    t = create(client, world, priority="P3", tags=["物流"])
    r = client.patch(
        f"/api/v1/tickets/{t['id']}",
        json={"priority": "P1", "tags": ["物流", "投诉"]},
        headers=world.headers(),
    )
    assert r.status_code == 200
    assert r.json()["priority"] == "P1" and r.json()["tags"] == ["投诉", "物流"]
    events = timeline(client, world, t["id"])
    assert events[0]["type"] == "ticket.updated"
    assert events[0]["payload"]["priority"] == {"from": "P3", "to": "P1"}
    assert events[-1]["type"] == "ticket.created"


def test_list_filters_and_cursor_pagination(client, world, runtime):
    with runtime.sessions() as s:
        customer = make_customer(s, world)
        s.commit()
    ids = [
        create(
            client,
            world,
            priority="P1" if i % 2 else "P4",
            customer_id=customer.id,
            tags=["a"] if i < 3 else [],
        )["id"]
        for i in range(7)
    ]
    h = world.headers()
    page1 = client.get("/api/v1/tickets?limit=3", headers=h).json()
    page2 = client.get(f"/api/v1/tickets?limit=3&cursor={page1['next_cursor']}", headers=h).json()
    page3 = client.get(f"/api/v1/tickets?limit=3&cursor={page2['next_cursor']}", headers=h).json()
    seen = [t["id"] for p in (page1, page2, page3) for t in p["items"]]
    assert seen == sorted(ids, reverse=True) and page3["next_cursor"] is None
    p1 = client.get("/api/v1/tickets?priority=P1", headers=h).json()["items"]
    assert {t["id"] for t in p1} == {ids[i] for i in (1, 3, 5)}
    tagged = client.get("/api/v1/tickets?tag=a", headers=h).json()["items"]
    assert {t["id"] for t in tagged} == set(ids[:3])
    mine = client.get(f"/api/v1/tickets?customer_id={customer.id}&status=open", headers=h).json()
    assert len(mine["items"]) == 7
    bad = client.get("/api/v1/tickets?cursor=not-a-cursor", headers=h)
    assert bad.status_code == 422


def test_link_conversation_and_order_ref(client, world, runtime):
    with runtime.sessions() as s:
        customer = make_customer(s, world)
        s.commit()
    conv = client.post(
        "/api/v1/conversations",
        json={"channel_id": world.chat.id, "customer_id": customer.id},
        headers=world.headers(),
    ).json()
    t = create(client, world, order_ref="LM20261111001", customer_id=customer.id)
    r = client.post(
        f"/api/v1/tickets/{t['id']}/conversations",
        json={"conversation_id": conv["id"]},
        headers=world.headers(),
    )
    assert r.json()["conversation_ids"] == [conv["id"]]
    found = client.get("/api/v1/tickets?order_ref=LM20261111001", headers=world.headers()).json()
    assert [x["id"] for x in found["items"]] == [t["id"]]


def test_analyst_reads_but_cannot_write(client, world):
    t = create(client, world)
    analyst = world.headers(Role.analyst)
    assert client.get(f"/api/v1/tickets/{t['id']}", headers=analyst).status_code == 200
    r = client.post("/api/v1/tickets", json={"subject": "x"}, headers=analyst)
    assert r.status_code == 403 and r.json()["code"] == "permission.denied"
