"""Payout exactly once under real concurrency (threads released by a barrier, each with its own
connection): identical refund grants, and a double-clicked approval, queue one shop refund."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kefu.auth.models import Role
from kefu.compensation import grants
from kefu.compensation.models import GrantStatus
from kefu.compensation.policy import CaseType, Fault, Remedy
from kefu.compensation.service import CaseRequest
from kefu.orders.aftersales_models import Refund
from kefu.orders.shop_models import Effect
from tests.compensation.test_concurrency import hammer, setup  # noqa: F401 - the fixture

THREADS = 20


def damaged(order_id: int) -> CaseRequest:
    return CaseRequest(case_type=CaseType.damaged_parcel, fault=Fault.carrier, order_id=order_id)


def counts(rt: Any) -> tuple[int, int]:
    with rt.sessions() as s:
        return (
            int(s.scalar(select(func.count()).select_from(Effect)) or 0),
            int(s.scalar(select(func.count()).select_from(Refund)) or 0),
        )


def test_identical_refund_grants_at_once_queue_one_shop_refund(setup) -> None:  # noqa: F811
    rt, world, shop = setup
    agent = world.actor(Role.agent)

    def call(s: Any) -> Any:
        return grants.grant(
            s,
            actor=agent,
            case=damaged(shop.big_order),
            remedy=Remedy.partial_refund,
            amount_cents=10_000,
        )

    results = hammer(rt, [call] * THREADS)
    assert len({r[0] for r in results if isinstance(r, tuple)}) == 1
    assert counts(rt) == (1, 1)


def test_a_double_clicked_approval_queues_one_shop_refund(setup) -> None:  # noqa: F811
    rt, world, shop = setup
    with rt.sessions() as s:
        row, _ = grants.grant(
            s,
            actor=world.actor(Role.agent),
            case=damaged(shop.big_order),
            remedy=Remedy.partial_refund,
            amount_cents=50_000,
        )
        s.commit()
        assert row.status is GrantStatus.pending_approval
        grant_id = row.id
    lead = world.actor(Role.supervisor)

    def call(s: Any) -> Any:
        return grants.approve(s, actor=lead, grant_id=grant_id), True

    results = hammer(rt, [call] * THREADS)
    assert {r[0] for r in results if isinstance(r, tuple)} == {grant_id}
    assert counts(rt) == (1, 1)
