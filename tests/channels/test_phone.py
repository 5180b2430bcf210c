"""Phone over HTTP: call records on the timeline, callbacks that are promises, kept by a call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from kefu import clock
from kefu.auth.models import Role
from kefu.conversations.models import Conversation
from kefu.runtime import Runtime
from kefu.sla.models import Promise, PromiseKind, PromiseStatus
from kefu.timeline.models import Event
from kefu.timers import service as timers
from tests.channels.conftest import Doors, customer_headers
from tests.factories import World

CALLER = "13812345678"


def call(client: Any, world: World, **over: Any) -> Any:
    now = clock.now()
    body = {
        "external_id": "cc-1",
        "direction": "inbound",
        "number": "+86 138-1234-5678",
        "outcome": "answered",
        "started_at": (now - timedelta(minutes=5)).isoformat(),
        "ended_at": now.isoformat(),
        "agent_id": world.staff[Role.agent].id,
        "recording_url": "https://cc.example.com/rec/1.mp3",
        **over,
    }
    return client.post("/api/v1/calls", headers=world.headers(), json=body)


def test_a_call_record_lands_on_the_callers_timeline_once(
    client: Any, world: World, doors: Doors
) -> None:
    first = call(client, world)
    assert first.status_code == 201, first.text
    got = first.json()
    assert got["number_masked"] == "138****5678" and got["duration_s"] == 300
    again = call(client, world)
    assert again.status_code == 200 and again.json()["id"] == got["id"]
    found = client.get(
        f"/api/v1/customers?identity_kind=phone&identity_value={CALLER}", headers=world.headers()
    ).json()["items"]
    assert [c["id"] for c in found] == [got["customer_id"]]
    timeline = client.get(
        f"/api/v1/customers/{got['customer_id']}/timeline", headers=world.headers()
    ).json()["items"]
    recorded = [e for e in timeline if e["type"] == "call.recorded"]
    assert len(recorded) == 1 and recorded[0]["payload"]["outcome"] == "answered"
    assert CALLER not in str(timeline)  # the number is masked on the timeline
    assert client.get("/api/v1/callbacks", headers=world.headers()).json()["items"] == []


def test_a_call_dropped_in_the_queue_is_owed_back_and_the_callback_keeps_the_promise(
    runtime: Runtime, client: Any, world: World, doors: Doors
) -> None:
    start = clock.now()
    with clock.frozen(start):
        dropped = call(client, world, outcome="dropped_in_queue", wait_s=240, agent_id=None)
        assert dropped.status_code == 201, dropped.text
        [task] = client.get("/api/v1/callbacks?status=open", headers=world.headers()).json()[
            "items"
        ]
        assert task["source"] == "dropped_call" and task["from_call_id"] == dropped.json()["id"]
        assert task["due_at"].startswith((start + timedelta(minutes=30)).isoformat()[:16])
        with runtime.sessions() as s:
            promise = s.get(Promise, task["promise_id"])
            assert promise is not None and promise.kind is PromiseKind.callback
            assert promise.status is PromiseStatus.open
            conv = s.get(Conversation, task["conversation_id"])
            assert conv is not None and conv.channel_id == doors.phone.id
            # Routed like a chat: handed to an agent, or waiting in the queue for one.
            routed = s.scalars(
                select(Event.type).where(
                    Event.conversation_id == conv.id,
                    Event.type.in_(["conversation.queued", "conversation.assigned"]),
                )
            ).all()
            assert routed
        # A second drop before we call back does not owe a second call.
        call(client, world, external_id="cc-2", outcome="missed", agent_id=None)
        assert len(client.get("/api/v1/callbacks", headers=world.headers()).json()["items"]) == 1
    with clock.frozen(start + timedelta(minutes=20)):
        back = call(client, world, external_id="cc-3", direction="outbound")
        assert back.status_code == 201
        [done] = client.get("/api/v1/callbacks", headers=world.headers()).json()["items"]
        assert done["status"] == "done" and done["kept_by_call_id"] == back.json()["id"]
        with runtime.sessions() as s:
            promise = s.get(Promise, task["promise_id"])
            assert promise is not None and promise.status is PromiseStatus.kept
            assert promise.kept_by == f"call:{back.json()['id']}"


def test_a_callback_nobody_makes_breaks_its_promise(
    runtime: Runtime, client: Any, world: World, doors: Doors
) -> None:
    start = clock.now()
    with clock.frozen(start) as frozen:
        r = client.post(
            "/api/v1/callbacks",
            headers=world.headers(),
            json={"number": CALLER, "source": "ivr", "within_minutes": 10, "note": "按 1 回电"},
        )
        assert r.status_code == 201, r.text
        frozen.set(start + timedelta(minutes=11))
        timers.sweep(runtime.sessions)
        with runtime.sessions() as s:
            promise = s.get(Promise, r.json()["promise_id"])
            assert promise is not None and promise.status is PromiseStatus.broken
        # An answered call after the deadline closes the task, but the promise stays broken.
        call(client, world, external_id="late", direction="outbound")
        [task] = client.get("/api/v1/callbacks", headers=world.headers()).json()["items"]
        assert task["status"] == "done"


def test_call_me_back_from_the_widget(client: Any, world: World, doors: Doors) -> None:
    me = customer_headers(world, "M77", phone="13900001111")
    first = client.post("/api/v1/widget/callbacks", headers=me, json={"note": "尺码问题"})
    assert first.status_code == 201, first.text
    assert first.json()["number_masked"] == "139****1111"
    again = client.post("/api/v1/widget/callbacks", headers=me, json={})
    assert again.json()["id"] == first.json()["id"]
    mine = client.get("/api/v1/widget/callbacks", headers=me).json()["items"]
    assert [t["id"] for t in mine] == [first.json()["id"]]
    other = customer_headers(world, "M78")
    assert client.get("/api/v1/widget/callbacks", headers=other).json()["items"] == []
    nothing = client.post("/api/v1/widget/callbacks", headers=other, json={})
    assert nothing.status_code == 422 and nothing.json()["code"] == "callback.no_number"
    cancelled = client.post(
        f"/api/v1/callbacks/{first.json()['id']}/cancel",
        headers=world.headers(),
        json={"reason": "客户已自行解决"},
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_bad_call_records_are_refused_clearly(client: Any, world: World, doors: Doors) -> None:
    now = clock.now()
    cases = {
        "ends before it starts": {"ended_at": (now - timedelta(hours=1)).isoformat()},
        "naive time": {"started_at": "2026-11-23T10:00:00"},
        "not a number": {"number": "call me"},
        "year 1": {"started_at": "0001-01-01T00:00:00+00:00"},
    }
    for why, over in cases.items():
        r = call(client, world, external_id=f"bad-{len(why)}", **over)
        assert r.status_code == 422, (why, r.text)
    r = call(client, world, agent_id=2**40)
    assert r.status_code == 404
    stored = call(client, world, external_id="xss", note="<script>alert(1)</script>")
    assert stored.status_code == 201
    assert stored.json()["note"] == "<script>alert(1)</script>"  # stored inert, shown escaped


def test_whoever_takes_the_callback_answers_for_its_promise(
    runtime: Runtime, client: Any, world: World, doors: Doors
) -> None:
    r = client.post(
        "/api/v1/callbacks", headers=world.headers(), json={"number": CALLER, "source": "ivr"}
    )
    task = r.json()
    agent = world.staff[Role.agent].id
    taken = client.patch(
        f"/api/v1/conversations/{task['conversation_id']}",
        headers=world.headers(),
        json={"assignee_id": agent},
    )
    assert taken.status_code == 200, taken.text
    with runtime.sessions() as s:
        promise = s.get(Promise, task["promise_id"])
        assert promise is not None and promise.owner_id == agent
