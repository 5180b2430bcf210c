"""API shapes of order actions, the shop link, effects, webhook deliveries and imports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from kefu.orders.actions import Done
from kefu.orders.rules import MAX_CENTS
from kefu.orders.shop_models import (
    DeliveryOutcome,
    Effect,
    EffectKind,
    EffectStatus,
    ImportJob,
    ImportStatus,
    WebhookDelivery,
)

# Free text: no control characters (PostgreSQL refuses NUL).
NO_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RefundRequest(_In):
    reason: str = Field(min_length=1, max_length=500, pattern=NO_CONTROL)
    amount_cents: int | None = Field(
        None, ge=1, le=MAX_CENTS, description="integer cents; default: all not yet refunded"
    )
    return_goods: bool = Field(False, description="return the goods, then refund")
    photos: list[HttpUrl] = Field(default_factory=list, max_length=9)


class PriceProtectionRequest(_In):
    item_id: int = Field(ge=1, le=2**62, description="the order line (item id)")


class AddressChange(_In):
    name: str = Field("", max_length=120, pattern=NO_CONTROL)
    phone: str = Field("", max_length=32, pattern=r"^[0-9+\- ()]*$")
    address: str = Field(min_length=1, max_length=500, pattern=NO_CONTROL)


class CancelRequest(_In):
    reason: str = Field("", max_length=500, pattern=NO_CONTROL)


class ActionResult(BaseModel):
    action: Literal["urge", "refund", "price_protection", "change_address", "cancel"]
    outcome: Literal["done", "pending_review", "handed_over"]
    message: str = Field(description="for the customer, in the caller's language")
    order_id: int
    refund_id: int | None = None
    refund_cents: int | None = None
    after_sale: str | None = None
    ticket_id: int | None = None
    promise_id: int | None = None
    effect_id: int | None = None
    ship_by: datetime | None = None

    @classmethod
    def of(cls, d: Done, lang: str) -> ActionResult:
        return cls(
            action=d.action,  # type: ignore[arg-type]
            outcome=d.outcome,  # type: ignore[arg-type]
            message=d.en if lang == "en" else d.zh,
            order_id=d.order.id,
            refund_id=d.refund.id if d.refund else None,
            refund_cents=d.refund.amount_cents if d.refund else None,
            after_sale=d.after_sale.number if d.after_sale else None,
            ticket_id=d.ticket_id,
            promise_id=d.promise_id,
            effect_id=d.effect_id,
            ship_by=d.extra.get("ship_by"),
        )


class ShopSettingsRead(BaseModel):
    api_url: str = Field(description="the shop's REST API for effects; empty: not configured")
    webhook_path: str
    secret_hint: str = Field(description="the last 4 characters of the webhook secret")
    previous_secret_valid_until: datetime | None
    policy_version: int


class ShopSettingsUpdate(_In):
    api_url: HttpUrl | Literal[""] = Field(description="e.g. https://shop.example.com/api/kefu")


class SecretRead(BaseModel):
    secret: str = Field(description="shown once; the previous one works for 24 more hours")
    previous_secret_valid_until: datetime | None


class PolicyRead(BaseModel):
    version: int
    policy: dict[str, Any]


class EffectRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    kind: EffectKind
    order_number: str
    status: EffectStatus
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, e: Effect) -> EffectRead:
        return cls.model_validate(e)


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    delivery_id: str
    type: str
    outcome: DeliveryOutcome
    status_code: int
    reason: str
    created_at: datetime

    @classmethod
    def of(cls, d: WebhookDelivery) -> DeliveryRead:
        return cls.model_validate(d)


class ImportRequest(_In):
    """Either `orders` (JSON documents) or `csv` (one line per item), not both."""

    orders: list[dict[str, Any]] | None = Field(
        None,
        max_length=20_000,
        description="order documents shaped as the webhook's OrderIn; each is checked on its own",
    )
    csv: str | None = Field(None, max_length=900_000)


class ImportJobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: ImportStatus
    total: int
    processed: int
    imported: int
    failed: int
    errors: list[dict[str, Any]] = Field(description='[{"batch", "row", "reason"}]')
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, j: ImportJob) -> ImportJobRead:
        return cls.model_validate(j)


class OrderLinkRead(BaseModel):
    token: str
    api_path: str = Field(description="GET it for the order page, no login needed")
    page_path: str = Field("", description="the order page for people (HTML, mobile-friendly)")
    expires_at: datetime

    @classmethod
    def of(cls, workspace_key: str, token: str, expires_at: datetime) -> OrderLinkRead:
        return cls(
            token=token,
            api_path=f"/api/v1/order-links/{workspace_key}/{token}",
            page_path=f"/o/{workspace_key}/{token}",
            expires_at=expires_at,
        )
