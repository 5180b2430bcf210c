"""Apply what the shop reports — webhook, import or connector pull — idempotently and in order.

Each function returns "applied" or "stale". An order or after-sales case with a version not newer
than the stored one is stale and changes nothing; scans and price points are keyed by their ids
and times, so a repeat is stale too. Rows that refer to an order by number are kept even when the
order is not known yet, and show up as soon as it is (out-of-order delivery).
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import events
from kefu.auth.actor import Actor
from kefu.customers import service as customers
from kefu.customers.models import Customer, IdentityKind
from kefu.orders.aftersales_models import (
    AfterSale,
    AfterSaleStatus,
    PricePoint,
    Refund,
    RefundKind,
    RefundStatus,
    ScanCode,
    ScanEvent,
    Shipment,
)
from kefu.orders.models import Order, OrderItem, OrderStatus
from kefu.orders.shop_schemas import AfterSaleIn, OrderIn, PriceIn, ScanIn
from kefu.sla import promises

Outcome = Literal["applied", "stale"]


def buyer(session: Session, system: Actor, member_id: str, name: str = "") -> Customer:
    """The customer with this shop member id, created on first sight; merges are followed."""
    customer = customers.find_by_identity(
        session, workspace_id=system.workspace_id, kind=IdentityKind.member_id, value=member_id
    )
    if customer is None:
        customer = customers.create(
            session,
            actor=system,
            display_name=name,
            identities=[(IdentityKind.member_id, member_id, True)],
        )
    while customer.merged_into_id is not None:
        customer = customers.get(session, actor=system, customer_id=customer.merged_into_id)
    return customer


def order_by_number(
    session: Session, workspace_id: int, number: str, *, for_update: bool = False
) -> Order | None:
    stmt = select(Order).where(Order.workspace_id == workspace_id, Order.number == number)
    return session.scalars(stmt.with_for_update() if for_update else stmt).first()


def apply_order(session: Session, system: Actor, data: OrderIn) -> Outcome:
    """Create or update an order from the shop's view of it."""
    order = order_by_number(session, system.workspace_id, data.number, for_update=True)
    if order is not None and order.version >= data.version:
        return "stale"
    customer = buyer(session, system, data.customer.member_id, data.customer.name)
    created = order is None
    before = order.status if order is not None else None
    if order is None:
        order = Order(workspace_id=system.workspace_id, number=data.number)
        if data.created_at is not None:
            order.created_at = data.created_at
        session.add(order)
    order.customer_id = customer.id
    order.version = data.version
    order.status = data.status
    order.currency = data.currency
    order.total_cents = sum(i.quantity * i.unit_price_cents for i in data.items)
    order.shipping_name = data.shipping.name
    order.shipping_phone = data.shipping.phone
    order.shipping_address = data.shipping.address
    order.carrier = data.carrier
    order.tracking_no = data.tracking_no
    for field in ("paid_at", "warehouse_at", "shipped_at", "delivered_at", "cancelled_at"):
        setattr(order, field, getattr(data, field))
    _replace_items(order, data)
    session.flush()
    if data.tracking_no:
        shipment(session, system.workspace_id, data.number, data.tracking_no, data.carrier)
    if created or before != order.status:
        events.record(
            session,
            actor=system,
            type="order.created" if created else "order.status_changed",
            customer_id=customer.id,
            payload={
                "order_id": order.id,
                "number": order.number,
                "status": order.status.value,
                "from": before.value if before is not None else None,
                "total_cents": order.total_cents,
            },
        )
    if order.status in (OrderStatus.shipped, OrderStatus.delivered) and before not in (
        OrderStatus.shipped,
        OrderStatus.delivered,
    ):
        # A ship-by promise made on an urge is kept by the shipment.
        promises.on_fact(
            session,
            actor=system,
            customer_id=customer.id,
            ticket_ids=[],
            fact="shipment",
            ref=f"order:{order.number}",
        )
    return "applied"


def _replace_items(order: Order, data: OrderIn) -> None:
    # Lines are matched by SKU so their ids — which refunds and price protection point at —
    # survive an update that does not change them.
    by_sku = {i.sku: i for i in order.items}
    keep: list[OrderItem] = []
    for line in data.items:
        item = by_sku.pop(line.sku, None) or OrderItem(sku=line.sku)
        item.title, item.quantity = line.title, line.quantity
        item.unit_price_cents = line.unit_price_cents
        keep.append(item)
    order.items = keep


def shipment(
    session: Session, workspace_id: int, order_number: str, tracking_no: str, carrier: str
) -> Shipment:
    found = session.scalars(
        select(Shipment).where(
            Shipment.workspace_id == workspace_id, Shipment.tracking_no == tracking_no
        )
    ).first()
    if found is None:
        found = Shipment(
            workspace_id=workspace_id,
            order_number=order_number,
            tracking_no=tracking_no,
            carrier=carrier,
        )
        session.add(found)
        session.flush()
    elif carrier and not found.carrier:
        found.carrier = carrier
    return found


def apply_scan(session: Session, system: Actor, data: ScanIn) -> Outcome:
    ws = system.workspace_id
    shipment(session, ws, data.order_number, data.tracking_no, data.carrier)
    seen = session.scalars(
        select(ScanEvent.id).where(
            ScanEvent.workspace_id == ws,
            ScanEvent.tracking_no == data.tracking_no,
            ScanEvent.scan_id == data.scan_id,
        )
    ).first()
    if seen is not None:
        return "stale"
    session.add(
        ScanEvent(
            workspace_id=ws,
            tracking_no=data.tracking_no,
            scan_id=data.scan_id,
            code=data.code,
            occurred_at=data.occurred_at,
            location=data.location,
            description=data.description,
        )
    )
    session.flush()
    order = order_by_number(session, ws, data.order_number)
    if order is not None and data.code in (ScanCode.customs, ScanCode.exception):
        events.record(
            session,
            actor=system,
            type=f"logistics.{data.code.value}",
            customer_id=order.customer_id,
            payload={"order_id": order.id, "number": order.number, "at": str(data.occurred_at)},
        )
    return "applied"


def apply_after_sale(session: Session, system: Actor, data: AfterSaleIn) -> Outcome:
    ws = system.workspace_id
    case = session.scalars(
        select(AfterSale)
        .where(AfterSale.workspace_id == ws, AfterSale.number == data.number)
        .with_for_update()
    ).first()
    if case is not None and case.version >= data.version:
        return "stale"
    if case is None:
        case = AfterSale(
            workspace_id=ws, number=data.number, order_number=data.order_number, steps=[]
        )
        session.add(case)
    changed = case.status != data.status or not case.steps
    case.kind, case.status, case.version = data.kind, data.status, data.version
    case.reason = data.reason or case.reason
    case.amount_cents = data.amount_cents or case.amount_cents
    case.updated_at = data.at
    if changed:
        step = {"status": data.status.value, "at": data.at.isoformat(), "actor": data.actor}
        case.steps = sorted([*case.steps, step], key=lambda s: s["at"])
    session.flush()
    order = order_by_number(session, ws, data.order_number)
    if data.status is AfterSaleStatus.refunded:
        confirm_shop_refund(session, system, case, order)
    if order is not None and changed:
        events.record(
            session,
            actor=system,
            type="aftersale.updated",
            customer_id=order.customer_id,
            ticket_id=case.ticket_id,
            payload={"after_sale": case.number, "status": case.status.value, "order": order.number},
        )
    return "applied"


def confirm_shop_refund(
    session: Session, system: Actor, case: AfterSale, order: Order | None
) -> None:
    """The shop refunded a case: record the refund once and keep the promises it fulfils."""
    existing = session.scalars(
        select(Refund).where(
            Refund.workspace_id == system.workspace_id, Refund.after_sale_id == case.id
        )
    ).first()
    if existing is not None and existing.status is not RefundStatus.confirmed:
        existing.status, existing.confirmed_at = RefundStatus.confirmed, case.updated_at
    if existing is None:
        session.add(
            Refund(
                workspace_id=system.workspace_id,
                key=f"aftersale:{case.number}",
                order_number=case.order_number,
                after_sale_id=case.id,
                kind=RefundKind.refund,
                amount_cents=case.amount_cents,
                status=RefundStatus.confirmed,
                reason=case.reason,
                confirmed_at=case.updated_at,
            )
        )
        session.flush()
    if order is not None:
        promises.on_fact(
            session,
            actor=system,
            customer_id=order.customer_id,
            ticket_ids=[case.ticket_id] if case.ticket_id else [],
            fact="refund",
            ref=f"aftersale:{case.number}",
        )


def apply_price(session: Session, system: Actor, data: PriceIn) -> Outcome:
    ws = system.workspace_id
    seen = session.scalars(
        select(PricePoint.id).where(
            PricePoint.workspace_id == ws,
            PricePoint.sku == data.sku,
            PricePoint.effective_at == data.effective_at,
        )
    ).first()
    if seen is not None:
        return "stale"
    session.add(
        PricePoint(
            workspace_id=ws,
            sku=data.sku,
            price_cents=data.price_cents,
            effective_at=data.effective_at,
            campaign=data.campaign,
        )
    )
    session.flush()
    return "applied"
