"""Self-service and in-chat actions on an order: refund (价保 in price_protection, cancel in
cancellation).

Callable by the customer (widget, own orders only) and by staff with act_on_orders — the same
functions, the same policy (`kefu.orders.rules`). Each `check_*` raises the refusal with its
reason in zh-CN and English and changes nothing; each action then locks the order row, checks,
writes its change, its refund and its effect at the shop (the outbox) and its audit event in the
caller's transaction. The order-row lock makes concurrent identical requests queue; the unique
refund key makes the second one a refusal, never a second refund.
Urging shipment and address changes, which may hand over to the warehouse, are in `handover`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.customers.models import CustomerTag
from kefu.errors import Conflict, Invalid
from kefu.orders import effects, shop
from kefu.orders.access import access_order
from kefu.orders.aftersales_models import (
    AfterSale,
    AfterSaleKind,
    AfterSaleStatus,
    Refund,
    RefundKind,
    RefundStatus,
)
from kefu.orders.models import Order, OrderStatus
from kefu.orders.money import format_cents
from kefu.orders.rules import Policy

CLOSED_CASES = (AfterSaleStatus.refunded, AfterSaleStatus.rejected, AfterSaleStatus.cancelled)
UNSHIPPED = (OrderStatus.pending_payment, OrderStatus.paid)


class Refused(Conflict):
    """The policy says no; `code` says why, the message tells the person in their language."""


@dataclass
class Done:
    """What an action did, for the caller to show."""

    action: str
    outcome: str  # done | pending_review | handed_over
    zh: str
    en: str
    order: Order
    refund: Refund | None = None
    after_sale: AfterSale | None = None
    ticket_id: int | None = None
    promise_id: int | None = None
    effect_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def refunded_cents(session: Session, order: Order) -> int:
    """Money already given back on this order (pending or confirmed refunds)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
            Refund.workspace_id == order.workspace_id,
            Refund.order_number == order.number,
            Refund.status != RefundStatus.failed,
        )
    )
    return int(total or 0)


def audit(session: Session, actor: Actor, order: Order, type: str, payload: dict[str, Any]) -> None:
    events.record(
        session,
        actor=actor,
        type=type,
        customer_id=order.customer_id,
        payload={"order_id": order.id, "number": order.number, **payload},
    )


def record_refusal(
    session: Session, *, actor: Actor, action: str, order_id: int, code: str, reason: str
) -> None:
    """The audit line of a refused action (in a transaction of its own: the action rolled back)."""
    events.record(
        session,
        actor=actor,
        type="order.action_refused",
        customer_id=actor.id if actor.kind == "customer" else None,
        payload={"action": action, "order_id": order_id, "code": code, "reason": reason[:300]},
    )


# --- refund / return ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundFacts:
    """What the refund checks read about an order and its customer, in one statement."""

    open_cases: int  # after-sales cases of the order still in progress
    cases: int  # all of the order's cases (numbers the next one)
    refunded_cents: int  # refunds pending or confirmed
    recent_refunds: int  # the customer's refunds of the last 30 days, on any of their orders
    blocked_tag: bool  # the customer carries one of the policy's blocked tags


def _count(model: Any, *where: Any) -> Any:
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


_WS: BindParameter[int] = bindparam("workspace_id")
_NUMBER: BindParameter[str] = bindparam("order_number")
_CUSTOMER: BindParameter[int] = bindparam("customer_id")
_SINCE: BindParameter[datetime] = bindparam("since")
_OF_ORDER = (AfterSale.workspace_id == _WS, AfterSale.order_number == _NUMBER)
# Built once: these reads ran as six statements of their own on every refund request (the open
# case, the refunded sum, the case count, the tags, the 30-day count; merged profiles in access).
_FACTS = select(
    _count(AfterSale, *_OF_ORDER, AfterSale.status.not_in(CLOSED_CASES)),
    _count(AfterSale, *_OF_ORDER),
    select(func.coalesce(func.sum(Refund.amount_cents), 0))
    .where(
        Refund.workspace_id == _WS,
        Refund.order_number == _NUMBER,
        Refund.status != RefundStatus.failed,
    )
    .scalar_subquery(),
    # Counted order by order over the customer's orders: as a join the planner may walk every
    # refund of the workspace instead (it did on a young database without statistics: 10 ms).
    select(
        func.coalesce(
            func.sum(
                _count(
                    Refund,
                    Refund.workspace_id == Order.workspace_id,
                    Refund.order_number == Order.number,
                    Refund.created_at >= _SINCE,
                )
            ),
            0,
        )
    )
    .where(Order.workspace_id == _WS, Order.customer_id == _CUSTOMER)
    .scalar_subquery(),
    exists().where(
        CustomerTag.customer_id == _CUSTOMER,
        CustomerTag.tag.in_(bindparam("blocked", expanding=True)),
    ),
)


def refund_facts(session: Session, order: Order, blocked_tags: list[str]) -> RefundFacts:
    row = session.execute(
        _FACTS,
        {
            "workspace_id": order.workspace_id,
            "order_number": order.number,
            "customer_id": order.customer_id,
            "since": clock.now() - timedelta(days=30),
            "blocked": blocked_tags,
        },
    ).one()
    open_cases, cases, refunded, recent, tagged = row
    return RefundFacts(
        int(open_cases), int(cases), int(refunded or 0), int(recent or 0), bool(tagged)
    )


def check_refund(
    session: Session, order: Order, amount_cents: int | None, facts: RefundFacts | None = None
) -> int:
    """The amount to refund, or the refusal; defaults to all that is not refunded yet."""
    if order.status in (OrderStatus.pending_payment, OrderStatus.cancelled) or not order.paid_at:
        raise Refused(
            "order.refund.unpaid",
            zh="订单未付款或已取消，无需退款",
            en="the order is not paid or is cancelled; nothing to refund",
        )
    facts = facts or refund_facts(session, order, [])
    if facts.open_cases:
        raise Refused(
            "order.refund.open_case",
            zh="该订单已有进行中的售后申请，请勿重复提交",
            en="this order already has an after-sales request in progress",
        )
    remaining = order.total_cents - facts.refunded_cents
    if remaining <= 0:
        raise Refused(
            "order.refund.nothing_left",
            zh="该订单已全额退款",
            en="this order has been refunded in full",
        )
    amount = remaining if amount_cents is None else amount_cents
    if not 0 < amount <= remaining:
        raise Invalid(
            "order.refund.amount",
            zh=f"退款金额须在 ¥0.01 到 {format_cents(remaining)} 之间",
            en=f"the amount must be between ¥0.01 and {format_cents(remaining)}",
        )
    return amount


def auto_approval_blocker(
    actor: Actor, order: Order, policy: Policy, amount: int, facts: RefundFacts
) -> tuple[str, str] | None:
    """Why a refund needs a person (zh, en), or None when the policy approves it at once."""
    if actor.kind == "staff":
        return None  # 在离一体: the agent decides in the chat, with act_on_orders
    if policy.auto_refund_unshipped_only and order.status not in UNSHIPPED:
        return "订单已发货，退款需客服审核", "the order has shipped; a person reviews the refund"
    if amount > policy.auto_refund_limit_cents:
        limit = format_cents(policy.auto_refund_limit_cents)
        return f"金额超过自动退款上限 {limit}", f"the amount is above the automatic limit {limit}"
    if facts.blocked_tag:
        return "需要客服审核", "a person reviews this request"
    if facts.recent_refunds >= policy.max_auto_refunds_30d:
        return (
            "近 30 天退款次数较多，需客服审核",
            "several refunds in 30 days; a person reviews this",
        )
    return None


def request_refund(
    session: Session,
    *,
    actor: Actor,
    order_id: int,
    reason: str,
    amount_cents: int | None = None,
    return_goods: bool = False,
    photos: list[str] | None = None,
) -> Done:
    """A refund (or return-and-refund) request: approved at once within policy, else reviewed."""
    order = access_order(session, actor=actor, order_id=order_id, act=True, for_update=True)
    policy = shop.policy(session, order.workspace_id)
    facts = refund_facts(session, order, policy.blocked_tags)
    amount = check_refund(session, order, amount_cents, facts)
    now = clock.now()
    who = actor.principal
    # Decided before the case is written, so that an approved case is one INSERT.
    blocker = auto_approval_blocker(actor, order, policy, amount, facts)
    case = AfterSale(
        workspace_id=order.workspace_id,
        number=f"KF-{order.number}-{facts.cases + 1}"[:64],
        order_number=order.number,
        kind=AfterSaleKind.return_refund if return_goods else AfterSaleKind.refund,
        reason=reason,
        amount_cents=amount,
        photos=[{"url": p} for p in photos or []],
        steps=[{"status": "requested", "at": now.isoformat(), "actor": who}],
        updated_at=now,
    )
    if blocker is None:
        case.status = AfterSaleStatus.approved
        case.steps = [*case.steps, {"status": "approved", "at": now.isoformat(), "actor": who}]
    session.add(case)
    session.flush()
    if blocker is None:
        return _approve(session, actor, order, case, amount, reason)
    from kefu.orders import handover  # handover builds on actions: import at use

    ticket_id, promise_id = handover.review_ticket(session, actor, order, case, policy, blocker)
    audit(
        session,
        actor,
        order,
        "order.refund_requested",
        {"after_sale": case.number, "amount_cents": amount, "review": blocker[1]},
    )
    return Done(
        "refund",
        "pending_review",
        f"已提交退款申请（{blocker[0]}），客服会尽快处理",
        f"refund request received ({blocker[1]})",
        order,
        after_sale=case,
        ticket_id=ticket_id,
        promise_id=promise_id,
    )


def _approve(
    session: Session, actor: Actor, order: Order, case: AfterSale, amount: int, reason: str
) -> Done:
    refund = Refund(
        workspace_id=order.workspace_id,
        key=f"refund:{case.number}",
        order_number=order.number,
        after_sale_id=case.id,
        kind=RefundKind.refund,
        amount_cents=amount,
        reason=reason,
    )
    effect = effects.pay_refund(
        session,
        refund,
        after_sale=case.number,
        return_goods=case.kind is AfterSaleKind.return_refund,
    )
    audit(
        session,
        actor,
        order,
        "order.refund_approved",
        {"after_sale": case.number, "amount_cents": amount, "refund_id": refund.id},
    )
    shown = format_cents(amount, order.currency)
    return Done(
        "refund",
        "done",
        f"退款 {shown} 已批准，正在退回原支付账户",
        f"refund of {shown} approved; on its way to your payment account",
        order,
        refund=refund,
        after_sale=case,
        effect_id=effect.id,
    )
