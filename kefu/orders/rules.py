"""The per-workspace self-service policy: what a customer may do alone, and within which limits.

Stored as JSON on the workspace's `ShopLink`, versioned; every field has a default, so a
workspace that never set one gets a sensible policy (48 h ship-by, 30 min address window, 7 day
price protection, auto-approval of refunds up to ¥200 for unshipped orders).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_CENTS = 10_000_000_00  # ¥10,000,000: no order line or refund of a shop is larger


class CampaignWindow(BaseModel):
    """A campaign's price-protection window, e.g. Double 11: bought from `starts_at`, protected
    until `protect_until` (say 15 days after 11.11) instead of the usual number of days."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, examples=["双11"])
    starts_at: AwareDatetime
    ends_at: AwareDatetime = Field(description="orders paid before this belong to the campaign")
    protect_until: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> CampaignWindow:
        if not self.starts_at < self.ends_at <= self.protect_until:
            raise ValueError("need starts_at < ends_at <= protect_until")
        return self


class Policy(BaseModel):
    """What self-service allows; staff with act_on_orders may act beyond the customer limits."""

    model_config = ConfigDict(extra="forbid")

    ship_by_hours: int = Field(48, ge=1, le=24 * 30, description="promised ship-by after payment")
    address_change_minutes: int = Field(
        30, ge=0, le=7 * 24 * 60, description="after payment, while not at the warehouse"
    )
    price_protection_days: int = Field(7, ge=0, le=90)
    campaigns: list[CampaignWindow] = Field(default_factory=list, max_length=50)
    auto_refund_limit_cents: int = Field(
        200_00, ge=0, le=MAX_CENTS, description="auto-approve refunds up to this amount"
    )
    auto_refund_unshipped_only: bool = True
    # Good standing: fewer auto-approved refunds than this in the last 30 days, and not tagged.
    max_auto_refunds_30d: int = Field(3, ge=0, le=1000)
    blocked_tags: list[str] = Field(
        default_factory=lambda: ["blacklist", "fraud_risk"], max_length=20
    )
    refund_sla_minutes: int = Field(
        240, ge=1, le=7 * 24 * 60, description="a refund ticket's promised answer (business min)"
    )
    allow_cancel_unshipped: bool = True
    warehouse_team_id: int | None = Field(
        None, ge=1, description="the team handed late address changes and urges"
    )
    # Short, and set only by staff who manage orders: the bot runs it on every customer message
    # (capped at 1,000 characters), so a pathological pattern would cost every chat.
    order_number_pattern: str | None = Field(
        None,
        max_length=100,
        examples=[r"SO-\d{6,10}"],
        description="a regular expression for this shop's order numbers, as customers quote "
        "them to the bot; unset: a run of 10-20 digits",
    )

    @field_validator("order_number_pattern")
    @classmethod
    def _a_pattern_of_numbers(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        if compiled.fullmatch("") is not None:
            raise ValueError("the pattern must not match an empty text")
        return value


def load(raw: dict[str, object] | None) -> Policy:
    return Policy.model_validate(raw or {})


def price_protection_until(policy: Policy, paid_at: datetime) -> datetime:
    """The end of an order's price-protection window: the campaign's if it was bought in one."""
    until = paid_at + timedelta(days=policy.price_protection_days)
    for campaign in policy.campaigns:
        if campaign.starts_at <= paid_at < campaign.ends_at:
            until = max(until, campaign.protect_until)
    return until
