"""A granted refund-type remedy reaches the shop through the orders outbox, once per grant;
vouchers stay grants for the shop to fetch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from kefu.auth.models import Role
from kefu.compensation import grants
from kefu.compensation.models import GrantStatus
from kefu.compensation.policy import CaseType, Fault, Remedy
from kefu.compensation.service import CaseRequest
from kefu.conversations.models import Message
from kefu.errors import Conflict
from kefu.orders import effects
from kefu.orders.aftersales_models import Refund, RefundStatus
from kefu.orders.ports import FakeShop
from kefu.orders.shop_models import Effect, EffectStatus
from kefu.runtime import Runtime
from tests.compensation.conftest import Shop


@pytest.fixture
def fake_shop() -> Iterator[FakeShop]:
    fake = FakeShop()
    before = effects.port_for
    effects.port_for = lambda link: fake
    try:
        yield fake
    finally:
        effects.port_for = before


def damaged(shop: Shop, order_id: int) -> CaseRequest:
    return CaseRequest(
        case_type=CaseType.damaged_parcel,
        fault=Fault.carrier,
        order_id=order_id,
        conversation_id=shop.chat,
    )


def outbox(runtime: Runtime) -> list[Effect]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Effect).order_by(Effect.id)))


def refunds(runtime: Runtime) -> list[Refund]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Refund).order_by(Refund.id)))


def give(runtime: Runtime, shop: Shop, role: Role, remedy: Remedy, amount: int, order: int):  # type: ignore[no-untyped-def]
    with runtime.sessions() as s:
        row, created = grants.grant(
            s,
            actor=shop.world.actor(role),
            case=damaged(shop, order),
            remedy=remedy,
            amount_cents=amount,
            reason="破损",
        )
        s.commit()
        return row, created


def test_a_granted_partial_refund_is_paid_once_through_the_outbox(
    runtime, shop, frozen, fake_shop
) -> None:
    row, created = give(runtime, shop, Role.agent, Remedy.partial_refund, 10_000, shop.big_order)
    assert created and row.status is GrantStatus.granted
    [effect] = outbox(runtime)
    assert effect.key == f"compensation:{row.id}" and effect.payload["amount_cents"] == 10_000
    assert effect.order_number.startswith("B-") and effect.payload["grant_id"] == row.id
    [refund] = refunds(runtime)
    assert refund.status is RefundStatus.pending and refund.amount_cents == 10_000
    # The same request again (another click, another channel): the first grant, no new effect.
    again, created = give(runtime, shop, Role.agent, Remedy.partial_refund, 10_000, shop.big_order)
    assert not created and again.id == row.id
    assert len(outbox(runtime)) == 1 and len(refunds(runtime)) == 1
    # The shop fails once, the worker backs off, then the shop applies it — once.
    fake_shop.fail_first = 1
    effects.deliver_due(runtime.sessions)
    [effect] = outbox(runtime)
    assert effect.status is EffectStatus.pending and effect.attempts == 1
    frozen.advance(timedelta(seconds=5))
    effects.deliver_due(runtime.sessions)
    frozen.advance(timedelta(hours=1))
    effects.deliver_due(runtime.sessions)
    assert fake_shop.calls == 2
    assert list(fake_shop.applied) == [f"compensation:{row.id}"]
    assert fake_shop.applied[f"compensation:{row.id}"][1]["amount_cents"] == 10_000
    [effect] = outbox(runtime)
    assert effect.status is EffectStatus.delivered
    [refund] = refunds(runtime)
    assert refund.status is RefundStatus.confirmed


def test_a_refund_above_authority_is_paid_only_when_approved_and_only_once(
    runtime, shop, frozen, fake_shop
) -> None:
    row, _ = give(runtime, shop, Role.agent, Remedy.partial_refund, 50_000, shop.big_order)
    assert row.status is GrantStatus.pending_approval
    assert outbox(runtime) == [] and refunds(runtime) == []
    lead = shop.world.actor(Role.supervisor)
    for _ in range(2):  # a double click on "approve"
        with runtime.sessions() as s:
            grants.approve(s, actor=lead, grant_id=row.id)
            s.commit()
    [effect] = outbox(runtime)
    assert effect.key == f"compensation:{row.id}" and effect.payload["amount_cents"] == 50_000
    effects.deliver_due(runtime.sessions)
    assert fake_shop.calls == 1


def test_a_rejected_request_pays_nothing(runtime, shop, frozen) -> None:
    row, _ = give(runtime, shop, Role.agent, Remedy.partial_refund, 50_000, shop.big_order)
    with runtime.sessions() as s:
        grants.reject(s, actor=shop.world.actor(Role.supervisor), grant_id=row.id, note="太多")
        s.commit()
    assert outbox(runtime) == [] and refunds(runtime) == []


def refunded_before(runtime: Runtime, shop: Shop, cents: int) -> None:
    """An earlier refund on the ¥20 order (a return, 价保)."""
    with runtime.sessions() as s:
        s.add(
            Refund(
                workspace_id=shop.world.workspace.id,
                key="earlier",
                order_number=f"S-{shop.world.workspace.key}",
                kind="refund",
                amount_cents=cents,
            )
        )
        s.commit()


def test_a_refund_never_exceeds_what_is_left_of_the_order(runtime, shop, frozen) -> None:
    # ¥20 order: a full refund of ¥20 is paid; with an earlier ¥15 refund only ¥5 would be left.
    refunded_before(runtime, shop, 1_500)
    row, _ = give(runtime, shop, Role.agent, Remedy.full_refund, 2_000, shop.small_order)
    assert row.status is GrantStatus.granted
    [effect] = outbox(runtime)
    assert effect.payload["amount_cents"] == 500
    # The grant says what is paid, and so does the customer's message: never ¥20 promised while
    # the shop is asked for ¥5.
    assert row.amount_cents == 500
    with runtime.sessions() as s:
        [told] = s.scalars(select(Message.body).where(Message.conversation_id == shop.chat))
    assert "¥5.00" in told and "¥20.00" not in told


def test_nothing_left_on_the_order_is_refused_not_announced(runtime, shop, frozen) -> None:
    refunded_before(runtime, shop, 2_000)
    with pytest.raises(Conflict) as refused:
        give(runtime, shop, Role.agent, Remedy.partial_refund, 500, shop.small_order)
    assert refused.value.code == "compensation.nothing_left"
    with runtime.sessions() as s:
        assert s.scalars(select(Message).where(Message.conversation_id == shop.chat)).all() == []


def test_a_voucher_stays_a_grant_for_the_shop_to_fetch(runtime, shop, frozen) -> None:
    with runtime.sessions() as s:
        row, _ = grants.grant(
            s,
            actor=shop.world.actor(Role.agent),
            case=CaseRequest(
                case_type=CaseType.late_shipment, fault=Fault.warehouse, order_id=shop.small_order
            ),
            remedy=Remedy.voucher,
            amount_cents=500,
        )
        s.commit()
    assert row.status is GrantStatus.granted
    assert outbox(runtime) == [] and refunds(runtime) == []
