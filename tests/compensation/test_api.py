"""The REST API: one offer for one case on every channel, grants exactly once, bad input → 4xx
with zh/en reasons and nothing half-applied, the approval flow, the versioned policy."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.compensation import service
from kefu.compensation.defaults import DEFAULT
from kefu.compensation.models import Grant
from kefu.compensation.policy import CaseType, Fault
from kefu.compensation.service import CaseRequest
from kefu.conversations.models import Message
from kefu.timeline.models import Event
from tests.compensation.conftest import Shop

URL = "/api/v1/compensation"


def case(shop: Shop, **kw: Any) -> dict[str, Any]:
    return {"case_type": "late_shipment", "fault": "warehouse", "order_id": shop.small_order} | kw


def count(runtime, model, *where) -> int:  # type: ignore[no-untyped-def]
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_the_same_case_gets_the_identical_offer_on_every_channel(
    client, runtime, shop, frozen
) -> None:
    """Seed 001: phone, online and Weibo gave different compensation. Chat, e-mail, a phone call and
    the bot now get the same offer, byte for byte."""
    headers = shop.world.headers(Role.agent)
    offers = {}
    for channel, conv in (("chat", shop.chat), ("email", shop.email), ("phone", shop.phone)):
        body = case(
            shop, order_id=shop.big_order, fault="supplier", conversation_id=conv, tier="svip"
        )
        r = client.post(f"{URL}/offers", json=body, headers=headers)
        assert r.status_code == 200, r.text
        offers[channel] = r.json()
    # Another staff member, English UI, on the ticket-less case without a conversation.
    lead = client.post(
        f"{URL}/offers",
        json=case(shop, order_id=shop.big_order, fault="supplier"),
        headers=shop.world.headers(Role.team_lead, lang="en"),
    )
    offers["lead"] = lead.json()
    bot = Actor(kind="bot", workspace_id=shop.world.workspace.id)
    with runtime.sessions() as s:
        request = CaseRequest(
            case_type=CaseType.late_shipment,
            fault=Fault.supplier,
            order_id=shop.big_order,
            conversation_id=shop.chat,
        )
        offers["bot"] = service.offer(s, actor=bot, case=request).model_dump(mode="json")
    first = offers["chat"]
    assert all(o == first for o in offers.values()), offers
    assert first["amount_cents"] == 50_000 and first["default"] == {
        "kind": "voucher",
        "amount_cents": 50_000,
    }
    assert first["case"]["tier"] == "regular"  # the customer's profile, not what a caller claims
    assert first["profile"]["key"] == "late_shipment.tmall_jd" and first["policy_version"] == 1
    assert [r["en"] for r in first["reasons"]][2:4] == [
        "¥3,000.00 × 30% = ¥900.00",
        "capped at ¥500.00",
    ]


def test_grants_are_idempotent_per_case_and_listed(client, runtime, shop, frozen) -> None:
    headers = shop.world.headers(Role.agent)
    body = {
        "case": case(shop, conversation_id=shop.chat),
        "remedy": "voucher",
        "amount_cents": 600,
        "reason": "延迟",
    }
    first = client.post(f"{URL}/grants", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = client.post(
        f"{URL}/grants",
        json=body | {"case": case(shop, conversation_id=shop.phone)},
        headers=headers,
    )
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert count(runtime, Grant) == 1
    listed = client.get(f"{URL}/grants?order_id={shop.small_order}&status=granted", headers=headers)
    assert [g["id"] for g in listed.json()["items"]] == [first.json()["id"]]
    assert (
        client.get(f"{URL}/grants?status=pending_approval", headers=headers).json()["items"] == []
    )
    one = client.get(f"{URL}/grants/{first.json()['id']}", headers=shop.world.headers(Role.analyst))
    assert one.status_code == 200 and one.json()["policy_version"] == 1
    # On the customer's timeline (and the conversation's), with who, why and the policy version.
    for url in (
        f"/api/v1/customers/{shop.customer_id}/timeline",
        f"/api/v1/conversations/{shop.chat}/timeline",
    ):
        timeline = client.get(url, headers=headers).json()["items"]
        [ev] = [e for e in timeline if e["type"] == "compensation.granted"]
        assert ev["payload"]["policy_version"] == 1 and ev["payload"]["reason"] == "延迟"
        assert ev["actor_kind"] == "staff" and ev["actor_id"] == shop.world.staff[Role.agent].id


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"amount_cents": -600}, 422, "request.invalid"),
        ({"amount_cents": 0}, 422, "request.invalid"),
        ({"amount_cents": 10**15}, 422, "request.invalid"),
        ({"case": {"case_type": "alien_abduction", "fault": "shop"}}, 422, "request.invalid"),
        ({"remedy": "cash_in_envelope"}, 422, "request.invalid"),
        ({"amount_cents": 601}, 422, "compensation.above_cap"),
        ({"remedy": "full_refund"}, 422, "compensation.not_offered"),
        (
            {"case": {"case_type": "late_shipment", "fault": "customer", "order_id": 0}},
            422,
            "request.invalid",
        ),
        (
            {"case": {"case_type": "late_shipment", "fault": "shop", "order_id": 2**62}},
            404,
            "order.not_found",
        ),
        (
            {"case": {"case_type": "late_shipment", "fault": "shop", "order_value_cents": -1}},
            422,
            "request.invalid",
        ),
    ],
)
def test_bad_grants_get_a_clear_4xx_and_nothing_is_applied(
    client, runtime, shop, frozen, change, status, code
) -> None:
    body = {
        "case": case(shop, conversation_id=shop.chat),
        "remedy": "voucher",
        "amount_cents": 600,
    } | change
    for lang, word in (("zh-CN", None), ("en", None)):
        r = client.post(
            f"{URL}/grants", json=body, headers=shop.world.headers(Role.agent, lang=lang)
        )
        assert r.status_code == status, r.text
        assert r.json()["code"] == code and r.json()["detail"], word
    assert count(runtime, Grant) == 0
    assert count(runtime, Message, Message.conversation_id == shop.chat) == 0


def test_a_refused_grant_is_audited_although_nothing_is_applied(
    client, runtime, shop, frozen
) -> None:
    body = {
        "case": case(shop, conversation_id=shop.chat),
        "remedy": "voucher",
        "amount_cents": 900,
        "reason": "客户要求",
    }
    r = client.post(f"{URL}/grants", json=body, headers=shop.world.headers(Role.agent, lang="en"))
    assert r.status_code == 422 and "capped at ¥6.00" in r.json()["detail"]
    with runtime.sessions() as s:
        [ev] = s.scalars(select(Event).where(Event.type == "compensation.refused")).all()
    assert ev.customer_id == shop.customer_id and ev.conversation_id == shop.chat
    assert ev.payload["code"] == "compensation.above_cap" and ev.payload["amount_cents"] == 900
    assert ev.payload["policy_version"] == 1 and ev.payload["reason"] == "客户要求"
    assert ev.actor_id == shop.world.staff[Role.agent].id
    assert count(runtime, Grant) == 0


def test_mismatched_case_facts_are_refused(client, runtime, shop, other_world, frozen) -> None:
    from tests.compensation.conftest import make_shop

    second = make_shop(runtime, shop.world, tag="2")
    headers = shop.world.headers(Role.agent)
    stranger = client.post(
        f"{URL}/offers", json=case(shop, conversation_id=second.chat), headers=headers
    )
    assert (
        stranger.status_code == 422 and stranger.json()["code"] == "compensation.customer_mismatch"
    )
    value = client.post(f"{URL}/offers", json=case(shop, order_value_cents=1), headers=headers)
    assert value.json()["code"] == "compensation.order_value_mismatch"
    part = client.post(f"{URL}/offers", json=case(shop, affected_cents=2_001), headers=headers)
    assert part.json()["code"] == "compensation.affected_above_order"
    no_order = client.post(
        f"{URL}/offers",
        json={
            "case_type": "late_shipment",
            "fault": "shop",
            "order_value_cents": 2_000,
            "tier": "vip",
        },
        headers=headers,
    )
    assert no_order.status_code == 200 and no_order.json()["amount_cents"] == 600


def test_approval_through_the_api(client, runtime, shop, frozen) -> None:
    world = shop.world
    body = {
        "case": case(shop, order_id=shop.big_order),
        "remedy": "voucher",
        "amount_cents": 30_000,
    }
    r = client.post(f"{URL}/grants", json=body, headers=world.headers(Role.agent))
    assert r.status_code == 201 and r.json()["status"] == "pending_approval"
    gid = r.json()["id"]
    queue = client.get(
        f"{URL}/grants?status=pending_approval", headers=world.headers(Role.team_lead)
    )
    assert [g["id"] for g in queue.json()["items"]] == [gid]
    denied = client.post(f"{URL}/grants/{gid}/approve", headers=world.headers(Role.agent))
    assert denied.status_code == 403
    empty = client.post(
        f"{URL}/grants/{gid}/reject", json={"note": "   "}, headers=world.headers(Role.team_lead)
    )
    assert empty.status_code == 422
    ok = client.post(
        f"{URL}/grants/{gid}/approve", json={"note": "可以"}, headers=world.headers(Role.team_lead)
    )
    assert ok.status_code == 200 and ok.json()["status"] == "granted"
    assert ok.json()["decided_by_id"] == world.staff[Role.team_lead].id
    late = client.post(
        f"{URL}/grants/{gid}/reject",
        json={"note": "太晚了"},
        headers=world.headers(Role.supervisor),
    )
    assert late.status_code == 409 and late.json()["code"] == "compensation.already_granted"


def test_policy_get_put_and_history(client, shop, frozen) -> None:
    world = shop.world
    got = client.get(f"{URL}/policy", headers=world.headers(Role.agent))
    assert got.status_code == 200
    assert got.json()["current"]["version"] == 1 and len(
        got.json()["current"]["document"]["profiles"]
    ) == len(DEFAULT["profiles"])
    doc = got.json()["current"]["document"]
    doc["authority"]["agent"] = 10_000
    put = {"document": doc, "note": "坐席权限降到 ¥100", "base_version": 1}
    assert (
        client.put(f"{URL}/policy", json=put, headers=world.headers(Role.team_lead)).status_code
        == 403
    )
    r = client.put(f"{URL}/policy", json=put, headers=world.headers(Role.supervisor))
    assert r.status_code == 200 and r.json()["version"] == 2
    assert r.json()["created_by_id"] == world.staff[Role.supervisor].id
    stale = client.put(f"{URL}/policy", json=put, headers=world.headers(Role.supervisor))
    assert stale.status_code == 409 and stale.json()["code"] == "compensation.policy_stale"
    bad = {"document": doc | {"profiles": [doc["profiles"][0] | {"default": "full_refund"}]}}
    assert (
        client.put(f"{URL}/policy", json=bad, headers=world.headers(Role.admin)).status_code == 422
    )
    history = client.get(f"{URL}/policy", headers=world.headers(Role.analyst)).json()["history"]
    assert [(h["version"], h["note"][:2]) for h in history] == [(2, "坐席"), (1, "默认")]
    v1 = client.get(f"{URL}/policy/versions/1", headers=world.headers(Role.agent))
    assert v1.json()["document"]["authority"]["agent"] == 20_000
    assert (
        client.get(f"{URL}/policy/versions/9", headers=world.headers(Role.agent)).status_code == 404
    )
    offer = client.post(f"{URL}/offers", json=case(shop), headers=world.headers(Role.agent))
    assert (
        offer.json()["policy_version"] == 2 and offer.json()["authority_cents"]["agent"] == 10_000
    )
