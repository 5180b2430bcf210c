"""Order changes reach the agents who are looking at that customer, as ids, and nobody else.

The workbench says which customer it shows (`view`); an order, parcel, after-sales or refund
event of that customer is pushed as `{"type": "orders", customer_id, order_id, event}` so the
orders panel re-reads it through the API. Agents looking at another customer, or at none, get
nothing: a bulk import must not flood every open workbench.
"""

from __future__ import annotations

from kefu.auth.models import Role
from tests.orders.helpers import make_order
from tests.realtime.conftest import expect, staff_hello

STAFF = "/api/v1/ws"


def view(ws, customer_id):
    """Say which customer this workbench shows; the pong means the server has taken it."""
    ws.send_json({"type": "view", "customer_id": customer_id})
    ws.send_json({"type": "ping"})
    return expect(ws, "pong")["skipped"]


def test_order_changes_are_pushed_to_the_agents_viewing_that_customer(client, shop, rt):
    with rt.sessions() as s:
        first = make_order(s, shop, number="SO-P1", member="M1")
        other = make_order(s, shop, number="SO-Q1", member="M2")
        s.commit()
        mine, theirs = first.customer_id, other.customer_id
    with (
        client.websocket_connect(STAFF) as viewer,
        client.websocket_connect(STAFF) as elsewhere,
        client.websocket_connect(STAFF) as idle,
    ):
        staff_hello(viewer, shop.tokens[Role.agent])
        staff_hello(elsewhere, shop.tokens[Role.team_lead])
        staff_hello(idle, shop.tokens[Role.supervisor])
        view(viewer, mine)
        view(elsewhere, theirs)
        with rt.sessions() as s:
            second = make_order(s, shop, number="SO-P2", member="M1")
            s.commit()
            second_id = second.id
        frame = expect(viewer, "orders")
        assert frame["customer_id"] == mine and frame["order_id"] == second_id
        assert frame["event"] == "order.created"
        # The hub pushed to every socket before the viewer's frame went out; a pong queues
        # behind anything pushed.
        for ws in (elsewhere, idle):
            ws.send_json({"type": "ping"})
            assert all(f["type"] != "orders" for f in expect(ws, "pong")["skipped"])
        # A bad frame is an error and changes nothing; looking away stops the pushes.
        assert [f["type"] for f in view(viewer, "SO-P1")] == ["error"]
        view(viewer, None)
        view(elsewhere, mine)
        with rt.sessions() as s:
            third = make_order(s, shop, number="SO-P3", member="M1")
            s.commit()
            third_id = third.id
        assert expect(elsewhere, "orders")["order_id"] == third_id  # the hub is past SO-P3
        view(viewer, mine)
        with rt.sessions() as s:
            fourth = make_order(s, shop, number="SO-P4", member="M1")
            s.commit()
            fourth_id = fourth.id
        # Notices are delivered in order: had SO-P3's been pushed, it would come first.
        frame = expect(viewer, "orders")
        assert frame["order_id"] == fourth_id and frame["skipped"] == []
