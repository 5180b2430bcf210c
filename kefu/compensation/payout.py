"""Paying a granted refund-type remedy at the shop: a `Refund` row and a refund effect.

A granted partial or full refund on an order becomes money back only when the shop applies it,
so it goes the way every other refund goes: a `Refund` (shown on the order page, confirmed when
the shop answers) and an `Effect` in the orders outbox, written in the grant's transaction,
delivered at-least-once with retries and backoff by the orders worker. Both are keyed
`compensation:<grant id>` (unique per workspace), and the grant reaches `granted` once — at
creation within authority, or at approval — so each grant pays out exactly once.

Vouchers, points, free shipping and replacements are not paid here: the shop fetches grants
(`GET /api/v1/compensation/grants?status=granted`), see docs/compensation.md.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.compensation.models import Grant, GrantStatus
from kefu.compensation.policy import REMEDY_ZH, Remedy
from kefu.errors import Conflict
from kefu.orders import effects, shop
from kefu.orders.actions import refunded_cents
from kefu.orders.aftersales_models import Refund, RefundKind
from kefu.orders.models import Order
from kefu.orders.shop_models import Effect

PAID_AT_SHOP = frozenset({Remedy.partial_refund, Remedy.full_refund})


def key_of(row: Grant) -> str:
    return f"compensation:{row.id}"


def _locked(session: Session, workspace_id: int, order_id: int) -> Order | None:
    """The order row locked, as every order action locks it: a cancel or refund committing
    meanwhile would otherwise not be counted in what is left, and more would go back than was
    paid."""
    return session.scalars(
        select(Order)
        .where(Order.id == order_id, Order.workspace_id == workspace_id)
        .with_for_update()
    ).first()


def pay(session: Session, row: Grant) -> Effect | None:
    """Queue the shop refund of a granted refund-type remedy (None: nothing to pay at the shop).

    Called in the transaction that made the grant `granted`; a second call finds the refund by
    its key and queues nothing more."""
    if row.status is not GrantStatus.granted or row.remedy not in PAID_AT_SHOP:
        return None
    if row.order_id is None:
        return None  # no order to refund against: the shop reads the grant instead
    order = _locked(session, row.workspace_id, row.order_id)
    if order is None:
        return None
    key = key_of(row)
    done = session.scalars(
        select(Refund).where(Refund.workspace_id == row.workspace_id, Refund.key == key)
    ).first()
    if done is not None:
        return None
    # Never more back than was paid: earlier refunds (价保, returns) count against the total. A
    # grant approved after the order was refunded meanwhile gives what is left — and says so: the
    # grant's amount (what the customer is told, what limits count) becomes what is paid.
    amount = min(row.amount_cents, max(order.total_cents - refunded_cents(session, order), 0))
    if amount <= 0:
        raise Conflict(
            "compensation.nothing_left",
            zh=f"订单 {order.number} 已全额退款，无可再退金额；请改用其他补偿方式或驳回",
            en=f"order {order.number} was refunded in full: nothing is left to refund; "
            "choose another remedy or reject",
        )
    row.amount_cents = amount
    shop.link(session, row.workspace_id)  # the worker needs the link row to reach the shop
    refund = Refund(
        workspace_id=row.workspace_id,
        key=key,
        order_number=order.number,
        kind=RefundKind.refund,
        amount_cents=amount,
        reason=f"补偿 {REMEDY_ZH[row.remedy]} #{row.id}",
    )
    return effects.pay_refund(session, refund, grant_id=row.id, lines=[])
