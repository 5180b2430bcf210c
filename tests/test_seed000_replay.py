"""Seed 000, replayed on the injected clock: the customer who waited 22 days.

12-17 he calls; the agent says "三天内会有专人跟您联系" and asks the cross-border specialists.
Then nobody does anything. In kefu that cannot turn into silence: the owner is reminded, the broken
promise escalates to a named senior responder, the customer hears from us with a new time, the
unanswered handoff is chased and escalated — and the customer never waits longer than the
policy's update cadence.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kefu import clock
from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Role, Staff, TeamKind
from kefu.channels import service as channels
from kefu.channels.models import ChannelKind
from kefu.conversations import service as conversations
from kefu.conversations.models import Direction, Message
from kefu.sla import policies
from kefu.sla.escalation_models import Escalation, Notification
from kefu.sla.models import Promise, PromiseStatus
from kefu.timeline.models import Event
from kefu.timers import service as timers
from tests.factories import make_customer

SH = timedelta(hours=8)


def local(mo, d, h, mi=0, y=2026):
    return datetime(y, mo, d, h, mi, tzinfo=UTC) - SH


def shanghai(instant):
    return (instant + SH).strftime("%m-%d %H:%M")


def test_the_22_days_cannot_happen(client, runtime, world):
    with clock.frozen(local(12, 17, 10)) as clk:
        with runtime.sessions() as s:
            policies.install_templates(s, workspace_id=world.workspace.id)
            phone = channels.create(s, actor=world.system, kind=ChannelKind.phone, name="客服热线")
            team = auth.create_team(
                s, actor=world.system, name="海淘专员组", kind=TeamKind.cross_border
            )
            specialist = auth.create_staff(
                s,
                actor=world.system,
                email="haitao@acme.test",
                name="海淘专员小周",
                role=Role.agent,
            )
            auth.set_member(s, actor=world.system, team_id=team.id, staff_id=specialist.id)
            customer = make_customer(s, world, name="刘先生", phone="13700009999")
            conv = conversations.create(
                s, actor=world.system, channel_id=phone.id, customer_id=customer.id, subject="来电"
            )
            conversations.post_message(
                s,
                actor=Actor.customer(world.workspace.id, customer.id),
                conversation_id=conv.id,
                body="全球惠选买的海淘商品一直没到，怎么回事？",
            )
            s.commit()
        agent = world.headers()
        # The agent takes the call: a ticket she owns, her reply, and the promise it contains.
        ticket = client.post(
            "/api/v1/tickets",
            json={
                "subject": "海淘订单未到货",
                "customer_id": customer.id,
                "conversation_ids": [conv.id],
                "order_ref": "QQHX20171124",
                "team_id": None,
            },
            headers=agent,
        ).json()
        reply = "您好，您的问题已记录，三天内会有专人跟您联系。"
        client.post(
            f"/api/v1/conversations/{conv.id}/messages", json={"body": reply}, headers=agent
        )
        [proposal] = client.post(
            "/api/v1/promises/propose",
            json={"text": reply, "ticket_id": ticket["id"]},
            headers=agent,
        ).json()
        assert proposal["kind"] == "callback" and proposal["due_at"].startswith("2026-12-20T02:00")
        promise = client.post(
            "/api/v1/promises",
            json={
                "ticket_id": ticket["id"],
                "conversation_id": conv.id,
                "kind": "callback",
                "text": reply,
                "due_at": proposal["due_at"],
            },
            headers=agent,
        ).json()
        handoff = client.post(
            f"/api/v1/tickets/{ticket['id']}/handoffs",
            json={
                "question": "客户海淘订单物流停滞近一个月，请核实清关状态",
                "team_id": team.id,
                "within_business_minutes": 9 * 60,
            },
            headers=agent,
        )
        assert handoff.status_code == 201, handoff.text

        # Then nobody does anything for 22 days; the worker sweeps every hour.
        while clock.now() < local(1, 8, 10, y=2027):
            clk.advance(timedelta(hours=1))
            timers.sweep(runtime.sessions)

    with runtime.sessions() as s:
        events = list(
            s.scalars(select(Event).where(Event.ticket_id == ticket["id"]).order_by(Event.id))
        )
        at = [(e.type, shanghai(e.occurred_at)) for e in events]
        staff = {m.id: m for m in s.scalars(select(Staff))}
        escalations = list(
            s.scalars(
                select(Escalation)
                .where(Escalation.ticket_id == ticket["id"])
                .order_by(Escalation.id)
            )
        )
        agent_notes = [
            n.kind
            for n in s.scalars(
                select(Notification)
                .where(Notification.staff_id == world.staff[Role.agent].id)
                .order_by(Notification.id)
            )
        ]
        first = s.get(Promise, promise["id"])
        successors = list(s.scalars(select(Promise).where(Promise.replaces_id == first.id)))
        told = list(
            s.scalars(
                select(Message)
                .where(Message.conversation_id == conv.id, Message.direction == Direction.outbound)
                .order_by(Message.id)
            )
        )

    # The owner is reminded at 50 % and 90 % of the window, before the promise falls due.
    reminded = [
        shanghai(e.occurred_at)
        for e in events
        if e.type == "promise.reminded" and e.payload["promise_id"] == promise["id"]
    ]
    assert reminded == ["12-18 22:00", "12-20 03:00"]
    assert agent_notes.count("promise.reminder") >= 2
    # Broken at the due time — and escalated at once to a named senior with a new promise.
    assert first.status is PromiseStatus.broken and shanghai(first.broken_at) == "12-20 10:00"
    assert ("promise.broken", "12-20 10:00") in at
    breach = next(e for e in escalations if e.trigger == "promise_breach")
    responder = staff[breach.responder_id]
    assert responder.role in (Role.team_lead, Role.supervisor, Role.admin)
    assert [p.id for p in successors] == [breach.promise_id]
    apology = next(m for m in told if m.created_at == first.broken_at)
    assert responder.name in apology.body and "很抱歉让您久等了" in apology.body
    # The cross-border handoff nobody answered was chased, then escalated.
    types = [t for t, _ in at]
    assert types.count("handoff.chased") >= 2
    assert types.index("handoff.chased") < types.index("handoff.escalated")
    assert any(e.trigger == "handoff_overdue" for e in escalations)
    # The ladder climbs: later escalations never go to a lower rung.
    levels = [e.level for e in escalations]
    assert levels == sorted(levels) and max(levels) >= 2
    # Never silent: between ticket creation and the end, no gap in what the customer hears from us
    # is longer than the update cadence (24 business hours), allowing the sweep's one-hour step.
    cal = policies.calendar_for(None)
    times = [events[0].occurred_at, *(m.created_at for m in told), local(1, 8, 10, y=2027)]
    gaps = [cal.business_time_between(a, b) for a, b in zip(times, times[1:], strict=False)]
    assert max(gaps) <= timedelta(hours=24 + 1), max(gaps)
    # And the case still has one accountable owner: the agent who took the call.
    assert ticket["owner_id"] == world.staff[Role.agent].id
