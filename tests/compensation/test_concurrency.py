"""Exactly once under real concurrency: 50 threads released together by a barrier, each with its
own connection and transaction, on a fresh database. On PostgreSQL they really overlap (the
workspace's advisory lock orders them; without it the limit test gives 28 grants instead of 3); on
SQLite they queue for its single writer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.compensation import grants
from kefu.compensation.models import Grant
from kefu.compensation.policy import CaseType, Fault, Remedy
from kefu.compensation.service import CaseRequest
from kefu.config import Settings
from kefu.conversations.models import Message
from kefu.errors import Conflict
from kefu.orders import cancellation
from kefu.orders.aftersales_models import Refund
from kefu.runtime import build
from kefu.timeline.models import Event
from tests.compensation.conftest import make_shop
from tests.conftest import fresh_database
from tests.factories import make_world
from tests.orders.helpers import make_order

THREADS = 50


def hammer(rt: Any, calls: list[Any]) -> list[tuple[int, bool] | str]:
    """Run the calls at once (a barrier releases them together); each returns (id, created)."""
    barrier = threading.Barrier(len(calls))

    def one(call: Any) -> tuple[int, bool] | str:
        with rt.sessions() as s:
            barrier.wait()
            try:
                row, created = call(s)
                s.commit()
                return row.id, created
            except grants.LimitReached as exc:
                return exc.code

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


@pytest.fixture
def setup(db_kind: str, tmp_path: Any):  # type: ignore[no-untyped-def]
    with fresh_database(db_kind, str(tmp_path), "kefu_comp_once") as url:
        rt = build(Settings(database_url=url, worker_in_process=False))
        with rt.sessions() as s:
            world = make_world(s, key="once")
            s.commit()
        try:
            yield rt, world, make_shop(rt, world)
        finally:
            rt.close()


def test_fifty_identical_grant_requests_give_one_grant(setup) -> None:  # type: ignore[no-untyped-def]
    rt, world, shop = setup
    case = CaseRequest(
        case_type=CaseType.late_shipment,
        fault=Fault.warehouse,
        order_id=shop.small_order,
        conversation_id=shop.chat,
    )
    actor = world.actor()

    def call(s: Any) -> Any:
        return grants.grant(s, actor=actor, case=case, remedy=Remedy.voucher, amount_cents=600)

    results = hammer(rt, [call] * THREADS)
    ids = {r[0] for r in results if isinstance(r, tuple)}
    assert len(ids) == 1 and sorted(r[1] for r in results if isinstance(r, tuple)) == [False] * (
        THREADS - 1
    ) + [True]
    with rt.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Grant)) == 1
        granted = select(func.count()).where(Event.type == "compensation.granted")
        assert s.scalar(granted) == 1
        told = select(func.count()).where(Message.conversation_id == shop.chat)
        assert s.scalar(told) == 1


def test_fifty_concurrent_requests_for_different_remedies_of_one_case_give_one(setup) -> None:  # type: ignore[no-untyped-def]
    rt, world, shop = setup
    case = CaseRequest(case_type=CaseType.late_shipment, fault=Fault.shop, order_id=shop.big_order)
    remedies = [Remedy.voucher, Remedy.points] * (THREADS // 2)

    def call_for(remedy: Remedy) -> Any:
        return lambda s: grants.grant(
            s, actor=world.actor(), case=case, remedy=remedy, amount_cents=10_000
        )

    results = hammer(rt, [call_for(r) for r in remedies])
    assert len({r[0] for r in results if isinstance(r, tuple)}) == 1
    assert {r for r in results if isinstance(r, str)} == {"compensation.one_remedy_per_case"}
    with rt.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Grant)) == 1


def test_a_per_customer_limit_holds_under_concurrency(setup) -> None:  # type: ignore[no-untyped-def]
    rt, world, shop = setup

    # Default policy: 3 grants per customer in 30 days. Fifty distinct cases race for them.
    def call_for(i: int) -> Any:
        case = CaseRequest(
            case_type=CaseType.service_failure, fault=Fault.shop, customer_id=shop.customer_id
        )
        return lambda s: grants.grant(
            s,
            actor=world.actor(),
            case=case,
            remedy=Remedy.voucher,
            amount_cents=100,
            case_key=f"k{i}",
        )

    results = hammer(rt, [call_for(i) for i in range(THREADS)])
    assert len([r for r in results if isinstance(r, tuple)]) == 3
    assert results.count("compensation.customer_limit") == THREADS - 3


def test_an_approval_and_a_cancel_at_once_never_refund_more_than_was_paid(setup) -> None:  # type: ignore[no-untyped-def]
    """The payout locks the order as every order action does: either the cancel refunds what the
    compensation left, or the approval finds nothing left and is refused — never both in full."""
    rt, world, _ = setup
    for i in range(8):
        with rt.sessions() as s:
            order = make_order(s, world, number=f"T-{i}", member=f"MT{i}", price=1000_00)
            row, _ = grants.grant(  # a bot asks; above its authority, it waits for a supervisor
                s,
                actor=Actor(kind="bot", workspace_id=world.workspace.id),
                case=CaseRequest(
                    case_type=CaseType.damaged_parcel, fault=Fault.carrier, order_id=order.id
                ),
                remedy=Remedy.partial_refund,
                amount_cents=60_00,
            )
            s.commit()
            customer = Actor.customer(world.workspace.id, order.customer_id)
            order_id, grant_id = order.id, row.id
        barrier = threading.Barrier(2)
        with ThreadPoolExecutor(max_workers=2) as pool:
            calls = [
                pool.submit(_approve, rt, barrier, world.actor(Role.supervisor), grant_id),
                pool.submit(_cancel, rt, barrier, customer, order_id),
            ]
            for call in calls:
                call.result()
        with rt.sessions() as s:
            total = s.scalar(
                select(func.sum(Refund.amount_cents)).where(Refund.order_number == f"T-{i}")
            )
        assert total == 1000_00  # all of it went back, once


def _approve(rt: Any, barrier: threading.Barrier, supervisor: Actor, grant_id: int) -> None:
    with rt.sessions() as s:
        barrier.wait()
        try:
            grants.approve(s, actor=supervisor, grant_id=grant_id)
            s.commit()
        except Conflict as exc:
            assert exc.code == "compensation.nothing_left"


def _cancel(rt: Any, barrier: threading.Barrier, customer: Actor, order_id: int) -> None:
    with rt.sessions() as s:
        barrier.wait()
        cancellation.cancel(s, actor=customer, order_id=order_id, reason="不要了")
        s.commit()
