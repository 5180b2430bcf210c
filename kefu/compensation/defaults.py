"""The policy a workspace starts with (its version 1): templates from cn_rules.md, each sourced.

Every number is an editable default, not legal advice (cn_rules.md, "How to read this file").
Grades: A official, B press, C unverified repost, "kefu" = our own default where cn_rules.md found
no platform rule (§7 gaps). Profiles are tried in order; the first active one whose case type,
fault party and platform match is used — so platform-specific profiles come first.
"""

from __future__ import annotations

from typing import Any

from kefu.compensation.policy import PolicyDoc

CN_RULES = "shared/reference/cn_rules.md"
COMPILED = "2026-11-22"  # when cn_rules.md was compiled from its sources
SHOP_SIDE = ["shop", "warehouse", "supplier"]
NOT_CUSTOMER = ["shop", "warehouse", "carrier", "supplier", "platform"]

_PLATFORM_COMP = [
    {"kind": "voucher"},
    {"kind": "points"},
    {"kind": "partial_refund"},
]

PROFILES: list[dict[str, Any]] = [
    {
        "key": "late_shipment.pdd",
        "case_type": "late_shipment",
        "faults": SHOP_SIDE,
        "platforms": ["pdd"],
        # PDD paused late-shipment penalties from 2022-12-09 (COVID disruption): off until verified.
        "active": False,
        "title_zh": "拼多多延迟发货：每单 ¥3 平台券",
        "title_en": "Pinduoduo late shipment: ¥3 coupon per order",
        "amount": {"fixed_cents": 300},
        "remedies": [{"kind": "voucher"}],
        "default": "voucher",
        "source": f"{CN_RULES} §1.2; http://doc.intozgc.com/202212/19/138220.html (B−)",
        "as_of": "2022-12-19",
        "note": "PDD paused late-shipment penalties from 2022-12-09; verify before enabling",
    },
    {
        "key": "late_shipment.tmall_jd",
        "case_type": "late_shipment",
        "faults": SHOP_SIDE,
        "title_zh": "延迟发货：实付 30%，最低 ¥5，最高 ¥500（天猫/京东现行）",
        "title_en": "Late shipment: 30 % of the price paid, ¥5 to ¥500 (Tmall/JD current)",
        "amount": {"rate_bp": 3000, "min_cents": 500, "max_cents": 50_000},
        "remedies": _PLATFORM_COMP,
        "default": "voucher",
        "source": f"{CN_RULES} §1.2; https://www.yd166.com/shehui/5678120927.html (C); "
        "JD 先行赔付 30% ≤ ¥500 in 京豆, https://jupin.net.cn/ (C+)",
        "as_of": COMPILED,
    },
    {
        "key": "late_shipment.taobao_2015",
        "case_type": "late_shipment",
        "faults": SHOP_SIDE,
        "active": False,
        "title_zh": "延迟发货（淘宝 2015 旧版）：实付 5%，最低 ¥5，最高 ¥30",
        "title_en": "Late shipment (Taobao 2015 legacy): 5 % of the price, ¥5 to ¥30",
        "amount": {"rate_bp": 500, "min_cents": 500, "max_cents": 3_000},
        "remedies": _PLATFORM_COMP,
        "default": "voucher",
        "source": f"{CN_RULES} §1.2; https://en.hb2b.com/ask/196913.html (C)",
        "as_of": "2015-10-29",
        "note": "legacy profile, kept for shops still on the old terms",
    },
    {
        "key": "out_of_stock.tmall",
        "case_type": "out_of_stock_after_payment",
        "faults": SHOP_SIDE,
        "title_zh": "付款后缺货：实付 30%，最低 ¥5，最高 ¥500（同延迟发货）",
        "title_en": "Out of stock after payment: 30 % of the price, ¥5 to ¥500 (as late shipment)",
        "amount": {"rate_bp": 3000, "min_cents": 500, "max_cents": 50_000},
        "remedies": _PLATFORM_COMP,
        "default": "voucher",
        "source": f"{CN_RULES} §1.3; https://hzzhuoqun.cn/evans335 (C)",
        "as_of": COMPILED,
        "note": "never talk the buyer into another refund reason (compliance risk, cn_rules §1.3); "
        "the refund itself goes through orders, this is the compensation on top. "
        "Seed 002: a ¥268 oversold item → ¥80.40, inside the ¥50–100 the article recommends",
    },
    {
        "key": "out_of_stock.legacy",
        "case_type": "out_of_stock_after_payment",
        "faults": SHOP_SIDE,
        "active": False,
        "title_zh": "付款未到货/空挂（旧规则）：退款额 5%，最高 ¥30",
        "title_en": "Paid but never shipped (old rule): 5 % of the refund, at most ¥30",
        "amount": {"rate_bp": 500, "max_cents": 3_000},
        "remedies": _PLATFORM_COMP,
        "default": "voucher",
        "source": f"{CN_RULES} §1.3; http://www.17872.cn/ws/201410/c_11579.html (C)",
        "as_of": "2014-10-01",
    },
    {
        "key": "broken_promise.goodwill",
        "case_type": "broken_promise",
        "faults": NOT_CUSTOMER,
        "title_zh": "承诺未兑现：¥50 无门槛券（最高 ¥100），一次解决胜过一小时沟通",
        "title_en": "Broken promise: a ¥50 voucher (up to ¥100); cheaper than an hour of staff time",
        "amount": {"fixed_cents": 5_000, "min_cents": 5_000, "max_cents": 10_000},
        "remedies": [{"kind": "voucher"}, {"kind": "points"}, {"kind": "partial_refund"}],
        "default": "voucher",
        "adjust": True,
        "source": "seed 002 (大P的互联网, 2010-10-26): ¥50–100 voucher or discount, "
        "because the staff time a dispute costs is worth more (kefu default)",
        "as_of": COMPILED,
    },
    {
        "key": "service_failure.goodwill",
        "case_type": "service_failure",
        "faults": NOT_CUSTOMER,
        "title_zh": "服务失误：¥50 无门槛券（最高 ¥100）",
        "title_en": "Service failure: a ¥50 voucher (up to ¥100)",
        "amount": {"fixed_cents": 5_000, "min_cents": 5_000, "max_cents": 10_000},
        "remedies": [
            {"kind": "voucher"},
            {"kind": "points"},
            {"kind": "free_shipping", "cap": "fixed", "cap_cents": 2_000},
        ],
        "default": "voucher",
        "adjust": True,
        "source": "seed 002 (¥50–100 goodwill); seed 001 (one compensation on every channel) "
        "(kefu default)",
        "as_of": COMPILED,
    },
    {
        "key": "lost_parcel.resend",
        "case_type": "lost_parcel",
        "faults": NOT_CUSTOMER,
        "title_zh": "包裹丢失：补发或全额退款，另可补 ¥20 券",
        "title_en": "Lost parcel: resend or refund in full, plus up to a ¥20 voucher",
        "amount": {"fixed_cents": 2_000},
        "remedies": [
            {"kind": "replacement", "cap": "order_value"},
            {"kind": "full_refund", "cap": "order_value"},
            {"kind": "voucher"},
        ],
        "default": "replacement",
        "adjust": True,
        "source": "kefu default: no platform amount in cn_rules.md (§7 gaps); the shop claims "
        "the carrier's loss separately",
        "as_of": COMPILED,
    },
    {
        "key": "damaged_parcel.resend",
        "case_type": "damaged_parcel",
        "faults": NOT_CUSTOMER,
        "title_zh": "包裹破损：补发/换货、全额退款，或按实付 30% 部分退款",
        "title_en": "Damaged parcel: replace, refund in full, or a 30 % partial refund",
        "amount": {"rate_bp": 3000, "min_cents": 500},
        "remedies": [
            {"kind": "replacement", "cap": "order_value"},
            {"kind": "full_refund", "cap": "order_value"},
            {"kind": "partial_refund"},
        ],
        "default": "replacement",
        "adjust": True,
        "source": "kefu default (cn_rules.md §7: no platform amount found)",
        "as_of": COMPILED,
    },
    {
        "key": "wrong_item.exchange",
        "case_type": "wrong_item",
        "faults": NOT_CUSTOMER,
        "title_zh": "发错货：换货或退款，退回运费由店铺承担（最高 ¥20）",
        "title_en": "Wrong item: exchange or refund; the shop pays the return freight (up to ¥20)",
        "amount": {"fixed_cents": 2_000},
        "remedies": [
            {"kind": "replacement", "cap": "order_value"},
            {"kind": "full_refund", "cap": "order_value"},
            {"kind": "free_shipping"},
        ],
        "default": "replacement",
        "source": f"{CN_RULES} §1.5: return freight is the consumer's only when the seller is "
        "not at fault; the amount is a kefu default",
        "as_of": COMPILED,
    },
    {
        "key": "price_drop.difference",
        "case_type": "price_drop",
        "faults": ["shop", "platform"],
        "title_zh": "价保：退还差价（按降价金额 100%）",
        "title_en": "Price protection: the difference refunded (100 % of the drop)",
        "amount": {"rate_bp": 10_000},
        "remedies": [{"kind": "partial_refund"}, {"kind": "voucher"}],
        "default": "partial_refund",
        "source": f"{CN_RULES} §1.6; Tmall D11 价保 2022 (IT之家 2022-10-18, B); the window "
        "check is the orders domain's (价保 self-service)",
        "as_of": "2022-10-18",
        "note": "give the price difference as affected_cents",
    },
]

DEFAULT: dict[str, Any] = {
    "currency": "CNY",
    "profiles": PROFILES,
    # Shop tiers (customers.tier: "regular", "vip1" … "vip5", "svip"); a tier not listed counts ×1.
    # They move goodwill only (profiles with adjust: true); kefu defaults, edit to the shop's scheme.
    "tiers": {
        "regular": 10_000,
        "vip": 12_000,
        "vip1": 11_000,
        "vip2": 12_000,
        "vip3": 13_000,
        "vip4": 14_000,
        "vip5": 15_000,
        "svip": 15_000,
    },
}


def default_policy() -> PolicyDoc:
    """A fresh copy of the default policy, validated."""
    return PolicyDoc.model_validate(DEFAULT)
