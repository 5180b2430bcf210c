"""Promises: whose conversation, who answers for them, what a broken one leads to, and the clock
their times are read and told on."""

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from kefu import clock
from kefu.auth import service as auth
from kefu.auth.models import Role, Workspace
from kefu.conversations import service as conversations
from kefu.conversations.models import Message
from kefu.customers.models import Customer
from kefu.errors import Invalid, NotFound
from kefu.sla import promises, service
from kefu.sla.escalation_models import Notification
from kefu.sla.models import Promise, PromiseKind, PromiseStatus
from kefu.tickets import service as tickets
from tests import test_sla
from tests.factories import make_customer
from tests.test_sla import local, sweep

shop = test_sla.shop  # the SLA tests' shop: default policies, a customer, a phone ticket


def _promise(s, world, shop, **kw):
    args = {
        "customer_id": shop["customer"],
        "kind": PromiseKind.update,
        "text": "王先生订单 8848 的退款 2999 元明天到账",
        "due_at": local(2026, 9, 30, 10),
        **kw,
    }
    return promises.make(s, actor=world.actor(), **args)


def test_a_promise_refuses_another_customers_conversation(runtime, world, shop):
    with runtime.sessions() as s:
        other = make_customer(s, world, name="李四", phone="13900000000")
        theirs = conversations.create(
            s, actor=world.system, channel_id=shop["phone"], customer_id=other.id
        )
        with pytest.raises(Invalid) as refused:
            _promise(s, world, shop, conversation_id=theirs.id)
        assert refused.value.code == "promise.conversation_not_customers"
        assert "不属于" in refused.value.message("zh") and "another customer" in (
            refused.value.message("en")
        )
        assert _promise(s, world, shop, conversation_id=shop["conv"]).id  # their own: fine


def test_a_promise_refuses_another_workspaces_conversation(
    client, runtime, world, other_world, shop
):
    with runtime.sessions() as s:
        rival = make_customer(s, other_world, name="竞争对手客户", phone="13700000000")
        conv = conversations.create(
            s, actor=other_world.system, channel_id=other_world.chat.id, customer_id=rival.id
        )
        s.commit()
        with pytest.raises(NotFound):
            _promise(s, world, shop, conversation_id=conv.id)
    r = client.post(
        "/api/v1/promises",
        json={
            "customer_id": shop["customer"],
            "conversation_id": conv.id,
            "kind": "update",
            "text": "明天答复",
            "due_at": "2026-09-30T10:00:00+08:00",
        },
        headers=world.headers(),
    )
    assert r.status_code == 404 and r.json()["code"] == "conversation.not_found"
    with runtime.sessions() as s:
        assert s.scalars(select(Promise)).all() == []


def test_a_broken_ticketless_promise_is_followed_by_an_open_one(runtime, world, shop):
    with runtime.sessions() as s:
        pid = _promise(s, world, shop, conversation_id=shop["conv"], text="明天给您答复").id
        s.commit()
    shop["clock"].set(local(2026, 9, 30, 10))
    sweep(runtime)
    with runtime.sessions() as s:
        successor = s.scalars(select(Promise).where(Promise.replaces_id == pid)).one()
        [apology] = s.scalars(select(Message).where(Message.conversation_id == shop["conv"]))
    assert successor.status is PromiseStatus.open and "明天给您答复" in apology.body


def _promise_notes(runtime):
    with runtime.sessions() as s:
        rows = s.scalars(select(Notification).where(Notification.kind.like("promise.%")))
        return [(n.kind, n.staff_id, n.text) for n in rows]


def test_reminders_go_to_the_new_owner_and_show_the_shops_clock(runtime, world, shop):
    lead = world.staff[Role.team_lead].id
    with runtime.sessions() as s:
        _promise(
            s, world, shop, customer_id=None, ticket_id=shop["ticket"], kind=PromiseKind.callback
        )
        tickets.assign(
            s, actor=world.actor(Role.supervisor), ticket_id=shop["ticket"], owner_id=lead
        )
        s.commit()
    shop["clock"].set(local(2026, 9, 30, 10))
    sweep(runtime)
    sent = _promise_notes(runtime)
    assert [(kind, staff) for kind, staff, _ in sent] == [
        ("promise.reminder", lead),
        ("promise.reminder", lead),
        ("promise.broken", lead),
    ]
    assert "截止 9月30日 10:00" in sent[0][2]


def test_a_deactivated_owners_promises_go_to_someone_active(runtime, world, shop):
    agent = world.staff[Role.agent].id
    with runtime.sessions() as s:
        on_ticket = _promise(s, world, shop, customer_id=None, ticket_id=shop["ticket"]).id
        loose = _promise(s, world, shop).id  # no ticket: the agent who made it owns it
        auth.update_staff(s, actor=world.actor(Role.admin), staff_id=agent, active=False)
        s.commit()
        owners = {p.id: p.owner_id for p in s.scalars(select(Promise))}
        heir = tickets.access(s, actor=world.actor(Role.admin), ticket_id=shop["ticket"]).owner_id
    assert heir != agent and owners[on_ticket] == heir
    assert owners[loose] not in (None, agent)


def test_an_english_customer_is_told_the_shops_own_clock(runtime, world, shop):
    with runtime.sessions() as s:
        s.get(Workspace, world.workspace.id).timezone = "Europe/London"
        s.get(Customer, shop["customer"]).locale = "en"
        s.commit()
    shop["clock"].set(local(2026, 9, 30, 12))  # first response breached: escalated
    sweep(runtime)
    with runtime.sessions() as s:
        [told] = s.scalars(select(Message).where(Message.conversation_id == shop["conv"]))
    # Due 14:00 Shanghai = 06:00 UTC = 07:00 in London (BST).
    assert "by 30 Sep, 07:00 (Europe/London time)." in told.body
    assert "China" not in told.body


def test_proposals_read_times_on_the_workspaces_clock(runtime, world):
    with runtime.sessions() as s:
        s.get(Workspace, world.workspace.id).timezone = "Europe/Berlin"
        s.commit()
    with clock.frozen(datetime(2026, 9, 29, 12, tzinfo=UTC)), runtime.sessions() as s:
        [found] = service.propose(
            s, actor=world.actor(), text="I will call you back tomorrow at 10am.", ticket_id=None
        )
    assert found["due_at"] == datetime(2026, 9, 30, 8, tzinfo=UTC)  # 10:00 in Berlin


@pytest.mark.parametrize(
    "text",
    [
        "我们会在100000000000个工作小时内给您回电",
        "我们会在99999999个工作日内给您回电",
        "we will call you back within 99999999999 business hours",
    ],
)
def test_proposals_ignore_absurd_working_spans_quickly(client, world, text):
    started = time.monotonic()
    r = client.post("/api/v1/promises/propose", json={"text": text}, headers=world.headers())
    assert r.status_code == 200, r.text
    assert all(p["due_at"] is None or p["due_at"] < "2030" for p in r.json())
    assert time.monotonic() - started < 20  # was a minute and a gigabyte
