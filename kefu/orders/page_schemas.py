"""API shapes of the order page (customer and workbench): logistics, after-sales, refunds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from kefu.orders.aftersales_models import (
    AfterSaleKind,
    AfterSaleStatus,
    RefundKind,
    RefundStatus,
    ScanCode,
)
from kefu.orders.money import format_cents
from kefu.orders.schemas import OrderRead
from kefu.orders.views import SCAN_TEXT, STEP_TEXT, CaseView, OrderPage, ShipmentView
from kefu.sla.models import Promise, PromiseKind


class ScanRead(BaseModel):
    code: ScanCode
    text_zh: str
    text_en: str
    at: datetime
    location: str
    description: str


class ShipmentRead(BaseModel):
    carrier: str
    tracking_no: str
    status: ScanCode | None = Field(description="the latest scan's code; null before the first")
    status_zh: str
    status_en: str
    since: datetime | None = Field(description="time of the latest scan")
    in_customs_since: datetime | None = Field(description='"in customs since …" when held there')
    scans: list[ScanRead] = Field(description="newest first")

    @classmethod
    def of(cls, v: ShipmentView) -> ShipmentRead:
        last = v.scans[0] if v.scans else None
        zh, en = SCAN_TEXT[last.code] if last else ("待揽收", "awaiting pickup")
        return cls(
            carrier=v.shipment.carrier,
            tracking_no=v.shipment.tracking_no,
            status=last.code if last else None,
            status_zh=zh,
            status_en=en,
            since=last.occurred_at if last else None,
            in_customs_since=v.in_customs_since,
            scans=[
                ScanRead(
                    code=s.code,
                    text_zh=SCAN_TEXT[s.code][0],
                    text_en=SCAN_TEXT[s.code][1],
                    at=s.occurred_at,
                    location=s.location,
                    description=s.description,
                )
                for s in v.scans
            ],
        )


class StepRead(BaseModel):
    status: str
    at: str
    actor: str


class AfterSaleRead(BaseModel):
    number: str
    kind: AfterSaleKind
    status: AfterSaleStatus
    status_zh: str
    status_en: str
    since: datetime | None
    next_step: AfterSaleStatus | None = Field(description="what comes next; null when finished")
    next_by: datetime | None = Field(description="by when the next step is expected")
    reason: str
    amount_cents: int
    amount_yuan: str
    steps: list[StepRead] = Field(description="each step with its time and actor, oldest first")
    ticket_id: int | None

    @classmethod
    def of(cls, v: CaseView, currency: str) -> AfterSaleRead:
        c = v.case
        zh, en = STEP_TEXT[c.status]
        return cls(
            number=c.number,
            kind=c.kind,
            status=c.status,
            status_zh=zh,
            status_en=en,
            since=v.since,
            next_step=v.next_step,
            next_by=v.next_by,
            reason=c.reason,
            amount_cents=c.amount_cents,
            amount_yuan=format_cents(c.amount_cents, currency),
            steps=[
                StepRead(status=str(s["status"]), at=str(s["at"]), actor=str(s.get("actor", "")))
                for s in c.steps
            ],
            ticket_id=c.ticket_id,
        )


class RefundRead(BaseModel):
    id: int
    kind: RefundKind
    status: RefundStatus
    amount_cents: int
    amount_yuan: str
    order_item_id: int | None
    reason: str
    created_at: datetime
    confirmed_at: datetime | None


class PromiseBrief(BaseModel):
    id: int
    kind: PromiseKind
    text: str
    due_at: datetime

    @classmethod
    def of(cls, p: Promise) -> PromiseBrief:
        return cls(id=p.id, kind=p.kind, text=p.text, due_at=p.due_at)


class OrderPageRead(BaseModel):
    order: OrderRead
    shipments: list[ShipmentRead]
    after_sales: list[AfterSaleRead]
    refunds: list[RefundRead]
    promises: list[PromiseBrief] = Field(description="open promises about this order")
    available: dict[str, Any] = Field(
        description='per action {"allowed": bool, "code", "zh", "en"}; price_protection per item id'
    )

    @classmethod
    def of(cls, p: OrderPage) -> OrderPageRead:
        cur = p.order.currency
        return cls(
            order=OrderRead.of(p.order),
            shipments=[ShipmentRead.of(s) for s in p.shipments],
            after_sales=[AfterSaleRead.of(c, cur) for c in p.cases],
            refunds=[
                RefundRead(
                    id=r.id,
                    kind=r.kind,
                    status=r.status,
                    amount_cents=r.amount_cents,
                    amount_yuan=format_cents(r.amount_cents, cur),
                    order_item_id=r.order_item_id,
                    reason=r.reason,
                    created_at=r.created_at,
                    confirmed_at=r.confirmed_at,
                )
                for r in p.refunds
            ],
            promises=[PromiseBrief.of(x) for x in p.promises],
            available=p.available,
        )
