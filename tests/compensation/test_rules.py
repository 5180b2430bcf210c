"""The engine on the default policy: each profile's math with its floors and caps, tiers, history,
per-customer limits — pure functions, no database."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kefu.compensation.defaults import DEFAULT, default_policy
from kefu.compensation.policy import CaseType, Fault, Platform, PolicyDoc, Remedy
from kefu.compensation.rules import Case, compute, scale

DOC = default_policy()
T = CaseType


def offer(case_type: CaseType, value: int = 0, fault: Fault = Fault.warehouse, **kw: object):
    return compute(DOC, 1, Case(case_type=case_type, fault=fault, order_value_cents=value, **kw))  # type: ignore[arg-type]


def caps(o) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {r.kind.value: r.cap_cents for r in o.remedies}


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        (2_000, 600),  # ¥20 × 30 % = ¥6, inside ¥5–500
        (1_000, 500),  # ¥10 × 30 % = ¥3 → the ¥5 floor
        (300_000, 50_000),  # ¥3000 × 30 % = ¥900 → the ¥500 cap
        (166_667, 50_000),  # ¥500.001 rounds to the cap exactly
        (26_800, 8_040),  # seed 002's ¥268 item → ¥80.40
        (3, 500),  # 0.9 fen → floor
    ],
)
def test_late_shipment_tmall_jd_is_30_percent_within_5_to_500(value: int, amount: int) -> None:
    o = offer(T.late_shipment, value)
    assert o.profile is not None and o.profile.key == "late_shipment.tmall_jd"
    assert o.profile.as_of == "2026-11-22" and "yd166" in o.profile.source
    assert o.amount_cents == amount
    assert o.default is not None and o.default.kind is Remedy.voucher
    assert o.default.amount_cents == amount
    # A refund can never be more than what was paid; a voucher can (the ¥5 floor on a ¥0.03 item).
    assert caps(o) == {"voucher": amount, "points": amount, "partial_refund": min(amount, value)}


def test_out_of_stock_after_payment_uses_the_same_30_percent_profile() -> None:
    assert offer(T.out_of_stock_after_payment, 2_000).amount_cents == 600
    assert offer(T.out_of_stock_after_payment, 300_000).amount_cents == 50_000
    assert offer(T.out_of_stock_after_payment, 1_000).amount_cents == 500
    o = offer(T.out_of_stock_after_payment, 26_800, fault=Fault.supplier)
    assert o.profile is not None and o.profile.key == "out_of_stock.tmall"
    assert 5_000 <= o.amount_cents <= 10_000  # seed 002: ¥50–100 settles it


def test_the_legacy_5_percent_profile_applies_once_enabled() -> None:
    data = DEFAULT | {
        "profiles": [
            p | {"active": p["key"] == "late_shipment.taobao_2015"} for p in DEFAULT["profiles"]
        ]
    }
    doc = PolicyDoc.model_validate(data)
    for value, amount in ((20_000, 1_000), (2_000, 500), (100_000, 3_000)):
        o = compute(
            doc, 2, Case(case_type=T.late_shipment, fault=Fault.shop, order_value_cents=value)
        )
        assert o.profile is not None and o.profile.key == "late_shipment.taobao_2015"
        assert o.amount_cents == amount  # 5 %, ¥5 floor, ¥30 cap
        assert o.policy_version == 2


def test_platform_profiles_come_first_when_active() -> None:
    data = DEFAULT | {
        "profiles": [
            p | {"active": True} if p["key"] == "late_shipment.pdd" else p
            for p in DEFAULT["profiles"]
        ]
    }
    doc = PolicyDoc.model_validate(data)
    pdd = compute(
        doc,
        1,
        Case(
            case_type=T.late_shipment,
            fault=Fault.shop,
            order_value_cents=50_000,
            platform=Platform.pdd,
        ),
    )
    tmall = compute(
        doc,
        1,
        Case(
            case_type=T.late_shipment,
            fault=Fault.shop,
            order_value_cents=50_000,
            platform=Platform.tmall,
        ),
    )
    assert (pdd.amount_cents, caps(pdd)) == (300, {"voucher": 300})
    assert tmall.amount_cents == 15_000


def test_goodwill_for_a_broken_promise_is_50_and_at_most_100_yuan() -> None:
    o = offer(T.broken_promise, fault=Fault.shop)
    assert o.amount_cents == 5_000 and o.default is not None and o.default.amount_cents == 5_000
    assert "partial_refund" not in caps(o)  # no order value: nothing to refund from
    assert any("没有订单金额" in r.zh for r in o.reasons)
    assert offer(T.service_failure, fault=Fault.platform).amount_cents == 5_000


def test_tier_and_history_move_goodwill_but_not_the_platform_standard() -> None:
    assert offer(T.broken_promise, fault=Fault.shop, tier="vip").amount_cents == 6_000
    assert offer(T.broken_promise, fault=Fault.shop, tier="svip").amount_cents == 7_500
    assert offer(T.broken_promise, fault=Fault.shop, tier="unknown").amount_cents == 5_000
    # ×1.5 then ×1.2 = ¥90; a third contact counts, the ¥100 cap holds.
    o = offer(T.broken_promise, fault=Fault.shop, tier="svip", complaints=3)
    assert o.amount_cents == 9_000
    assert [r.en for r in o.reasons if "×" in r.en] == [
        "tier svip: ×1.5 → ¥75.00",
        "3 contacts in 30 days: ×1.2 → ¥90.00",
    ]
    # A serial claimant (2 grants in 30 days) gets half.
    assert offer(T.broken_promise, fault=Fault.shop, prior_grants=2).amount_cents == 2_500
    # Late shipment is an entitlement: the tier does not change it.
    assert offer(T.late_shipment, 2_000, tier="svip", complaints=5).amount_cents == 600


def test_customer_limits_clip_and_then_block_the_counted_remedies() -> None:
    o = offer(T.late_shipment, 300_000, prior_granted_cents=80_000, prior_grants=1)
    assert caps(o) == {"voucher": 20_000, "points": 20_000, "partial_refund": 20_000}
    assert any("剩余 ¥200.00" in r.zh for r in o.reasons)
    blocked = offer(T.lost_parcel, 10_000, fault=Fault.carrier, prior_grants=3)
    # Refunds and replacements give back what was paid: they are not goodwill and stay offered.
    assert caps(blocked) == {"replacement": 10_000, "full_refund": 10_000}
    assert blocked.default is not None and blocked.default.kind is Remedy.replacement


def test_cases_outside_the_rules_get_an_empty_offer_with_the_reason() -> None:
    mine = offer(T.late_shipment, 2_000, fault=Fault.customer)
    assert mine.remedies == [] and mine.default is None and mine.profile is None
    assert mine.reasons[0].en == "the customer caused this: the policy offers nothing"
    carrier_late = offer(T.late_shipment, 2_000, fault=Fault.carrier)
    assert carrier_late.remedies == [] and "no active rule" in carrier_late.reasons[0].en


@pytest.mark.parametrize(
    ("case_type", "value", "fault", "expected", "default"),
    [
        (
            T.lost_parcel,
            12_900,
            Fault.carrier,
            {"replacement": 12_900, "full_refund": 12_900, "voucher": 2_000},
            "replacement",
        ),
        (
            T.damaged_parcel,
            12_900,
            Fault.carrier,
            {"replacement": 12_900, "full_refund": 12_900, "partial_refund": 3_870},
            "replacement",
        ),
        (
            T.wrong_item,
            12_900,
            Fault.warehouse,
            {"replacement": 12_900, "full_refund": 12_900, "free_shipping": 2_000},
            "replacement",
        ),
    ],
)
def test_parcel_profiles(case_type, value, fault, expected, default) -> None:  # type: ignore[no-untyped-def]
    o = offer(case_type, value, fault=fault)
    assert caps(o) == expected
    assert o.default is not None and o.default.kind.value == default


def test_price_drop_refunds_the_difference() -> None:
    o = offer(T.price_drop, 59_900, fault=Fault.shop, affected_cents=4_000)
    assert caps(o) == {"partial_refund": 4_000, "voucher": 4_000}
    assert o.default is not None and o.default.kind is Remedy.partial_refund


def test_same_case_same_offer_and_fingerprint() -> None:
    a, b = offer(T.late_shipment, 2_000), offer(T.late_shipment, 2_000)
    assert a.model_dump() == b.model_dump() and len(a.fingerprint) == 64
    assert offer(T.late_shipment, 2_001).fingerprint != a.fingerprint


def test_every_default_profile_names_its_source_and_date() -> None:
    for p in DOC.profiles:
        assert p.source and len(p.as_of) == 10, p.key
        assert p.title_zh and p.title_en


@pytest.mark.parametrize(
    "change",
    [
        {"profiles": [DEFAULT["profiles"][1] | {"default": "full_refund"}]},
        {"profiles": [DEFAULT["profiles"][1], DEFAULT["profiles"][1]]},
        {"profiles": [DEFAULT["profiles"][1] | {"amount": {"rate_bp": 3000, "fixed_cents": 5}}]},
        {
            "profiles": [
                DEFAULT["profiles"][1]
                | {"amount": {"rate_bp": 3000, "min_cents": 9, "max_cents": 1}}
            ]
        },
        {"profiles": [DEFAULT["profiles"][1] | {"amount": {"rate_bp": -1}}]},
        {"profiles": [DEFAULT["profiles"][1] | {"case_type": "alien_abduction"}]},
        {"limits": {"time_zone": "Mars/Olympus"}},
        {"surprise": True},
    ],
)
def test_bad_policies_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        PolicyDoc.model_validate(DEFAULT | change)


def test_scale_rounds_half_up_in_integers() -> None:
    assert scale(5, 5_000) == 3 and scale(4, 5_000) == 2 and scale(1, 3_000) == 0
