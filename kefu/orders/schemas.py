"""API shapes for orders. The recipient's name, phone and address leave masked (PIPL)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from kefu.orders.models import Order, OrderItem, OrderStatus
from kefu.orders.money import format_cents
from kefu.privacy import mask_address, mask_name, mask_phone


class OrderItemRead(BaseModel):
    id: int
    sku: str
    title: str
    quantity: int
    unit_price_cents: int
    unit_price_yuan: str = Field(description='for display, e.g. "¥1,299.00"')
    subtotal_cents: int
    subtotal_yuan: str

    @classmethod
    def of(cls, item: OrderItem, currency: str) -> OrderItemRead:
        return cls(
            id=item.id,
            sku=item.sku,
            title=item.title,
            quantity=item.quantity,
            unit_price_cents=item.unit_price_cents,
            unit_price_yuan=format_cents(item.unit_price_cents, currency),
            subtotal_cents=item.subtotal_cents,
            subtotal_yuan=format_cents(item.subtotal_cents, currency),
        )


class ShippingRead(BaseModel):
    name_masked: str
    phone_masked: str
    address_masked: str = Field(
        description="province and city kept for logistics talk, the rest hidden"
    )
    carrier: str
    tracking_no: str


class OrderRead(BaseModel):
    id: int
    number: str
    customer_id: int
    status: OrderStatus
    currency: str
    total_cents: int = Field(description="integer cents (fen)")
    total_yuan: str = Field(description='for display, e.g. "¥1,299.00"')
    items: list[OrderItemRead]
    shipping: ShippingRead
    created_at: datetime
    paid_at: datetime | None
    warehouse_at: datetime | None = Field(description="reached the warehouse (address changes)")
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None

    @classmethod
    def of(cls, o: Order) -> OrderRead:
        return cls(
            id=o.id,
            number=o.number,
            customer_id=o.customer_id,
            status=o.status,
            currency=o.currency,
            total_cents=o.total_cents,
            total_yuan=format_cents(o.total_cents, o.currency),
            items=[OrderItemRead.of(i, o.currency) for i in o.items],
            shipping=ShippingRead(
                name_masked=mask_name(o.shipping_name),
                phone_masked=mask_phone(o.shipping_phone),
                address_masked=mask_address(o.shipping_address) if o.shipping_address else "",
                carrier=o.carrier,
                tracking_no=o.tracking_no,
            ),
            created_at=o.created_at,
            paid_at=o.paid_at,
            warehouse_at=o.warehouse_at,
            shipped_at=o.shipped_at,
            delivered_at=o.delivered_at,
            cancelled_at=o.cancelled_at,
        )
