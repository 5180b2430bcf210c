"""Identity resolution: one person on every channel is one customer with one timeline."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from kefu import clock
from kefu.auth.models import Role
from kefu.channels.email.smtp import MailServer
from kefu.customers import resolution
from kefu.customers.models import IdentityKind
from kefu.customers.resolution import Claim
from kefu.runtime import Runtime
from tests.channels.conftest import SUPPORT, Doors, customer_headers
from tests.factories import World


def timeline_types(client: Any, world: World, customer_id: int) -> list[str]:
    items = client.get(
        f"/api/v1/customers/{customer_id}/timeline?limit=200", headers=world.headers()
    ).json()["items"]
    return [e["type"] for e in items]


def test_widget_email_and_phone_from_one_person_end_up_in_one_timeline(
    runtime: Runtime, client: Any, world: World, doors: Doors, smtp_server: MailServer
) -> None:
    me = customer_headers(
        world, "M5001", name="林静", email="Lin.Jing@Example.com", phone="13700001234"
    )
    conv = client.post("/api/v1/widget/conversations", headers=me)
    assert conv.status_code == 201, conv.text
    client.post(
        f"/api/v1/widget/conversations/{conv.json()['id']}/messages",
        headers=me,
        json={"body": "请问尺码怎么选？"},
    )
    customer_id = client.get("/api/v1/widget/me", headers=me).json()["id"]

    mail = EmailMessage()
    mail["From"] = "林静 <lin.jing@example.com>"
    mail["To"] = SUPPORT
    mail["Subject"] = "发票"
    mail["Message-ID"] = "<invoice-1@example.com>"
    mail.set_content("请开发票")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as smtp:
        smtp.send_message(mail)

    now = clock.now()
    r = client.post(
        "/api/v1/calls",
        headers=world.headers(),
        json={
            "external_id": "cc-9",
            "direction": "inbound",
            "number": "137-0000-1234",
            "outcome": "answered",
            "started_at": (now - timedelta(minutes=3)).isoformat(),
            "ended_at": now.isoformat(),
        },
    )
    assert r.status_code == 201 and r.json()["customer_id"] == customer_id

    convs = client.get(
        f"/api/v1/conversations?customer_id={customer_id}", headers=world.headers()
    ).json()["items"]
    assert len(convs) == 2  # the chat and the mail thread, one customer
    types = timeline_types(client, world, customer_id)
    assert "call.recorded" in types and types.count("message.created") == 2
    everyone = client.get("/api/v1/customers", headers=world.headers()).json()["items"]
    assert [c["id"] for c in everyone] == [customer_id]


def test_a_verified_match_merges_and_an_unverified_one_is_only_suggested(
    runtime: Runtime, client: Any, world: World, doors: Doors
) -> None:
    with runtime.sessions() as s:
        ws = world.workspace.id
        by_mail = resolution.resolve(
            s, workspace_id=ws, claims=[Claim(IdentityKind.email, "a@example.com")]
        )
        by_phone = resolution.resolve(
            s, workspace_id=ws, claims=[Claim(IdentityKind.phone, "13600000000", True)]
        )
        by_member = resolution.resolve(
            s, workspace_id=ws, claims=[Claim(IdentityKind.member_id, "M1", True)]
        )
        assert by_mail and by_phone and by_member
        # The shop's backend vouches: member M1 has phone 136… (verified on both sides) → merged.
        merged = resolution.resolve(
            s,
            workspace_id=ws,
            claims=[
                Claim(IdentityKind.member_id, "M1", True),
                Claim(IdentityKind.phone, "13600000000", True),
                Claim(IdentityKind.email, "a@example.com", True),
            ],
        )
        assert merged is not None and merged.id == by_member.id
        s.refresh(by_phone)
        assert by_phone.merged_into_id == by_member.id
        s.refresh(by_mail)
        assert by_mail.merged_into_id is None  # a@… was only typed into a From line
        s.commit()
    lead = world.headers(Role.team_lead)
    assert (
        client.get("/api/v1/customer-merge-suggestions", headers=world.headers()).status_code == 403
    )
    [suggestion] = client.get("/api/v1/customer-merge-suggestions", headers=lead).json()["items"]
    assert (suggestion["source_id"], suggestion["target_id"]) == (by_mail.id, by_member.id)
    assert suggestion["value_masked"] == "a***@example.com"
    accepted = client.post(
        f"/api/v1/customer-merge-suggestions/{suggestion['id']}/accept", headers=lead
    )
    assert accepted.status_code == 200, accepted.text
    assert (
        client.get(f"/api/v1/customers/{by_mail.id}", headers=lead).json()["merged_into_id"]
        == by_member.id
    )
    again = client.post(
        f"/api/v1/customer-merge-suggestions/{suggestion['id']}/accept", headers=lead
    )
    assert again.status_code == 409
    # Audited and reversible like any merge.
    undo = client.post(f"/api/v1/customer-merges/{accepted.json()['id']}/undo", headers=lead)
    assert undo.status_code == 200
    assert (
        client.get(f"/api/v1/customers/{by_mail.id}", headers=lead).json()["merged_into_id"] is None
    )


def test_two_different_verified_members_are_never_merged_automatically(
    runtime: Runtime, world: World
) -> None:
    with runtime.sessions() as s:
        ws = world.workspace.id
        one = resolution.resolve(
            s,
            workspace_id=ws,
            claims=[
                Claim(IdentityKind.member_id, "A", True),
                Claim(IdentityKind.phone, "13500000000", True),
            ],
        )
        two = resolution.resolve(
            s, workspace_id=ws, claims=[Claim(IdentityKind.member_id, "B", True)]
        )
        assert one and two
        resolution.resolve(
            s,
            workspace_id=ws,
            claims=[
                Claim(IdentityKind.member_id, "B", True),
                Claim(IdentityKind.phone, "13500000000", True),
            ],
        )
        s.refresh(one)
        assert one.merged_into_id is None
        [row] = resolution.list_suggestions(s, actor=world.system, limit=10, cursor=None)[0]
        assert {row.source_id, row.target_id} == {one.id, two.id}
        dismissed = resolution.dismiss(s, actor=world.actor(Role.admin), suggestion_id=row.id)
        assert dismissed.status is resolution.SuggestionStatus.dismissed


def test_unusable_claims_make_no_customer(runtime: Runtime, world: World) -> None:
    with runtime.sessions() as s:
        ws = world.workspace.id
        assert resolution.resolve(s, workspace_id=ws, claims=[]) is None
        assert (
            resolution.resolve(
                s,
                workspace_id=ws,
                claims=[
                    Claim(IdentityKind.email, "not-an-address"),
                    Claim(IdentityKind.phone, "x"),
                ],
            )
            is None
        )
        one = resolution.resolve(
            s, workspace_id=ws, claims=[Claim(IdentityKind.phone, "+86 138-0000-1111")]
        )
        two = resolution.resolve(
            s, workspace_id=ws, claims=[Claim(IdentityKind.phone, "13800001111")]
        )
        assert one is not None and two is not None and one.id == two.id  # one number, two spellings


def test_a_mail_writer_who_later_opens_the_widget_stays_one_customer(
    client: Any, world: World, doors: Doors, smtp_server: MailServer
) -> None:
    mail = EmailMessage()
    mail["From"] = "周敏 <zhou.min@example.com>"
    mail["To"] = SUPPORT
    mail["Subject"] = "还没发货"
    mail["Message-ID"] = "<late-1@example.com>"
    mail.set_content("我的订单五天了还没发货")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as smtp:
        smtp.send_message(mail)
    before = client.get("/api/v1/customers", headers=world.headers()).json()["items"]
    assert len(before) == 1

    me = customer_headers(world, "M7001", name="周敏", email="zhou.min@example.com")
    widget_me = client.get("/api/v1/widget/me", headers=me).json()
    # Found by the e-mail the shop vouches for, not duplicated; the mail thread is on it.
    assert widget_me["id"] == before[0]["id"]
    after = client.get("/api/v1/customers", headers=world.headers()).json()["items"]
    assert [c["id"] for c in after] == [widget_me["id"]]
    convs = client.get(
        f"/api/v1/conversations?customer_id={widget_me['id']}", headers=world.headers()
    ).json()["items"]
    assert len(convs) == 1
