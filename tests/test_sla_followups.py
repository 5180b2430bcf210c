"""SLA follow-ups: breaches found together escalate once, fractional working days, only a person's
reply keeps a promise to contact the customer, and a target the policy drops comes back armed."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.conversations import service as conversations
from kefu.conversations.models import Message
from kefu.sla import escalation, promises, service
from kefu.sla.escalation_models import Escalation, Notification
from kefu.sla.models import PromiseKind, PromiseStatus, Target, TargetStatus
from kefu.tickets import service as tickets
from kefu.tickets.models import Ticket, TicketStatus
from kefu.timers import service as timers
from tests import test_sla
from tests.test_sla import local, sweep, targets

shop = test_sla.shop  # the SLA tests' shop: default policies, a customer, a phone ticket


def _escalations(runtime):
    with runtime.sessions() as s:
        return list(s.scalars(select(Escalation).order_by(Escalation.id)))


def _told(runtime, conv_id):
    with runtime.sessions() as s:
        return [
            m.body for m in s.scalars(select(Message).where(Message.conversation_id == conv_id))
        ]


# --- 1. breaches found in one sweep ---------------------------------------------------------


def test_breaches_found_in_one_sweep_escalate_the_ticket_once(runtime, world, shop):
    # The worker was down from Tue 09-29 17:00 to Sat 10-10 12:00: first response (Wed 12:00),
    # the update cadence (Fri 10-09 14:00), resolution (Fri 17:00) and the 48 h idle deadline
    # have all run out by the next sweep.
    shop["clock"].set(local(2026, 10, 10, 12))
    sweep(runtime)
    [esc] = _escalations(runtime)
    assert (esc.trigger, esc.level, esc.responder_id) == (
        "sla_breach",
        1,
        world.staff[Role.team_lead].id,
    )
    assert esc.details["targets"] == ["first_response", "update_cadence", "resolution"]
    # One apology, naming one responder and one time — not one per target and rung.
    [apology] = _told(runtime, shop["conv"])
    assert world.staff[Role.team_lead].name in apology
    t = targets(runtime, shop["ticket"])
    assert t[Target.first_response].status is TargetStatus.breached
    assert t[Target.resolution].status is TargetStatus.breached
    assert t[Target.resolution].breached_at == local(2026, 10, 10, 12)
    # The apology is news to the customer: the cadence starts a new cycle from it.
    assert t[Target.update_cadence].status is TargetStatus.running
    assert t[Target.update_cadence].cycle == 2
    with runtime.sessions() as s:
        breached = s.scalars(
            select(Notification.text).where(Notification.kind == "sla.breached")
        ).all()
        # The escalation's promise is activity: the idle deadline is 48 h on, not overdue too.
        idle = timers.armed(s, kind="ticket.idle", key=f"ticket:{shop['ticket']}")
    assert len(breached) == 1 and "首次响应" in breached[0] and "解决" in breached[0]
    assert idle is not None and idle.due_at == local(2026, 10, 12, 12)
    # Nothing fires twice: the other targets' own timers found them breached already.
    assert sweep(runtime).fired == 0
    assert len(_escalations(runtime)) == 1


def test_an_idle_ticket_whose_first_response_also_ran_out_escalates_once(runtime, world, shop):
    # Opened Fri 10-16 17:00: idle after 48 h (Sun 10-18 17:00), first response due Mon 12:00.
    with runtime.sessions() as s:
        tickets.transition(
            s, actor=world.actor(), ticket_id=shop["ticket"], to=TicketStatus.resolved
        )
        s.commit()
    shop["clock"].set(local(2026, 10, 16, 17))
    with runtime.sessions() as s:
        conv = conversations.create(
            s, actor=world.system, channel_id=shop["phone"], customer_id=shop["customer"]
        )
        ticket = tickets.create(
            s,
            actor=world.actor(),
            subject="周五晚上的工单",
            customer_id=shop["customer"],
            conversation_ids=[conv.id],
        )
        s.commit()
    shop["clock"].set(local(2026, 10, 19, 13))  # both found by the same sweep
    sweep(runtime)
    mine = [e for e in _escalations(runtime) if e.ticket_id == ticket.id]
    assert [(e.trigger, e.level) for e in mine] == [("idle", 1)]
    assert mine[0].details["targets"] == ["first_response"]
    assert targets(runtime, ticket.id)[Target.first_response].status is TargetStatus.breached


# --- 2. fractional working days in a reply ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我们会在1.5个工作日内给您答复",
        "我们会在一个半工作日内给您答复",
        "We will get back to you within 1.5 business days.",
    ],
)
def test_a_reply_promising_one_and_a_half_working_days(runtime, world, shop, text):
    with runtime.sessions() as s:
        [found] = service.propose(s, actor=world.actor(), text=text, ticket_id=shop["ticket"])
    # Tue 17:00 + 1 working day = Wed 17:00; then half a 9-hour day (4.5 h): Wed 17:00–18:00,
    # National Day skipped, Thu 10-08 09:00 + 3.5 h.
    assert found["due_at"] == local(2026, 10, 8, 12, 30)


def test_half_a_working_day_is_half_of_that_days_working_time(runtime, world, shop):
    with runtime.sessions() as s:
        due = promises.due_from(
            s,
            ticket=s.get(Ticket, shop["ticket"]),
            start=local(2026, 9, 29, 10),
            business_days=0.5,
        )
    assert due == local(2026, 9, 29, 14, 30)


# --- 3. who keeps a promise to contact the customer -------------------------------------------


def _agents_promise(runtime, world, shop):
    with runtime.sessions() as s:
        pid = promises.make(
            s,
            actor=world.actor(),
            ticket_id=shop["ticket"],
            kind=PromiseKind.update,
            text="明天上午10点前给您答复",
            due_at=local(2026, 9, 30, 10),
        ).id
        s.commit()
    return pid


@pytest.mark.parametrize("kind", ["bot", "system"])
def test_a_bot_or_system_message_does_not_keep_an_agents_promise(runtime, world, shop, kind):
    pid = _agents_promise(runtime, world, shop)
    shop["clock"].advance(timedelta(minutes=5))
    with runtime.sessions() as s:
        conversations.post_message(
            s,
            actor=Actor(kind=kind, workspace_id=world.workspace.id),
            conversation_id=shop["conv"],
            body="您好，您的消息已收到，我们会尽快处理。",
        )
        s.commit()
        assert s.get(promises.Promise, pid).status is PromiseStatus.open
    shop["clock"].advance(timedelta(minutes=5))
    with runtime.sessions() as s:
        msg, _ = conversations.post_message(
            s, actor=world.actor(), conversation_id=shop["conv"], body="已为您查到，明天发货"
        )
        s.commit()
        kept = s.get(promises.Promise, pid)
    assert kept.status is PromiseStatus.kept and kept.kept_by == f"message:{msg.id}"


def test_the_next_escalations_apology_does_not_keep_the_responders_promise(runtime, world, shop):
    # First response breached at Wed 12:00: the team lead promises an answer by 14:00. A customer
    # asking for a manager at 12:30 climbs again; that apology is no answer from the team lead.
    shop["clock"].set(local(2026, 9, 30, 12))
    sweep(runtime)
    [first] = _escalations(runtime)
    shop["clock"].set(local(2026, 9, 30, 12, 30))
    with runtime.sessions() as s:
        conversations.post_message(
            s,
            actor=Actor.customer(world.workspace.id, shop["customer"]),
            conversation_id=shop["conv"],
            body="我要投诉，找你们领导",
        )
        s.commit()
        assert s.get(promises.Promise, first.promise_id).status is PromiseStatus.open
    shop["clock"].set(local(2026, 9, 30, 14))  # the team lead never wrote
    sweep(runtime)
    with runtime.sessions() as s:
        assert s.get(promises.Promise, first.promise_id).status is PromiseStatus.broken
        successor = s.scalars(
            select(promises.Promise).where(promises.Promise.replaces_id == first.promise_id)
        ).one()
    assert successor.status is PromiseStatus.open


def test_an_idle_ticket_at_the_top_of_the_ladder_is_looked_at_again(runtime, world, shop):
    # A one-rung ladder: the ticket is at the top after one escalation. Idle there, the customer
    # hears from us and the ticket is looked at again 48 h later — not once and never again.
    with runtime.sessions() as s:
        escalation.set_level(
            s,
            actor=world.actor(Role.admin),
            level=1,
            name="主管",
            responder_id=world.staff[Role.supervisor].id,
            use_team_lead=False,
            respond_within_minutes=120,
        )
        ticket = s.get(Ticket, shop["ticket"])
        escalation.escalate(s, ticket=ticket, trigger="customer_demand", reason="客户要求主管")
        s.commit()
    shop["clock"].set(local(2026, 9, 30, 9, 30))
    with runtime.sessions() as s:  # a person answers: first response and the promise are met
        conversations.post_message(
            s, actor=world.actor(Role.supervisor), conversation_id=shop["conv"], body="您好"
        )
        s.commit()
    shop["clock"].set(local(2026, 10, 2, 9, 30))  # 48 h later, nothing more happened
    sweep(runtime)
    assert len(_told(runtime, shop["conv"])) == 3  # escalation, answer, the idle update
    with runtime.sessions() as s:
        idle = timers.armed(s, kind="ticket.idle", key=f"ticket:{shop['ticket']}")
    assert idle is not None and idle.due_at == local(2026, 10, 4, 9, 30)


# --- 4. a target the policy drops, and later asks for again -----------------------------------


def _vip_policy(runtime, world):
    """VIP tickets run on a policy with no update cadence."""
    with runtime.sessions() as s:
        service.create_policy(
            s,
            actor=world.actor(Role.admin),
            data={
                "name": "VIP 专线",
                "position": 1,
                "active": True,
                "conditions": {"tags": ["vip"]},
                "calendar": {"preset": "back_office"},
                "targets": {
                    "first_response": {"minutes": 60},
                    "resolution": {"minutes": 9 * 60},
                },
                "warn_at": 0.75,
                "source": "",
                "as_of": "",
            },
        )
        s.commit()


def _tags(runtime, world, shop, tags):
    with runtime.sessions() as s:
        tickets.update_(s, actor=world.actor(), ticket_id=shop["ticket"], changes={"tags": tags})
        s.commit()


def test_a_dropped_target_is_armed_again_when_the_policy_asks_for_it_again(runtime, world, shop):
    _vip_policy(runtime, world)
    _tags(runtime, world, shop, ["vip"])
    cadence = targets(runtime, shop["ticket"])[Target.update_cadence]
    assert cadence.status is TargetStatus.cancelled
    shop["clock"].set(local(2026, 9, 30, 10))
    _tags(runtime, world, shop, [])
    cadence = targets(runtime, shop["ticket"])[Target.update_cadence]
    # Back on the back-office policy: 24 business hours from its start (Tue 17:00), as before.
    assert cadence.status is TargetStatus.running
    assert cadence.due_at == local(2026, 10, 9, 14)
    with runtime.sessions() as s:
        breach = timers.armed(s, kind="sla.breach", key=f"target:{cadence.id}")
    assert breach is not None and breach.due_at == cadence.due_at
    shop["clock"].set(local(2026, 10, 9, 14))
    sweep(runtime)
    [esc] = _escalations(runtime)
    assert "update_cadence" in esc.details["targets"]


def test_a_dropped_target_stays_dropped_when_the_ticket_is_reopened(runtime, world, shop):
    _vip_policy(runtime, world)
    _tags(runtime, world, shop, ["vip"])
    for to in (TicketStatus.resolved, TicketStatus.open):
        with runtime.sessions() as s:
            tickets.transition(s, actor=world.actor(), ticket_id=shop["ticket"], to=to)
            s.commit()
    t = targets(runtime, shop["ticket"])
    assert t[Target.resolution].status is TargetStatus.running  # the VIP policy has it
    assert t[Target.update_cadence].status is TargetStatus.cancelled  # the VIP policy has not


def test_a_target_cancelled_by_resolution_is_not_revived_by_a_later_change(runtime, world, shop):
    for to in (TicketStatus.resolved, TicketStatus.open):
        with runtime.sessions() as s:
            tickets.transition(s, actor=world.actor(), ticket_id=shop["ticket"], to=to)
            s.commit()
    _tags(runtime, world, shop, ["物流"])
    first = targets(runtime, shop["ticket"])[Target.first_response]
    assert first.status is TargetStatus.cancelled and first.due_at is None
