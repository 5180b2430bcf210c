"""SLA clocks across pauses, policy changes, re-armed timers and strict calendars at year end."""

from datetime import timedelta

from sqlalchemy import select

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.channels import service as channels
from kefu.channels.models import ChannelKind
from kefu.conversations import service as conversations
from kefu.conversations.models import Message
from kefu.sla import promises, service
from kefu.sla.escalation_models import Escalation
from kefu.sla.models import PromiseKind, Target, TargetStatus
from kefu.tickets import service as tickets
from kefu.tickets.models import Priority, TicketStatus
from kefu.timeline.models import Event
from kefu.timers import service as timers
from kefu.timers.models import Timer
from tests import test_sla
from tests.factories import make_customer
from tests.test_sla import local, sweep, targets

shop = test_sla.shop  # the SLA tests' shop: default policies, a customer, a phone ticket

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def _status(runtime, world, shop, to):
    with runtime.sessions() as s:
        tickets.transition(s, actor=world.actor(), ticket_id=shop["ticket"], to=to)
        s.commit()


def test_the_idle_timer_re_armed_by_its_own_escalation_stays_armed(runtime, world, shop):
    # The idle escalation's message keeps this promise; promise.kept re-arms the idle timer
    # (the same row) inside the idle handler, and the sweep must not then mark it fired.
    shop["clock"].advance(timedelta(minutes=10))
    with runtime.sessions() as s:
        conversations.post_message(
            s, actor=world.actor(), conversation_id=shop["conv"], body="您好，我来查"
        )
        promises.make(
            s,
            actor=world.actor(),
            ticket_id=shop["ticket"],
            kind=PromiseKind.update,
            text="我们会在10月8日前给您答复",
            due_at=local(2026, 10, 8, 10),
        )
        s.commit()
    shop["clock"].set(local(2026, 10, 1, 17, 10))  # 48 h after the last human touch
    sweep(runtime)
    with runtime.sessions() as s:
        armed = timers.armed(s, kind="ticket.idle", key=f"ticket:{shop['ticket']}")
        assert armed is not None and armed.due_at == local(2026, 10, 3, 17, 10)
        assert [e.trigger for e in s.scalars(select(Escalation))] == ["idle"]


def test_the_warning_still_comes_after_a_pause(runtime, world, shop):
    _status(runtime, world, shop, TicketStatus.pending_customer)  # Tue 17:00, all 27 h left
    shop["clock"].set(local(2026, 9, 30, 9))
    _status(runtime, world, shop, TicketStatus.open)
    res = targets(runtime, shop["ticket"])[Target.resolution]
    # 75 % of 27 business hours used = 20.25 h from Wed 09:00: Wed, Thu 10-08, Fri 10-09 11:15.
    with runtime.sessions() as s:
        warn = timers.armed(s, kind="sla.warn", key=f"target:{res.id}")
    assert warn is not None and warn.due_at == local(2026, 10, 9, 11, 15)
    shop["clock"].set(local(2026, 10, 9, 11, 15))
    sweep(runtime)
    res = targets(runtime, shop["ticket"])[Target.resolution]
    assert res.warned_at == local(2026, 10, 9, 11, 15) and res.status is TargetStatus.running


def test_a_policy_re_applied_after_a_resume_keeps_the_paused_time(runtime, world, shop):
    _status(runtime, world, shop, TicketStatus.pending_customer)
    shop["clock"].set(local(2026, 10, 8, 9))
    _status(runtime, world, shop, TicketStatus.open)
    before = targets(runtime, shop["ticket"])[Target.resolution]
    shop["clock"].advance(timedelta(hours=2))
    with runtime.sessions() as s:  # a tag change re-applies the policy
        tickets.update_(s, actor=world.actor(), ticket_id=shop["ticket"], changes={"tags": ["vip"]})
        s.commit()
    after = targets(runtime, shop["ticket"])[Target.resolution]
    assert after.status is TargetStatus.running and after.due_at == before.due_at


def test_raising_the_priority_of_a_paused_ticket_applies_the_new_budget(runtime, world, shop):
    _status(runtime, world, shop, TicketStatus.pending_customer)
    with runtime.sessions() as s:
        tickets.update_(
            s, actor=world.actor(), ticket_id=shop["ticket"], changes={"priority": Priority.P1}
        )
        s.commit()
    paused = targets(runtime, shop["ticket"])[Target.resolution]
    # P1 resolution: 120 calendar minutes, none of them used yet.
    assert paused.status is TargetStatus.paused and paused.remaining_seconds == 120 * 60
    shop["clock"].advance(timedelta(minutes=10))
    _status(runtime, world, shop, TicketStatus.open)
    resumed = targets(runtime, shop["ticket"])[Target.resolution]
    assert resumed.due_at == local(2026, 9, 29, 17, 10) + timedelta(minutes=120)


def _strict_shop(runtime, world, targets_spec):
    with runtime.sessions() as s:
        service.create_policy(
            s,
            actor=world.actor(Role.admin),
            data={
                "name": "strict",
                "position": 1,
                "active": True,
                "conditions": {},
                "calendar": {
                    "timezone": "Asia/Shanghai",
                    "strict": True,
                    "hours": dict.fromkeys(WEEKDAYS, "09:00-18:00"),
                },
                "targets": targets_spec,
                "warn_at": 0.75,
                "source": "",
                "as_of": "",
            },
        )
        phone = channels.create(s, actor=world.system, kind=ChannelKind.phone, name="电话")
        cust = make_customer(s, world, name="赵六", phone="13612345678")
        conv = conversations.create(s, actor=world.system, channel_id=phone.id, customer_id=cust.id)
        ticket = tickets.create(
            s,
            actor=world.actor(),
            subject="年底工单",
            customer_id=cust.id,
            conversation_ids=[conv.id],
        )
        s.commit()
        return cust.id, conv.id, ticket.id


def test_a_strict_calendar_never_refuses_the_customers_message(runtime, world):
    spec = {"first_response": {"minutes": 60}, "next_response": {"minutes": 480}}
    with clock.frozen(local(2026, 12, 28, 10)) as clk:
        cust_id, conv_id, ticket_id = _strict_shop(runtime, world, spec)
        with runtime.sessions() as s:
            conversations.post_message(s, actor=world.actor(), conversation_id=conv_id, body="您好")
            s.commit()
        clk.set(local(2026, 12, 31, 16))  # 8 business hours reach into 2027: no holiday data
        with runtime.sessions() as s:
            conversations.post_message(
                s,
                actor=Actor.customer(world.workspace.id, cust_id),
                conversation_id=conv_id,
                body="我的退款到哪了？",
            )
            s.commit()
        with runtime.sessions() as s:
            bodies = [
                m.body for m in s.scalars(select(Message).where(Message.conversation_id == conv_id))
            ]
            flagged = s.scalars(select(Event).where(Event.type == "sla.calendar_uncovered")).all()
    assert "我的退款到哪了？" in bodies
    nxt = targets(runtime, ticket_id)[Target.next_response]
    assert nxt.status is TargetStatus.running and nxt.provisional and nxt.due_at is not None
    assert [e.payload["years"] for e in flagged] == [[2027]]


def test_a_breach_on_a_strict_calendar_is_recorded_not_retried(runtime, world):
    # The escalation's new time (120 business minutes from Thu 12-31 17:30) reaches into 2027.
    with clock.frozen(local(2026, 12, 31, 16, 30)) as clk:
        _, _, ticket_id = _strict_shop(runtime, world, {"first_response": {"minutes": 60}})
        clk.set(local(2026, 12, 31, 17, 30))
        assert sweep(runtime).failed == 0
        with runtime.sessions() as s:
            escalations = s.scalars(select(Escalation)).all()
            failing = s.scalars(select(Timer).where(Timer.last_error != "")).all()
    assert targets(runtime, ticket_id)[Target.first_response].status is TargetStatus.breached
    assert len(escalations) == 1 and failing == []
