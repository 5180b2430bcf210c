"""What the shop sends: webhook payloads and import rows (JSON Schema in /openapi.json).

Every payload carries the shop's `version` of the entity (its updated_at in milliseconds, or any
number that grows with each change): an older version never overwrites a newer one, whatever
order the deliveries arrive in. Examples are in docs/shop-integration.md.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from kefu.orders.aftersales_models import AfterSaleKind, AfterSaleStatus, ScanCode
from kefu.orders.models import OrderStatus
from kefu.orders.rules import MAX_CENTS

Text64 = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]+$")]
Version = Annotated[int, Field(ge=0, le=2**62, description="grows with every change")]
Cents = Annotated[int, Field(ge=0, le=MAX_CENTS, description="integer cents (fen)")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # PostgreSQL refuses NUL in text: a clear 422 here rather than a failed INSERT later.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class BuyerIn(_Strict):
    member_id: Text64 = Field(description="the shop's member id (as in the widget token's sub)")
    name: str = Field("", max_length=120)


class ItemIn(_Strict):
    sku: Text64
    title: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1, le=100_000)
    unit_price_cents: Cents


class AddressIn(_Strict):
    name: str = Field("", max_length=120)
    phone: str = Field("", max_length=32)
    address: str = Field("", max_length=500)


class OrderIn(_Strict):
    number: Text64
    version: Version = 0
    customer: BuyerIn
    status: OrderStatus
    currency: str = Field("CNY", pattern=r"^[A-Z]{3}$")
    items: list[ItemIn] = Field(min_length=1, max_length=200)
    shipping: AddressIn = Field(default_factory=lambda: AddressIn(name="", phone="", address=""))
    carrier: str = Field("", max_length=64)
    tracking_no: str = Field("", max_length=64)
    created_at: AwareDatetime | None = None
    paid_at: AwareDatetime | None = None
    warehouse_at: AwareDatetime | None = Field(
        None, description="when the warehouse took the order (address changes need it after)"
    )
    shipped_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None


class ScanIn(_Strict):
    order_number: Text64
    tracking_no: Text64
    carrier: str = Field("", max_length=64)
    scan_id: str = Field(min_length=1, max_length=128, description="the carrier's id of the scan")
    code: ScanCode
    occurred_at: AwareDatetime
    location: str = Field("", max_length=120)
    description: str = Field("", max_length=300)


class AfterSaleIn(_Strict):
    number: Text64
    order_number: Text64
    version: Version = 0
    kind: AfterSaleKind
    status: AfterSaleStatus
    reason: str = Field("", max_length=500)
    amount_cents: Cents = 0
    at: AwareDatetime = Field(description="when the case reached this status")
    actor: str = Field("shop", max_length=64, description="who moved it (a name or a role)")


class PriceIn(_Strict):
    sku: Text64
    price_cents: Cents
    effective_at: AwareDatetime
    campaign: str = Field("", max_length=64)


ORDER_TYPES = (
    "order.created",
    "order.updated",
    "order.paid",
    "order.shipped",
    "order.delivered",
    "order.cancelled",
)


class OrderEvent(_Strict):
    type: Literal[
        "order.created",
        "order.updated",
        "order.paid",
        "order.shipped",
        "order.delivered",
        "order.cancelled",
    ]
    data: OrderIn


class ScanEvent(_Strict):
    type: Literal["logistics.scan"]
    data: ScanIn


class AfterSaleEvent(_Strict):
    type: Literal["aftersales.updated"]
    data: AfterSaleIn


class PriceEvent(_Strict):
    type: Literal["price.changed"]
    data: PriceIn


ShopEvent = Annotated[
    OrderEvent | ScanEvent | AfterSaleEvent | PriceEvent, Field(discriminator="type")
]
TYPES = (*ORDER_TYPES, "logistics.scan", "aftersales.updated", "price.changed")


class WebhookResult(BaseModel):
    delivery_id: str
    outcome: Literal["applied", "duplicate", "stale"] = Field(
        description="applied; duplicate: this delivery id was applied before, nothing done; "
        "stale: older than what is stored, nothing overwritten"
    )
