"""Community groups over the signed webhook: after-sales talk goes private, storms are alerted."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from kefu import clock
from kefu.auth.models import Role
from kefu.channels.community import sign
from kefu.runtime import Runtime
from kefu.sla.escalation_models import Notification
from kefu.timeline.models import Event
from tests.channels.conftest import WEBHOOK_SECRET, Doors
from tests.factories import World


def post(
    client: Any,
    channel_id: int,
    payload: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    skew_s: int = 0,
) -> Any:
    raw = json.dumps(payload, ensure_ascii=False).encode()
    ts = str(int(clock.now().timestamp()) + skew_s)
    headers = {
        "Content-Type": "application/json",
        "X-Kefu-Timestamp": ts,
        "X-Kefu-Signature": sign(secret, ts, raw),
    }
    return client.post(f"/api/v1/hooks/community/{channel_id}", content=raw, headers=headers)


def said(member: str, text: str, msg: str | None = None, group: str = "g-500") -> dict[str, Any]:
    return {
        "group_id": group,
        "group_name": "福利群 500 人",
        "message_id": msg or f"{member}-{abs(hash(text))}",
        "member": {"kind": "wechat_openid", "value": member, "name": f"群友{member}"},
        "text": text,
    }


def test_after_sales_talk_gets_a_private_invitation_and_lands_on_the_profile(
    client: Any, world: World, doors: Doors
) -> None:
    r = post(client, doors.community.id, said("o-1", "我的快递一周了还没收到，怎么回事？"))
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["topic"] == "not_received" and got["invitation_conversation_id"]
    assert "一对一售后服务" in got["invitation_text"] and got["reply"] is None
    assert not got["storm"] and not got["duplicate"]
    conv = client.get(
        f"/api/v1/conversations/{got['invitation_conversation_id']}", headers=world.headers()
    ).json()
    assert conv["customer_id"] == got["customer_id"] and conv["channel_id"] == doors.community.id
    timeline = client.get(
        f"/api/v1/customers/{got['customer_id']}/timeline", headers=world.headers()
    ).json()["items"]
    linked = [e for e in timeline if e["type"] == "community.message"]
    assert linked and linked[0]["payload"]["group_name"] == "福利群 500 人"
    # Small talk is linked to the profile too, but invites nobody.
    chat = post(client, doors.community.id, said("o-1", "早上好各位"))
    assert chat.json()["topic"] is None and chat.json()["invitation_conversation_id"] is None
    # The same member again: the open private conversation is reused, not a second invitation.
    more = post(client, doors.community.id, said("o-1", "质量也有问题，杯子坏了"))
    assert more.json()["invitation_conversation_id"] == got["invitation_conversation_id"]
    # The platform retries a delivery: stored once.
    dup = post(client, doors.community.id, said("o-1", "我的快递一周了还没收到，怎么回事？"))
    assert dup.json()["duplicate"] and dup.json()["message_id"] == got["message_id"]


def test_unsigned_forged_stale_or_misdirected_calls_get_one_401(
    client: Any, world: World, doors: Doors
) -> None:
    body = said("o-2", "退款！")
    answers = [
        post(client, doors.community.id, body, secret="wrong"),
        post(client, doors.community.id, body, skew_s=-3600),
        post(client, doors.phone.id, body),
        post(client, 2**40, body),
        client.post(f"/api/v1/hooks/community/{doors.community.id}", json=body),
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({json.dumps(a.json()) for a in answers}) == 1
    bad_body = post(client, doors.community.id, {"group_id": "g"})
    assert bad_body.status_code == 422


def test_many_members_on_one_topic_within_minutes_is_a_storm_alerted_once(
    runtime: Runtime, client: Any, world: World, doors: Doors
) -> None:
    start = clock.now()
    with clock.frozen(start) as frozen:
        # Four complain, then a fifth only after the window: no storm yet.
        for n in range(4):
            r = post(client, doors.community.id, said(f"m{n}", "东西坏了，质量太差"))
            assert not r.json()["storm"]
        frozen.set(start + timedelta(minutes=11))
        r = post(client, doors.community.id, said("late", "我的也坏了，质量问题"))
        assert not r.json()["storm"]
        for n in range(4, 8):
            frozen.advance(timedelta(minutes=1))
            r = post(client, doors.community.id, said(f"m{n}", "一样，质量不行，坏了"))
        assert r.json()["storm"]
        # Another topic in the same group is no storm.
        assert not post(client, doors.community.id, said("x", "退款多久到")).json()["storm"]
    storms = client.get("/api/v1/community/storms", headers=world.headers(Role.supervisor))
    assert storms.status_code == 200
    [storm] = storms.json()["items"]
    assert storm["topic"] == "quality" and storm["members"] >= 5
    assert client.get("/api/v1/community/storms", headers=world.headers()).status_code == 403
    with runtime.sessions() as s:
        alerts = s.scalars(
            select(Notification.staff_id).where(Notification.kind == "community.storm")
        ).all()
        assert sorted(alerts) == sorted(
            world.staff[r].id for r in (Role.team_lead, Role.supervisor, Role.admin)
        )
        assert len(s.scalars(select(Event).where(Event.type == "community.storm")).all()) == 1


def test_group_policy_decides_whether_a_neutral_notice_is_posted_back(
    client: Any, world: World, doors: Doors
) -> None:
    first = post(client, doors.community.id, said("p1", "要投诉，退款不给处理"))
    assert first.json()["reply"] is None
    [group] = client.get("/api/v1/community/groups", headers=world.headers()).json()["items"]
    r = client.patch(
        f"/api/v1/community/groups/{group['id']}",
        headers=world.headers(Role.admin),
        json={"post_notice": True},
    )
    assert r.status_code == 200 and r.json()["post_notice"]
    again = post(client, doors.community.id, said("p2", "我也要退款"))
    assert again.json()["reply"] == "亲，售后问题已私信为您处理，请留意客服消息～"
    assert (
        client.patch(
            f"/api/v1/community/groups/{group['id']}",
            headers=world.headers(),
            json={"post_notice": False},
        ).status_code
        == 403
    )


def test_topics_come_from_the_words_then_from_the_bots_classifier() -> None:
    from kefu.channels.community import classify

    assert classify("杯子坏了，质量太差") == "quality"
    assert classify("I want a refund") == "refund"
    assert classify("能不能快点给我发货") == "not_received"  # no topic word: the bot's intent
    assert classify("早上好各位") is None
    assert classify("今天天气不错") is None
