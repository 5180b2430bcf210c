"""The compensation policy document: its vocabulary and its schema (validated on every edit).

A workspace's policy is one JSON document, stored as numbered versions. Amounts are integer fen
(分); rates are basis points (3000 = 30 %), so no float ever touches money and the same document
gives the same offer on every machine.
"""

from __future__ import annotations

import enum
from typing import Annotated, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kefu.http.types import NoNul


class CaseType(enum.StrEnum):
    late_shipment = "late_shipment"
    out_of_stock_after_payment = "out_of_stock_after_payment"
    lost_parcel = "lost_parcel"
    damaged_parcel = "damaged_parcel"
    wrong_item = "wrong_item"
    price_drop = "price_drop"
    broken_promise = "broken_promise"
    service_failure = "service_failure"


class Fault(enum.StrEnum):
    shop = "shop"
    warehouse = "warehouse"
    carrier = "carrier"
    supplier = "supplier"
    platform = "platform"
    customer = "customer"


class Remedy(enum.StrEnum):
    voucher = "voucher"  # a shop coupon / red packet (优惠券、红包)
    free_shipping = "free_shipping"  # shipping fee waived or paid back (免邮、运费补偿)
    partial_refund = "partial_refund"  # money back, part of what was paid (部分退款)
    full_refund = "full_refund"  # all of what was paid (全额退款)
    points = "points"  # loyalty points, 1 point = 1 fen (as JD's 京豆: 100 = ¥1)
    replacement = "replacement"  # the goods sent again (补发、换货); amount = their value


class Platform(enum.StrEnum):
    taobao = "taobao"
    tmall = "tmall"
    jd = "jd"
    pdd = "pdd"
    douyin = "douyin"
    wechat = "wechat"
    generic = "generic"


REMEDY_ZH = {
    Remedy.voucher: "优惠券",
    Remedy.free_shipping: "运费补偿",
    Remedy.partial_refund: "部分退款",
    Remedy.full_refund: "全额退款",
    Remedy.points: "积分",
    Remedy.replacement: "补发/换货",
}
CASE_ZH = {
    CaseType.late_shipment: "延迟发货",
    CaseType.out_of_stock_after_payment: "付款后缺货",
    CaseType.lost_parcel: "包裹丢失",
    CaseType.damaged_parcel: "包裹破损",
    CaseType.wrong_item: "发错货",
    CaseType.price_drop: "降价",
    CaseType.broken_promise: "承诺未兑现",
    CaseType.service_failure: "服务失误",
}
FAULT_ZH = {
    Fault.shop: "店铺",
    Fault.warehouse: "仓库",
    Fault.carrier: "快递",
    Fault.supplier: "供应商",
    Fault.platform: "平台",
    Fault.customer: "客户",
}

MAX_CENTS = 100_000_000  # ¥1,000,000: anything larger in a policy or a request is a typo
Cents = Annotated[int, Field(ge=0, le=MAX_CENTS)]
BasisPoints = Annotated[int, Field(ge=0, le=10_000, description="1/100 of a percent: 3000 = 30 %")]
Factor = Annotated[
    int, Field(ge=0, le=50_000, description="basis points: 10000 = ×1, 15000 = ×1.5")
]
Text = Annotated[str, Field(max_length=500), NoNul]
ShortKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.\-]*$")]
TierName = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")]
ISODate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Amount(_Strict):
    """How much a case is worth: `rate_bp` of the basis (order or affected value), or `fixed_cents`,
    then kept within [min_cents, max_cents]."""

    rate_bp: BasisPoints | None = None
    fixed_cents: Cents | None = None
    min_cents: Cents = 0
    max_cents: Cents = MAX_CENTS

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if (self.rate_bp is None) == (self.fixed_cents is None):
            raise ValueError("give exactly one of rate_bp and fixed_cents")
        if self.min_cents > self.max_cents:
            raise ValueError("min_cents must not exceed max_cents")
        return self


class RemedyCap(enum.StrEnum):
    computed = "computed"  # the profile's amount (after tier and history adjustments)
    order_value = "order_value"  # what the customer paid for the affected goods
    fixed = "fixed"  # cap_cents


class RemedySpec(_Strict):
    kind: Remedy
    cap: RemedyCap = RemedyCap.computed
    cap_cents: Cents | None = None

    @model_validator(mode="after")
    def _cap(self) -> Self:
        if (self.cap is RemedyCap.fixed) != (self.cap_cents is not None):
            raise ValueError("cap_cents is given exactly when cap is 'fixed'")
        return self


class Profile(_Strict):
    """One rule: which cases it covers, what they are worth, which remedies may pay it."""

    key: ShortKey
    case_type: CaseType
    faults: list[Fault] = Field(min_length=1, max_length=6)
    platforms: list[Platform] = Field(default_factory=list, max_length=7, description="[] = any")
    active: bool = True
    title_zh: Text
    title_en: Text
    amount: Amount
    remedies: list[RemedySpec] = Field(min_length=1, max_length=6)
    default: Remedy
    # Platform compensation standards are entitlements; goodwill adjusts with tier and history.
    adjust: bool = False
    source: Text = Field(description="where the numbers come from (URL, reliability grade)")
    as_of: ISODate
    verify_yearly: bool = True
    note: Text = ""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        kinds = [r.kind for r in self.remedies]
        if len(set(kinds)) != len(kinds):
            raise ValueError(f"profile {self.key}: a remedy is listed twice")
        if self.default not in kinds:
            raise ValueError(f"profile {self.key}: the default remedy must be one of its remedies")
        if len(set(self.faults)) != len(self.faults):
            raise ValueError(f"profile {self.key}: a fault party is listed twice")
        return self


class Authority(_Strict):
    """The largest grant (fen) each kind of granter may give without approval; above → approval."""

    agent: Cents = 20_000
    team_lead: Cents = 50_000
    supervisor: Cents = 200_000
    admin: Cents = 1_000_000
    analyst: Cents = 0
    bot: Cents = 5_000


class Limits(_Strict):
    """Per workspace (budget) and per customer, over the remedies in `counts`."""

    day_budget_cents: Cents | None = 500_000
    month_budget_cents: Cents | None = 5_000_000
    customer_window_days: int = Field(default=30, ge=1, le=366)
    customer_max_grants: int | None = Field(default=3, ge=0, le=1000)
    customer_max_cents: Cents | None = 100_000
    counts: list[Remedy] = Field(
        default_factory=lambda: [
            Remedy.voucher,
            Remedy.free_shipping,
            Remedy.partial_refund,
            Remedy.points,
        ],
        max_length=6,
        description="full refunds and replacements give back what was paid: not goodwill spend",
    )
    time_zone: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z_]+(/[A-Za-z_\-+0-9]+)*$")] = (
        "Asia/Shanghai"
    )


class History(_Strict):
    """How the customer's last `Limits.customer_window_days` move a goodwill (adjust) amount."""

    repeat_grants_at: int = Field(default=2, ge=1, le=1000)
    repeat_factor: Factor = 5_000
    complaints_at: int = Field(default=3, ge=1, le=1000)
    complaints_factor: Factor = 12_000


class PolicyDoc(_Strict):
    """A workspace's whole compensation policy (one version)."""

    currency: Annotated[str, Field(pattern=r"^CNY$")] = "CNY"
    profiles: list[Profile] = Field(max_length=100)
    tiers: dict[TierName, Factor] = Field(default_factory=dict, max_length=50)
    history: History = Field(default_factory=History)
    authority: Authority = Field(default_factory=Authority)
    limits: Limits = Field(default_factory=Limits)
    one_remedy_per_case: bool = True
    approval_within_minutes: int = Field(default=120, ge=5, le=7 * 24 * 60)

    @model_validator(mode="after")
    def _unique_keys(self) -> Self:
        keys = [p.key for p in self.profiles]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"profile keys must be unique: {', '.join(dupes)}")
        try:
            ZoneInfo(self.limits.time_zone)
        except (KeyError, ValueError, OSError) as exc:
            raise ValueError(f"unknown time zone {self.limits.time_zone!r}") from exc
        return self
