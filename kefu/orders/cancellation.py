"""Cancelling an unshipped order: a paid one is refunded in full, with the cancellation.

Under the order-row lock like every action (see `actions`): a repeated cancel finds the order
cancelled and is refused, and the refund's unique key `cancel:<number>` (also the shop effect's
Idempotency-Key) stops any racing one — never refunded twice. Nor while a refund or return case is
in progress: the shop would refund that case on top of the cancellation.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.orders import effects, shop
from kefu.orders.access import access_order
from kefu.orders.actions import CLOSED_CASES, UNSHIPPED, Done, Refused, audit, refunded_cents
from kefu.orders.aftersales_models import AfterSale, Refund, RefundKind
from kefu.orders.models import Order, OrderStatus
from kefu.orders.rules import Policy
from kefu.orders.shop_models import EffectKind


def open_case(session: Session, order: Order) -> AfterSale | None:
    """The order's oldest after-sales case still in progress, if any."""
    return session.scalars(
        select(AfterSale)
        .where(
            AfterSale.workspace_id == order.workspace_id,
            AfterSale.order_number == order.number,
            AfterSale.status.not_in(CLOSED_CASES),
        )
        .order_by(AfterSale.id)
        .limit(1)
    ).first()


def check_cancel(session: Session, order: Order, policy: Policy, actor: Actor) -> None:
    if order.status not in UNSHIPPED:
        raise Refused(
            "order.cancel.shipped",
            zh="订单已发货或已结束，不能取消；可以申请退货退款",
            en="the order has shipped or ended; request a return instead",
        )
    if actor.kind == "customer" and not policy.allow_cancel_unshipped:
        raise Refused(
            "order.cancel.not_allowed",
            zh="本店不支持自助取消订单，请联系客服",
            en="this shop does not allow self-service cancellation; contact us",
        )
    # A cancellation refunds what is not refunded yet; a case still in progress (under review,
    # or approved and on its way) would be refunded by the shop on top — money back twice. As a
    # second refund request is refused, so is the cancel, for staff too, until the case ends.
    case = open_case(session, order)
    if case is not None:
        raise Refused(
            "order.cancel.open_case",
            zh=f"该订单有进行中的售后申请 {case.number}，处理完成前不能取消订单",
            en=f"this order has an after-sales request in progress ({case.number}); "
            "it cannot be cancelled until that is settled",
        )


def cancel(session: Session, *, actor: Actor, order_id: int, reason: str) -> Done:
    """Cancel an unshipped order; a paid one is refunded in full with the cancellation."""
    order = access_order(session, actor=actor, order_id=order_id, act=True, for_update=True)
    policy = shop.policy(session, order.workspace_id)
    check_cancel(session, order, policy, actor)
    refund = None
    amount = order.total_cents - refunded_cents(session, order) if order.paid_at else 0
    if amount > 0:
        refund = Refund(
            workspace_id=order.workspace_id,
            key=f"cancel:{order.number}",
            order_number=order.number,
            kind=RefundKind.cancel,
            amount_cents=amount,
            reason=reason,
        )
        session.add(refund)
    order.status, order.cancelled_at = OrderStatus.cancelled, clock.now()
    session.flush()
    effect = effects.enqueue(
        session,
        workspace_id=order.workspace_id,
        kind=EffectKind.cancel,
        key=f"cancel:{order.number}",
        order_number=order.number,
        payload={
            "reason": reason,
            "refund_id": refund.id if refund else None,
            "amount_cents": amount,
        },
    )
    audit(
        session,
        actor,
        order,
        "order.cancelled_by_request",
        {"reason": reason, "refund_cents": amount},
    )
    return Done(
        "cancel",
        "done",
        "订单已取消" + ("，货款将全额退回" if amount else ""),
        "order cancelled" + ("; the full amount will be refunded" if amount else ""),
        order,
        refund=refund,
        effect_id=effect.id,
    )
