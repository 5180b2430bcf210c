"""The routing API and the seams for the realtime hub and the bot: presence, boards, settings,
caps, queue status, need_human, and the events the hub pushes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.routing import admin, queues, service
from kefu.routing.models import Presence
from kefu.timeline.models import Event
from tests.routing.helpers import T0, agent, customer_writes, set_state, team


def test_presence_boards_and_caps_over_http(client, runtime, world):
    with clock.frozen(T0):
        with runtime.sessions() as s:
            conv = customer_writes(s, world, "请问发货了吗")
            s.commit()
        # Waiting: the queues board shows it, and how long.
        with clock.frozen(T0 + timedelta(seconds=90)):
            r = client.get("/api/v1/routing/queues", headers=world.headers(Role.analyst))
            assert r.status_code == 200
            anyone = r.json()["items"][0]
            assert anyone["team_id"] is None
            assert (anyone["waiting"], anyone["longest_wait_s"]) == (1, 90)
            # The agent comes online and is handed the waiting conversation at once.
            r = client.put(
                "/api/v1/routing/presence", json={"state": "online"}, headers=world.headers()
            )
            assert r.status_code == 200 and r.json()["state"] == "online"
            me = world.staff[Role.agent].id
            got = client.get(f"/api/v1/conversations/{conv.id}", headers=world.headers())
            assert got.json()["assignee_id"] == me
            board = client.get("/api/v1/routing/agents", headers=world.headers()).json()["items"]
            mine = next(a for a in board if a["staff_id"] == me)
            assert mine["state"] == "online" and mine["load"] == {"chat": 1, "call": 0, "email": 0}
            assert mine["caps"] == {"chat": 8, "call": 1, "email": 20}
            assert all(a["role"] != "analyst" for a in board)  # analysts take no conversations
            # Caps: a manager's call; an agent may not.
            url = f"/api/v1/routing/agents/{me}/caps"
            assert client.put(url, json={"chat": 3}, headers=world.headers()).status_code == 403
            r = client.put(url, json={"chat": 3}, headers=world.headers(Role.team_lead))
            assert r.status_code == 200 and r.json()["caps"]["chat"] == 3
            r = client.put(url, json={"chat": None}, headers=world.headers(Role.team_lead))
            assert r.json()["caps"]["chat"] == 8
            analyst = world.staff[Role.analyst].id
            r = client.put(
                f"/api/v1/routing/agents/{analyst}/caps",
                json={"chat": 3},
                headers=world.headers(Role.admin, lang="en"),
            )
            assert r.status_code == 422 and r.json()["code"] == "routing.not_routable"


def test_settings_validation_and_tenancy(client, runtime, world, other_world):
    with runtime.sessions() as s:
        mine, theirs = team(s, world, "一线"), team(s, other_world, "一线")
        second = team(s, world, "二线")
        s.commit()
    url = "/api/v1/routing/settings"
    admin = world.headers(Role.admin, lang="en")
    assert client.get(url, headers=world.headers()).status_code == 403
    r = client.get(url, headers=admin)
    assert r.status_code == 200 and r.json()["caps"] == {"chat": 8, "call": 1, "email": 20}
    assert r.json()["sticky_days"] == 7 and r.json()["overflow"] == []
    r = client.put(
        url,
        json={
            "caps": {"chat": 12},
            "sticky_days": 3,
            "overflow": [{"team_id": mine.id, "to_team_id": second.id}],
            "default_team_id": mine.id,
        },
        headers=admin,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["caps"] == {"chat": 12, "call": 1, "email": 20}
    assert body["overflow"] == [{"team_id": mine.id, "to_team_id": second.id}]
    assert body["default_team_id"] == mine.id and body["sticky_days"] == 3
    # Only what is given changes.
    r = client.put(url, json={"auto_away_after_min": 5}, headers=admin)
    assert r.json()["caps"]["chat"] == 12 and r.json()["auto_away_after_min"] == 5
    # Another workspace's team is a team that does not exist.
    r = client.put(url, json={"default_team_id": theirs.id}, headers=admin)
    missing = client.put(url, json={"default_team_id": 2**61}, headers=admin)
    assert r.status_code == missing.status_code == 404 and r.json() == missing.json()
    bad = [
        {"overflow": [{"team_id": mine.id, "to_team_id": mine.id}]},
        {"caps": {"chat": -1}},
        {"caps": {"chat": 1000}},
        {"sticky_days": 10_000},
        {"vip_tiers": ["vip 1"]},
        {
            "overflow": [
                {"team_id": mine.id, "to_team_id": second.id},
                {"team_id": mine.id, "to_team_id": second.id},
            ]
        },
    ]
    for payload in bad:
        assert client.put(url, json=payload, headers=admin).status_code == 422, payload


def test_queue_status_for_the_widget(session, world):
    with clock.frozen(T0) as clk:
        convs = []
        for _ in range(3):
            convs.append(customer_writes(session, world))
            clk.advance(timedelta(seconds=30))
        status = queues.queue_status(session, convs[2].id)
        assert status is not None and status.position == 3
        # Nobody online, no recent assignment: a typical chat's length per place.
        assert status.estimated_wait_s == 3 * queues.DEFAULT_HANDLE_S
        assert status.offers == ["leave_message", "callback"]
        # Two agents online halve the pace.
        agent(session, world, "x", state=Presence.away)
        agent(session, world, "y", state=Presence.away)
        a = agent(session, world, "z", state=None)
        admin.set_caps(session, actor=world.system, staff_id=a.id, caps={"chat": 1})
        set_state(session, world, a, Presence.online)  # takes the first in line, and is full
        assert queues.queue_status(session, convs[0].id) is None
        status = queues.queue_status(session, convs[2].id)
        assert status is not None and status.position == 2
        # Recent assignments set the pace: one in the last 60 s → a place a minute.
        clk.advance(timedelta(seconds=60))
        status = queues.queue_status(session, convs[2].id)
        assert status is not None and status.estimated_wait_s == 2 * 60
        assert a.id is not None


def test_need_human_from_the_bot_the_customer_and_staff(session, world):
    with clock.frozen(T0):
        after_sales = team(session, world, "售后一组", kind=_kind("after_sales"))
        specialist = agent(session, world, "spec", teams=(after_sales,))
        general = agent(session, world, "gen")
        from kefu.conversations import service as conversations
        from kefu.customers import service as customers

        assert world.chat is not None
        c = customers.create(session, actor=world.system, display_name="顾客")
        conv = conversations.create(
            session, actor=world.system, channel_id=world.chat.id, customer_id=c.id
        )
        bot = Actor(kind="bot", workspace_id=world.workspace.id)
        got = service.need_human(
            session, bot, conv.id, "bot_handoff", {"team_kind": "after_sales", "text": "退货"}
        )
        assert got.staff_id == specialist.id and got.reason == "least_loaded"
        again = service.need_human(session, bot, conv.id, "bot_handoff")
        assert again.reason == "already_assigned"
        # A customer may ask for a human only in their own conversation.
        other = customers.create(session, actor=world.system, display_name="别人")
        conv2 = conversations.create(
            session, actor=world.system, channel_id=world.chat.id, customer_id=c.id
        )
        import pytest

        from kefu.errors import NotFound

        with pytest.raises(NotFound):
            service.need_human(
                session, Actor.customer(world.workspace.id, other.id), conv2.id, "转人工"
            )
        got = service.need_human(
            session, Actor.customer(world.workspace.id, c.id), conv2.id, "转人工"
        )
        assert (got.staff_id, got.reason) == (specialist.id, "sticky")  # served them before
        assert general.id != specialist.id
        # Another workspace's conversation is one that does not exist.
        with pytest.raises(NotFound):
            service.need_human(session, Actor(kind="bot", workspace_id=10**9), conv2.id, "x")


def _kind(value):
    from kefu.auth.models import TeamKind

    return TeamKind(value)


def test_events_for_the_realtime_hub(session, world):
    with clock.frozen(T0):
        conv = customer_writes(session, world)
        a = agent(session, world, "hub")
        types = [
            (e.type, e.payload)
            for e in session.scalars(
                select(Event)
                .where(Event.workspace_id == world.workspace.id, Event.type.like("%.%"))
                .order_by(Event.id)
            )
            if e.type.startswith(("conversation.", "presence."))
        ]
        names = [t for t, _ in types]
        assert names[-5:] == [
            "conversation.created",
            "conversation.queued",
            "conversation.assigned",
            "conversation.routed",
            "presence.changed",
        ]
        queued = dict(types)["conversation.queued"]
        assert queued["priority"] == 0 and queued["reason"] == "customer_message"
        assert dict(types)["conversation.routed"] == {"to": a.id, "reason": "pulled"}
        assert conv.id
