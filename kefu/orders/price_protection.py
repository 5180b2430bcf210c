"""Price protection (价保): refund the difference when a SKU's price dropped within the window.

Once per order line — the refund's key is `price:<line id>`, unique per workspace — and under
the order-row lock, so concurrent identical requests give one refund (see `actions`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.errors import NotFound
from kefu.orders import effects, shop
from kefu.orders.access import access_order
from kefu.orders.actions import Done, Refused, audit, refunded_cents
from kefu.orders.aftersales_models import PricePoint, Refund, RefundKind
from kefu.orders.models import Order, OrderItem, OrderStatus
from kefu.orders.money import format_cents
from kefu.orders.rules import Policy, price_protection_until


def check_price_protection(
    session: Session, order: Order, item: OrderItem, policy: Policy
) -> tuple[int, PricePoint]:
    """The difference to refund for one line, or the refusal."""
    if order.paid_at is None or order.status in (OrderStatus.cancelled, OrderStatus.refunded):
        raise Refused(
            "order.price.unpaid",
            zh="订单未付款或已取消，不能价保",
            en="the order is not paid or is cancelled",
        )
    now = clock.now()
    if now > price_protection_until(policy, order.paid_at):
        raise Refused(
            "order.price.expired", zh="已超过价保期限", en="the price-protection period is over"
        )
    if (
        session.scalars(
            select(Refund.id).where(
                Refund.workspace_id == order.workspace_id, Refund.key == f"price:{item.id}"
            )
        ).first()
        is not None
    ):
        raise Refused(
            "order.price.done",
            zh="该商品已申请过价保（每件商品限一次）",
            en="price protection was already given for this item (once per line)",
        )
    point = session.scalars(
        select(PricePoint)
        .where(
            PricePoint.workspace_id == order.workspace_id,
            PricePoint.sku == item.sku,
            PricePoint.effective_at > order.paid_at,
            PricePoint.effective_at <= now,
        )
        .order_by(PricePoint.effective_at.desc())
    ).first()
    if point is None or point.price_cents >= item.unit_price_cents:
        raise Refused(
            "order.price.no_drop",
            zh="购买后该商品未降价，无差价可退",
            en="the price has not dropped since you bought it",
        )
    # Never more than is left of what was paid: after a full refund there is nothing to protect
    # (the order page and the action both ask here, so they agree).
    left = order.total_cents - refunded_cents(session, order)
    if left <= 0:
        raise Refused(
            "order.price.refunded",
            zh="订单已全额退款，无差价可退",
            en="the order was refunded in full; there is no difference left to refund",
        )
    return min((item.unit_price_cents - point.price_cents) * item.quantity, left), point


def price_protect(session: Session, *, actor: Actor, order_id: int, item_id: int) -> Done:
    """Refund the difference when the SKU's price dropped within the window, once per line."""
    order = access_order(session, actor=actor, order_id=order_id, act=True, for_update=True)
    item = next((i for i in order.items if i.id == item_id), None)
    if item is None:
        raise NotFound(
            "order_item.not_found", zh="订单中没有这件商品", en="no such item in this order"
        )
    policy = shop.policy(session, order.workspace_id)
    diff, point = check_price_protection(session, order, item, policy)
    refund = Refund(
        workspace_id=order.workspace_id,
        key=f"price:{item.id}",
        order_number=order.number,
        order_item_id=item.id,
        kind=RefundKind.price_protection,
        amount_cents=diff,
        reason=f"价保 {item.sku}: {format_cents(item.unit_price_cents)} → {format_cents(point.price_cents)}",
    )
    effect = effects.pay_refund(
        session, refund, lines=[{"sku": item.sku, "quantity": item.quantity}]
    )
    audit(
        session,
        actor,
        order,
        "order.price_protected",
        {
            "item_id": item.id,
            "sku": item.sku,
            "amount_cents": diff,
            "refund_id": refund.id,
            "paid_cents": item.unit_price_cents,
            "now_cents": point.price_cents,
        },
    )
    shown = format_cents(diff, order.currency)
    return Done(
        "price_protection",
        "done",
        f"价保成功，差价 {shown} 将退回原支付账户",
        f"price protection granted: {shown} goes back to your payment account",
        order,
        refund=refund,
        effect_id=effect.id,
    )
