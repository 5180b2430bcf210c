"""What one self-service refund costs the database, counted: a regression test for its path.

An auto-approved refund reads the order (locked) and its lines, the policy and, in one
statement, the facts the checks need (open case, case count, refunded sum, the customer's
refunds of 30 days, blocked tags); writes the case, the refund, the shop effect and the audit
event; after commit claims the event (on PostgreSQL with synchronous_commit off). Before this
test the reads were seven statements of their own. Should a change add one, make it pay for
itself or raise the bound knowingly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from kefu.auth.actor import Actor
from kefu.orders import actions
from tests.orders.helpers import make_order

MAX_STATEMENTS = 10
# The test runtime nests each session's transaction in a savepoint of the test's own; outside
# tests those are the BEGIN and COMMIT (psycopg's BEGIN is no statement of its own), not counted.
HARNESS = ("SAVEPOINT", "RELEASE SAVEPOINT")


def test_an_auto_approved_refund_costs_a_bounded_number_of_statements(runtime, world):
    with runtime.sessions() as s:
        orders = [make_order(s, world, number=f"SO-S{i}", price=50_00) for i in range(2)]
        s.commit()
        ids = [(o.id, o.customer_id) for o in orders]
    seen: list[str] = []

    def count(_conn: Any, _cur: Any, sql: str, *_: Any) -> None:
        if not sql.startswith(HARNESS):
            seen.append(" ".join(sql.split())[:90])

    for i, (order_id, customer_id) in enumerate(ids):
        if i == 1:  # the first warmed the statement caches
            event.listen(runtime.engine, "before_cursor_execute", count)
        with runtime.sessions() as s:
            done = actions.request_refund(
                s,
                actor=Actor.customer(world.workspace.id, customer_id),
                order_id=order_id,
                reason="不想要了",
            )
            s.commit()
        assert done.outcome == "done"
    event.remove(runtime.engine, "before_cursor_execute", count)
    assert len(seen) <= MAX_STATEMENTS, "\n".join(seen)
