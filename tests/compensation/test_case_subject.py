"""One case, one key: whichever ids a channel passes for the same order's case, it is paid once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kefu.auth.models import Role
from kefu.compensation import service
from kefu.compensation.models import Grant
from kefu.compensation.policy import CaseType, Fault, Remedy
from kefu.compensation.service import CaseRequest
from kefu.errors import Conflict, Invalid
from kefu.orders.aftersales_models import Refund
from kefu.orders.models import Order
from kefu.runtime import Runtime
from kefu.tickets import service as tickets
from tests.compensation.conftest import Shop
from tests.compensation.test_grants import give

LATE = CaseType.late_shipment


def ticket_for(runtime: Runtime, shop: Shop, order_id: int | None, conversations: list[int]) -> int:
    """A ticket about `order_id` (by its number, as tickets refer to orders), linked to chats."""
    with runtime.sessions() as s:
        number = s.get(Order, order_id).number if order_id else ""  # type: ignore[union-attr]
        t = tickets.create(
            s,
            actor=shop.world.actor(Role.agent),
            subject="迟迟不发货",
            customer_id=shop.customer_id,
            order_ref=number,
            conversation_ids=conversations,
        )
        s.commit()
        return t.id


def case(**ids: int) -> CaseRequest:
    return CaseRequest(case_type=LATE, fault=Fault.warehouse, **ids)


def grant_rows(runtime: Runtime) -> list[Grant]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Grant).order_by(Grant.id)))


def test_order_with_ticket_and_order_with_conversation_are_one_case(runtime, shop, frozen) -> None:
    ticket = ticket_for(runtime, shop, shop.small_order, [shop.chat])
    agent = shop.world.actor(Role.agent)
    first, created = give(
        runtime, agent, case(order_id=shop.small_order, ticket_id=ticket), Remedy.voucher, 600
    )
    again, again_created = give(
        runtime,
        agent,
        case(order_id=shop.small_order, conversation_id=shop.chat),
        Remedy.voucher,
        600,
    )
    assert created and not again_created and again.id == first.id
    assert first.case_key == f"order:{shop.small_order}:late_shipment:voucher"


@pytest.mark.parametrize("channel", ["ticket", "conversation"])
def test_a_ticket_or_chat_about_an_order_is_that_order_s_case(
    runtime, shop, frozen, channel
) -> None:
    """The phone agent works the ticket, the chat agent the conversation, the bot the order: the
    ticket names the order (order_ref) and the chat is linked to the ticket — one case."""
    ticket = ticket_for(runtime, shop, shop.small_order, [shop.chat])
    agent = shop.world.actor(Role.agent)
    first, created = give(runtime, agent, case(order_id=shop.small_order), Remedy.voucher, 500)
    ids = {"ticket_id": ticket} if channel == "ticket" else {"conversation_id": shop.chat}
    again, again_created = give(runtime, agent, case(**ids), Remedy.voucher, 500)
    assert created and not again_created and again.id == first.id
    # Another amount is the same case paid twice, whatever the channel.
    with pytest.raises(Conflict) as twice:
        give(runtime, agent, case(**ids), Remedy.voucher, 400)
    assert twice.value.code == "compensation.already_granted"
    assert len(grant_rows(runtime)) == 1


def test_through_the_ticket_the_offer_is_the_order_s(runtime, shop, frozen) -> None:
    """Same case, same offer: the ticket's order gives the order value (30 % of ¥20 = ¥6)."""
    ticket = ticket_for(runtime, shop, shop.small_order, [])
    agent = shop.world.actor(Role.agent)
    with runtime.sessions() as s:
        by_order = service.offer(s, actor=agent, case=case(order_id=shop.small_order))
        by_ticket = service.offer(s, actor=agent, case=case(ticket_id=ticket))
    assert by_ticket.fingerprint == by_order.fingerprint


def test_a_ticket_and_an_order_that_disagree_are_refused(runtime, shop, frozen) -> None:
    ticket = ticket_for(runtime, shop, shop.small_order, [])
    with pytest.raises(Invalid) as exc:
        give(
            runtime,
            shop.world.actor(Role.agent),
            case(order_id=shop.big_order, ticket_id=ticket),
            Remedy.voucher,
            600,
        )
    assert exc.value.code == "compensation.order_mismatch"


def test_without_an_order_the_ticket_and_its_chat_stay_their_own_cases(
    runtime, shop, frozen
) -> None:
    """No order known: the ticket is the subject, as before (keys already granted stay valid)."""
    ticket = ticket_for(runtime, shop, None, [shop.chat])
    promise = CaseRequest(case_type=CaseType.broken_promise, fault=Fault.shop, ticket_id=ticket)
    row, _ = give(runtime, shop.world.actor(Role.agent), promise, Remedy.voucher, 5_000)
    assert row.case_key == f"ticket:{ticket}:broken_promise:voucher"


def test_through_the_chat_a_full_refund_is_paid_against_the_order(runtime, shop, frozen) -> None:
    """The grant records the order it is about, so a refund-type remedy goes back on that order."""
    ticket_for(runtime, shop, shop.small_order, [shop.chat])
    damaged = CaseRequest(
        case_type=CaseType.damaged_parcel, fault=Fault.carrier, conversation_id=shop.chat
    )
    row, _ = give(runtime, shop.world.actor(Role.agent), damaged, Remedy.full_refund, 2_000)
    assert row.order_id == shop.small_order
    with runtime.sessions() as s:
        [refund] = s.scalars(select(Refund).where(Refund.key == f"compensation:{row.id}"))
    assert refund.amount_cents == 2_000


def test_a_chat_about_several_orders_must_say_which(runtime, shop, frozen) -> None:
    ticket_for(runtime, shop, shop.small_order, [shop.chat])
    ticket_for(runtime, shop, shop.big_order, [shop.chat])
    with pytest.raises(Invalid) as exc:
        give(runtime, shop.world.actor(), case(conversation_id=shop.chat), Remedy.voucher, 500)
    assert exc.value.code == "compensation.order_ambiguous"
    row, _ = give(
        runtime,
        shop.world.actor(),
        case(order_id=shop.big_order, conversation_id=shop.chat),
        Remedy.voucher,
        500,
    )
    assert row.case_key == f"order:{shop.big_order}:late_shipment:voucher"
