"""Transfer to a team (routed again within it) and the customer's "a human, please" button."""

from __future__ import annotations

from kefu import clock
from kefu.auth.models import Role
from kefu.auth.secrets import sign_widget_token
from kefu.routing.models import Presence
from tests.routing.helpers import T0, agent, customer_writes, entry_of, set_state, team


def test_a_transfer_to_a_team_goes_to_its_member_or_waits_in_its_queue(client, runtime, world):
    with clock.frozen(T0):
        with runtime.sessions() as s:
            front, after_sales = team(s, world, "一线"), team(s, world, "售后")
            first = agent(s, world, "一线小王", teams=(front,))
            expert = agent(s, world, "售后老李", teams=(after_sales,), state=Presence.offline)
            conv = customer_writes(s, world, "收到的杯子碎了")
            assert conv.assignee_id == first.id
            s.commit()
        url = f"/api/v1/routing/conversations/{conv.id}/transfer"

        # Nobody of the team online: off the first agent, into the team's queue, place 1.
        r = client.post(url, json={"team_id": after_sales.id}, headers=world.headers())
        assert r.status_code == 200, r.text
        assert r.json() | {"reason": "-"} == {
            "conversation_id": conv.id,
            "staff_id": None,
            "reason": "-",
            "position": 1,
            "estimated_wait_s": r.json()["estimated_wait_s"],
        }
        with runtime.sessions() as s:
            entry = entry_of(s, conv)
            assert entry is not None and entry.team_id == after_sales.id
        shown = client.get(f"/api/v1/conversations/{conv.id}", headers=world.headers()).json()
        assert shown["assignee_id"] is None

        # The team's member comes online and is handed it from the team's queue.
        with runtime.sessions() as s:
            set_state(s, world, s.merge(expert), Presence.online)
            s.commit()
        shown = client.get(f"/api/v1/conversations/{conv.id}", headers=world.headers()).json()
        assert shown["assignee_id"] == expert.id

        # Transferred again to a team with someone online: assigned at once, not queued twice.
        r = client.post(url, json={"team_id": front.id}, headers=world.headers())
        assert (r.json()["staff_id"], r.json()["position"]) == (first.id, None)
        with runtime.sessions() as s:
            assert entry_of(s, conv) is None


def test_a_transfer_needs_a_team_of_this_workspace_and_the_right_to_converse(
    client, runtime, world, other_world
):
    with runtime.sessions() as s:
        theirs = team(s, other_world, "别家售后")
        conv = customer_writes(s, world, "你好")
        s.commit()
    url = f"/api/v1/routing/conversations/{conv.id}/transfer"
    r = client.post(url, json={"team_id": theirs.id}, headers=world.headers(lang="en"))
    assert r.status_code == 404 and "team" in r.json()["detail"]
    r = client.post(url, json={"team_id": theirs.id}, headers=world.headers(Role.analyst))
    assert r.status_code == 403
    r = client.post(url, json={"team_id": 0}, headers=world.headers())
    assert r.status_code == 422


def test_the_customer_asks_for_a_human_and_learns_their_place(client, runtime, world):
    with clock.frozen(T0):
        token = sign_widget_token(
            world.workspace.widget_secret,
            {"ws": world.workspace.key, "sub": "m-42", "exp": int(T0.timestamp()) + 600},
        )
        me = {"X-Kefu-Workspace": world.workspace.key, "X-Kefu-Customer-Token": token}
        started = client.post("/api/v1/widget/conversations", headers=me)
        assert started.status_code == 201, started.text
        conv_id = started.json()["id"]
        # Nobody online: waiting, with a place in the queue.
        r = client.post(f"/api/v1/widget/conversations/{conv_id}/human", headers=me)
        assert r.status_code == 200, r.text
        assert (r.json()["with_agent"], r.json()["position"]) == (False, 1)
        # Asking again keeps the one place (no second queue entry).
        again = client.post(f"/api/v1/widget/conversations/{conv_id}/human", headers=me)
        assert again.json()["position"] == 1
        # An agent online takes the next one asked for at once.
        with runtime.sessions() as s:
            agent(s, world, "在线小张")
            s.commit()
        shown = client.get(f"/api/v1/conversations/{conv_id}", headers=world.headers())
        assert shown.json()["assignee_id"] is not None

        # Someone else's conversation: not theirs to route.
        other = sign_widget_token(
            world.workspace.widget_secret,
            {"ws": world.workspace.key, "sub": "m-43", "exp": int(T0.timestamp()) + 600},
        )
        stranger = {**me, "X-Kefu-Customer-Token": other}
        r = client.post(f"/api/v1/widget/conversations/{conv_id}/human", headers=stranger)
        assert r.status_code == 404
