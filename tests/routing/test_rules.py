"""Routing rules on both databases, frozen clock: skills, tier, emotion, caps, sticky, overflow,
presence, the tie-break, and the queue's order when an agent frees up."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kefu import clock
from kefu.auth.models import Role
from kefu.channels.models import ChannelKind
from kefu.conversations import service as conversations
from kefu.routing import admin, presence, queues, service
from kefu.routing.models import AgentPresence, EntryStatus, Presence, QueueEntry
from kefu.sla.escalation_models import Notification
from kefu.timeline.models import Event
from kefu.timers import service as timers
from tests.routing.helpers import (
    T0,
    agent,
    as_actor,
    channel,
    close,
    customer_writes,
    entry_of,
    set_state,
    skill,
    team,
)


def _events(s, type_, workspace_id):
    return list(
        s.scalars(
            select(Event)
            .where(Event.type == type_, Event.workspace_id == workspace_id)
            .order_by(Event.id)
        )
    )


def _new_conversation(s, world, *, tier="regular"):
    from kefu.customers import service as customers

    c = customers.create(s, actor=world.system, display_name="顾客", tier=tier)
    assert world.chat is not None
    return conversations.create(s, actor=world.system, channel_id=world.chat.id, customer_id=c.id)


def test_skill_level_threshold(session, world):
    with clock.frozen(T0):
        two = agent(session, world, "two", skills={"跨境": 2})
        three = agent(session, world, "three", skills={"跨境": 3})
        conv = _new_conversation(session, world)
        got = service.need_human(
            session, world.system, conv.id, "bot_handoff", {"skills": {"跨境": 3}}
        )
        assert got.staff_id == three.id and got.reason == "least_loaded"
        # With only the level-2 agent online, a level-3 need waits in the queue.
        set_state(session, world, three, Presence.offline)
        conv2 = _new_conversation(session, world)
        got2 = service.need_human(
            session, world.system, conv2.id, "bot_handoff", {"skills": {"跨境": 3}}
        )
        assert got2.staff_id is None and got2.reason == "queued"
        entry = entry_of(session, conv2)
        assert entry is not None and entry.needs["skills"] == {"跨境": 3}
        # A need nobody in the workspace could ever meet is dropped, not waited for.
        conv3 = _new_conversation(session, world)
        got3 = service.need_human(
            session, world.system, conv3.id, "bot_handoff", {"skills": {"火星语": 5}}
        )
        assert got3.staff_id == two.id


def test_vip_customers_go_to_vip_skilled_agents(session, world):
    with clock.frozen(T0):
        plain = agent(session, world, "plain")
        vip = agent(session, world, "vip", skills={"VIP": 1})
        # The VIP agent is busier: least-loaded alone would pick the plain agent.
        customer_writes(session, world, tier="vip3")
        assert customer_writes(session, world, tier="svip").assignee_id == vip.id
        assert customer_writes(session, world).assignee_id == plain.id
        # No VIP agent online: the VIP customer waits (priority raised) rather than go elsewhere.
        set_state(session, world, vip, Presence.offline)
        conv = customer_writes(session, world, tier="vip1")
        entry = entry_of(session, conv)
        assert conv.assignee_id is None and entry is not None and entry.priority > 0


def test_angry_customer_gets_a_senior_agent_and_the_supervisor_is_told(session, world):
    with clock.frozen(T0):
        agent(session, world, "junior", skills={"售后": 2})
        senior = agent(session, world, "senior", skills={"售后": 4})
        session.scalars(select(AgentPresence)).all()
        conv = customer_writes(session, world, "你们就是骗子，我要投诉到12315！")
        assert conv.assignee_id == senior.id
        supervisor = world.staff[Role.supervisor]
        notes = session.scalars(
            select(Notification).where(Notification.staff_id == supervisor.id)
        ).all()
        assert [n.kind for n in notes] == ["routing.angry"]
        alert = _events(session, "routing.alert", world.workspace.id)
        assert [(e.conversation_id, e.payload["kind"]) for e in alert] == [(conv.id, "angry")]
        # A calm customer is not an alert and may go to the junior agent.
        calm = customer_writes(session, world, "请问什么时候发货？")
        assert calm.assignee_id != senior.id
        assert len(_events(session, "routing.alert", world.workspace.id)) == 1


def test_angry_while_waiting_moves_up_to_a_senior(session, world):
    with clock.frozen(T0):
        conv = customer_writes(session, world, "在吗")
        entry = entry_of(session, conv)
        assert entry is not None and entry.needs["senior"] is False
        conversations.post_message(
            session,
            actor=_customer(world, conv),
            conversation_id=conv.id,
            body="等了这么久，垃圾服务，退钱！",
        )
        session.refresh(entry)
        assert entry.needs["senior"] is True and entry.priority >= 20
        agent(session, world, "junior2")
        session.refresh(conv)
        assert conv.assignee_id is None  # a junior coming online does not take it
        lead = agent(session, world, "lead2", role=Role.team_lead)
        session.refresh(conv)
        assert conv.assignee_id == lead.id  # a team lead is senior


def _customer(world, conv):
    from kefu.auth.actor import Actor

    return Actor.customer(world.workspace.id, conv.customer_id)


def test_p1_ticket_needs_a_senior(session, world):
    with clock.frozen(T0):
        agent(session, world, "junior")
        senior = agent(session, world, "senior", skills={"退款": 5})
        conv = _new_conversation(session, world)
        got = service.need_human(session, world.system, conv.id, "ticket", {"priority": "P1"})
        assert got.staff_id == senior.id
        assert _events(session, "routing.alert", world.workspace.id)[-1].payload["kind"] == "p1"


def test_caps_per_channel_class(session, world):
    with clock.frozen(T0):
        a = agent(session, world, "capped")
        admin.set_caps(session, actor=world.system, staff_id=a.id, caps={"chat": 2})
        first = customer_writes(session, world)
        second = customer_writes(session, world)
        assert first.assignee_id == second.assignee_id == a.id
        third = customer_writes(session, world)
        assert third.assignee_id is None and entry_of(session, third) is not None
        # The chat cap does not touch calls: one call still fits, a second does not.
        call = customer_writes(session, world, kind=ChannelKind.phone)
        assert call.assignee_id == a.id
        call2 = customer_writes(session, world, kind=ChannelKind.phone)
        assert call2.assignee_id is None
        mail = customer_writes(session, world, kind=ChannelKind.email)
        assert mail.assignee_id == a.id
        info = admin.agents(session, actor=world.system, staff_id=a.id)[0]
        assert dict(info.agent.load) == {"chat": 2, "call": 1, "email": 1}
        # Raising the cap pulls the waiting chat at once.
        admin.set_caps(session, actor=world.system, staff_id=a.id, caps={"chat": 3})
        session.refresh(third)
        assert third.assignee_id == a.id


def test_sticky_to_the_last_agent_within_n_days(session, world):
    with clock.frozen(T0) as clk:
        first = agent(session, world, "first")
        conv = customer_writes(session, world)
        assert conv.assignee_id == first.id
        close(session, world, conv)
        second = agent(session, world, "second")
        # The second agent is as loaded and has never been assigned (longest idle): sticky wins.
        again = customer_writes(session, world, customer_id=conv.customer_id)
        assert again.assignee_id == first.id
        routed = _events(session, "conversation.routed", world.workspace.id)[-1]
        assert routed.payload["reason"] == "sticky"
        close(session, world, again)
        # Sticky agent not available: routed as usual.
        set_state(session, world, first, Presence.away)
        third = customer_writes(session, world, customer_id=conv.customer_id)
        assert third.assignee_id == second.id
        close(session, world, third)
        # Past the sticky window the customer is anyone's.
        set_state(session, world, first, Presence.online)
        clk.advance(timedelta(days=8))
        set_state(session, world, first, Presence.online)
        set_state(session, world, second, Presence.online)
        later = customer_writes(session, world, customer_id=conv.customer_id)
        routed = _events(session, "conversation.routed", world.workspace.id)[-1]
        assert later.assignee_id is not None and routed.payload["reason"] == "least_loaded"


def test_overflow_to_another_team_after_the_threshold(runtime, session, world):
    with clock.frozen(T0) as clk:
        pre = team(session, world, "售前")
        post = team(session, world, "售后")
        agent(session, world, "pre-busy", teams=(pre,), state=Presence.offline)
        helper = agent(session, world, "post-agent", teams=(post,))
        admin.update_settings(
            session,
            actor=world.system,
            changes={
                "default_team_id": pre.id,
                "overflow_after_s": 300,
                "overflow": [{"team_id": pre.id, "to_team_id": post.id}],
            },
        )
        conv = customer_writes(session, world)
        entry = entry_of(session, conv)
        assert entry is not None and entry.team_id == pre.id and conv.assignee_id is None
        session.commit()
        clk.advance(timedelta(seconds=299))
        timers.sweep(runtime.sessions)
        session.expire_all()
        assert entry_of(session, conv) is not None and conv.assignee_id is None
        clk.advance(timedelta(seconds=1))
        assert timers.sweep(runtime.sessions).fired >= 1
        session.expire_all()
        assert conv.assignee_id == helper.id
        moved = session.get(QueueEntry, entry.id)
        assert moved is not None
        assert moved.team_id == post.id and moved.overflow_hops == 1
        assert moved.status is EntryStatus.assigned and moved.assigned_to_id == helper.id
        over = _events(session, "conversation.overflowed", world.workspace.id)
        assert [(e.payload["from_team_id"], e.payload["to_team_id"]) for e in over] == [
            (pre.id, post.id)
        ]


def test_away_and_offline_agents_get_nothing_and_online_agents_pull(session, world):
    with clock.frozen(T0):
        away = agent(session, world, "away", state=Presence.away)
        agent(session, world, "offline", state=Presence.offline)
        conv = customer_writes(session, world)
        assert conv.assignee_id is None
        set_state(session, world, away, Presence.online)  # coming online pulls the waiting chat
        session.refresh(conv)
        assert conv.assignee_id == away.id
        changed = _events(session, "presence.changed", world.workspace.id)
        assert changed[-1].payload == {
            "staff_id": away.id,
            "state": "online",
            "auto": False,
            "load": {"chat": 1},
        }


def test_auto_away_after_minutes_without_activity(runtime, session, world):
    with clock.frozen(T0) as clk:
        admin.update_settings(session, actor=world.system, changes={"auto_away_after_min": 10})
        idle = agent(session, world, "idle")
        session.commit()
        clk.advance(timedelta(minutes=10))
        # Computed, not swept: silent for 10 minutes, the agent counts as away at once.
        conv = customer_writes(session, world)
        assert conv.assignee_id is None
        info = admin.agents(session, actor=world.system, staff_id=idle.id)[0]
        assert info.state is Presence.away
        session.commit()
        # The sweep tells the supervisor board, once.
        timers.sweep(runtime.sessions)
        timers.sweep(runtime.sessions)
        session.expire_all()
        autos = [
            e.payload["state"]
            for e in _events(session, "presence.changed", world.workspace.id)
            if e.payload["auto"]
        ]
        assert autos == ["away"]
        # Activity brings them back, and they take the waiting conversation.
        presence.touch(session, workspace_id=world.workspace.id, staff_id=idle.id)
        session.refresh(conv)
        assert conv.assignee_id == idle.id


def test_activity_postpones_auto_away(runtime, session, world):
    with clock.frozen(T0) as clk:
        busy = agent(session, world, "busy")
        conv = customer_writes(session, world)
        assert conv.assignee_id == busy.id
        clk.advance(timedelta(minutes=14))
        conversations.post_message(
            session, actor=as_actor(world, busy), conversation_id=conv.id, body="您好，马上查"
        )
        session.commit()
        clk.advance(timedelta(minutes=2))  # 16 minutes after going online, 2 after the reply
        timers.sweep(runtime.sessions)
        session.expire_all()
        info = admin.agents(session, actor=world.system, staff_id=busy.id)[0]
        assert info.state is Presence.online
        assert not [
            e for e in _events(session, "presence.changed", world.workspace.id) if e.payload["auto"]
        ]
        clk.advance(timedelta(minutes=14))
        timers.sweep(runtime.sessions)
        session.expire_all()
        autos = [
            e for e in _events(session, "presence.changed", world.workspace.id) if e.payload["auto"]
        ]
        assert [e.payload["state"] for e in autos] == ["away"]


def test_least_loaded_then_longest_idle(session, world):
    with clock.frozen(T0) as clk:
        a = agent(session, world, "a")
        b = agent(session, world, "b")
        # Neither ever assigned: the lower id (a stable tie-break) gets the first.
        assert customer_writes(session, world).assignee_id == a.id
        clk.advance(timedelta(seconds=5))
        # a has one, b none: least loaded.
        assert customer_writes(session, world).assignee_id == b.id
        clk.advance(timedelta(seconds=5))
        # One each: a was assigned longer ago (longest idle).
        assert customer_writes(session, world).assignee_id == a.id
        clk.advance(timedelta(seconds=5))
        assert customer_writes(session, world).assignee_id == b.id


def test_freed_capacity_takes_the_queue_in_priority_then_waiting_order(session, world):
    with clock.frozen(T0) as clk:
        skill(session, world, "VIP")
        solo = agent(session, world, "solo", skills={"VIP": 1, "售后": 4})
        admin.set_caps(session, actor=world.system, staff_id=solo.id, caps={"chat": 1})
        busy = customer_writes(session, world)
        assert busy.assignee_id == solo.id
        waiting = []
        for text, tier in (
            ("普通问题一", "regular"),
            ("普通问题二", "regular"),
            ("我是会员", "vip2"),
            ("骗子！投诉！", "regular"),
        ):
            clk.advance(timedelta(seconds=10))
            waiting.append(customer_writes(session, world, text, tier=tier))
        assert all(c.assignee_id is None for c in waiting)
        first, second, vip, angry = waiting
        status = queues.queue_status(session, first.id)
        assert status is not None and status.position == 3  # behind the angry and the VIP
        served = []
        current = busy
        for _ in waiting:
            close(session, world, current)
            session.expire_all()
            current = next(c for c in waiting if c.assignee_id == solo.id and c not in served)
            served.append(current)
        assert served == [angry, vip, first, second]
        assert queues.queue_status(session, first.id) is None


def test_channel_kind_to_class(session, world):
    with clock.frozen(T0):
        assert channel(session, world, ChannelKind.phone).kind is ChannelKind.phone


def test_overflow_goes_on_hop_by_hop_and_stops_when_served(runtime, session, world):
    with clock.frozen(T0) as clk:
        first, second, third = (team(session, world, n) for n in ("一线", "二线", "三线"))
        helper = agent(session, world, "third-agent", teams=(third,))
        admin.update_settings(
            session,
            actor=world.system,
            changes={
                "default_team_id": first.id,
                "overflow_after_s": 60,
                "overflow": [
                    {"team_id": first.id, "to_team_id": second.id},
                    {"team_id": second.id, "to_team_id": third.id},
                ],
            },
        )
        conv = customer_writes(session, world)
        entry = entry_of(session, conv)
        assert entry is not None
        session.commit()
        clk.advance(timedelta(seconds=60))
        timers.sweep(runtime.sessions)
        session.expire_all()
        assert (entry.team_id, entry.overflow_hops, conv.assignee_id) == (second.id, 1, None)
        clk.advance(timedelta(seconds=60))
        timers.sweep(runtime.sessions)
        session.expire_all()
        assert (entry.team_id, entry.overflow_hops) == (third.id, 2)
        assert conv.assignee_id == helper.id and entry.status is EntryStatus.assigned
        # Served: no overflow timer is left armed for it.
        assert not timers.armed(session, kind=service.OVERFLOW, key=f"queue:{entry.id}:2")
