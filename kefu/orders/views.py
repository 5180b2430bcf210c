"""The order page: forward logistics, reverse progress, refunds, open promises, what one may do.

The same view serves the customer (widget, self-service page) and the agent's workbench panel.
"Next step, by when" for a return is an expectation from typical durations (or the open
promise's due time when there is one), shown so the customer never has to ask "what now?".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.errors import DomainError
from kefu.orders import actions, cancellation, handover, price_protection, shop
from kefu.orders.access import access_order
from kefu.orders.aftersales_models import (
    AfterSale,
    AfterSaleKind,
    AfterSaleStatus,
    Refund,
    ScanCode,
    ScanEvent,
    Shipment,
)
from kefu.orders.models import Order
from kefu.sla.models import Promise, PromiseStatus
from kefu.tickets.models import Ticket

SCAN_TEXT: dict[ScanCode, tuple[str, str]] = {
    ScanCode.picked_up: ("已揽收", "picked up"),
    ScanCode.in_transit: ("运输中", "in transit"),
    ScanCode.customs: ("清关中", "in customs"),
    ScanCode.customs_cleared: ("已清关", "cleared customs"),
    ScanCode.out_for_delivery: ("派送中", "out for delivery"),
    ScanCode.delivered: ("已签收", "delivered"),
    ScanCode.exception: ("异常", "exception"),
}
STEP_TEXT: dict[AfterSaleStatus, tuple[str, str]] = {
    AfterSaleStatus.requested: ("已申请", "requested"),
    AfterSaleStatus.approved: ("已同意", "approved"),
    AfterSaleStatus.shipped_back: ("已寄回", "shipped back"),
    AfterSaleStatus.received: ("商家已收货", "received"),
    AfterSaleStatus.inspected: ("已验货", "inspected"),
    AfterSaleStatus.refunded: ("已退款", "refunded"),
    AfterSaleStatus.rejected: ("已拒绝", "rejected"),
    AfterSaleStatus.cancelled: ("已撤销", "cancelled"),
}
S = AfterSaleStatus
# (next step, typical time to it) per current step; a refund-only case skips the return leg.
NEXT_RETURN = {
    S.requested: (S.approved, timedelta(days=1)),
    S.approved: (S.shipped_back, timedelta(days=7)),
    S.shipped_back: (S.received, timedelta(days=3)),
    S.received: (S.inspected, timedelta(days=2)),
    S.inspected: (S.refunded, timedelta(days=1)),
}
NEXT_REFUND = {
    S.requested: (S.approved, timedelta(days=1)),
    S.approved: (S.refunded, timedelta(days=1)),
}


@dataclass
class ShipmentView:
    shipment: Shipment
    scans: list[ScanEvent]
    in_customs_since: datetime | None


@dataclass
class CaseView:
    case: AfterSale
    since: datetime | None
    next_step: AfterSaleStatus | None
    next_by: datetime | None


@dataclass
class OrderPage:
    order: Order
    shipments: list[ShipmentView]
    cases: list[CaseView]
    refunds: list[Refund]
    promises: list[Promise]
    available: dict[str, Any] = field(default_factory=dict)


def page(session: Session, *, actor: Actor, order_id: int) -> OrderPage:
    order = access_order(session, actor=actor, order_id=order_id)
    ws = order.workspace_id
    return OrderPage(
        order=order,
        shipments=_shipments(session, ws, order),
        cases=_cases(session, ws, order),
        refunds=list(
            session.scalars(
                select(Refund)
                .where(Refund.workspace_id == ws, Refund.order_number == order.number)
                .order_by(Refund.id)
            )
        ),
        promises=list(
            session.scalars(
                select(Promise)
                .join(Ticket, Ticket.id == Promise.ticket_id)
                .where(
                    Promise.workspace_id == ws,
                    Promise.status == PromiseStatus.open,
                    Ticket.order_ref == order.number,
                    Promise.customer_id == order.customer_id,
                )
                .order_by(Promise.due_at)
            )
        ),
        available=available(session, actor, order),
    )


def _shipments(session: Session, ws: int, order: Order) -> list[ShipmentView]:
    views = []
    for s in session.scalars(
        select(Shipment)
        .where(Shipment.workspace_id == ws, Shipment.order_number == order.number)
        .order_by(Shipment.id)
    ):
        scans = list(
            session.scalars(
                select(ScanEvent)
                .where(
                    ScanEvent.workspace_id == ws,
                    ScanEvent.tracking_no == s.tracking_no,
                )
                .order_by(ScanEvent.occurred_at.desc(), ScanEvent.id.desc())
            )
        )
        customs = None
        if scans and scans[0].code is ScanCode.customs:
            # Since the first customs scan of the current stay (not the latest repeat of it).
            customs = scans[0].occurred_at
            for scan in scans[1:]:
                if scan.code is not ScanCode.customs:
                    break
                customs = scan.occurred_at
        views.append(ShipmentView(s, scans, customs))
    return views


def _cases(session: Session, ws: int, order: Order) -> list[CaseView]:
    out = []
    for case in session.scalars(
        select(AfterSale)
        .where(AfterSale.workspace_id == ws, AfterSale.order_number == order.number)
        .order_by(AfterSale.id)
    ):
        since = datetime.fromisoformat(case.steps[-1]["at"]) if case.steps else case.updated_at
        table = NEXT_RETURN if case.kind is AfterSaleKind.return_refund else NEXT_REFUND
        nxt = table.get(case.status)
        out.append(
            CaseView(
                case, since, nxt[0] if nxt else None, (since + nxt[1]) if nxt and since else None
            )
        )
    return out


def available(session: Session, actor: Actor, order: Order) -> dict[str, Any]:
    """Which actions the policy allows now, and why not — for buttons that explain themselves."""
    policy = shop.policy(session, order.workspace_id)
    result: dict[str, Any] = {}
    checks = {
        "urge": lambda: handover.check_urge(order),
        "refund": lambda: actions.check_refund(session, order, None),
        "cancel": lambda: cancellation.check_cancel(session, order, policy, actor),
        "change_address": lambda: _check_address(order),
    }
    for name, check in checks.items():
        result[name] = _reason(check)
    result["price_protection"] = {
        str(item.id): _reason(
            lambda i=item: price_protection.check_price_protection(session, order, i, policy)
        )
        for item in order.items
    }
    result["address_change_direct"] = handover.address_window_open(order, policy, clock.now())
    return result


def _check_address(order: Order) -> None:
    if order.status not in actions.UNSHIPPED:
        raise actions.Refused(
            "order.address.shipped", zh="订单已发货，无法修改地址", en="the order has shipped"
        )


def _reason(check: Any) -> dict[str, Any]:
    try:
        check()
    except DomainError as exc:
        return {"allowed": False, "code": exc.code, "zh": exc.zh, "en": exc.en}
    return {"allowed": True}
