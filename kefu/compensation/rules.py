"""The engine: (case, policy) → offer. Pure — no database, no clock, no caller — so the same case
gives the identical offer on every channel, to agents and to the bot alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from kefu.compensation.policy import (
    CASE_ZH,
    FAULT_ZH,
    REMEDY_ZH,
    CaseType,
    Fault,
    Platform,
    PolicyDoc,
    Profile,
    Remedy,
    RemedyCap,
)
from kefu.orders.money import format_cents

Say = Callable[[str, str], None]
REFUNDS = frozenset({Remedy.partial_refund, Remedy.full_refund})


@dataclass(frozen=True, slots=True)
class Case:
    """What the engine decides on. Channel, conversation and who asks are deliberately absent."""

    case_type: CaseType
    fault: Fault
    order_value_cents: int = 0
    affected_cents: int | None = None  # the part of the order concerned (one line, a price drop)
    tier: str = "regular"
    platform: Platform = Platform.generic
    prior_grants: int = 0  # counted grants to this customer in the policy's window
    prior_granted_cents: int = 0
    complaints: int = 0  # tickets the customer opened in the window


class Reason(BaseModel):
    zh: str
    en: str


class CaseEcho(BaseModel):
    """The inputs exactly as the engine used them."""

    case_type: CaseType
    fault: Fault
    order_value_cents: int
    affected_cents: int | None
    tier: str
    platform: Platform
    prior_grants: int
    prior_granted_cents: int
    complaints: int


class ProfileRef(BaseModel):
    key: str
    title_zh: str
    title_en: str
    source: str
    as_of: str
    verify_yearly: bool


class OfferedRemedy(BaseModel):
    kind: Remedy
    cap_cents: int = Field(description="the most this remedy may give for the case (fen)")
    label_zh: str
    label_en: str


class Suggestion(BaseModel):
    kind: Remedy
    amount_cents: int


class Offer(BaseModel):
    """What may be offered for a case: remedies with caps, a default, and why."""

    policy_version: int
    case: CaseEcho
    profile: ProfileRef | None
    amount_cents: int = Field(description="what the case is worth under the profile (fen)")
    remedies: list[OfferedRemedy]
    default: Suggestion | None
    authority_cents: dict[str, int] = Field(description="largest grant without approval, by role")
    reasons: list[Reason]
    fingerprint: str = Field(description="sha256 of the offer: equal offers, equal fingerprints")

    def remedy(self, kind: Remedy) -> OfferedRemedy | None:
        return next((r for r in self.remedies if r.kind is kind), None)


def scale(cents: int, bp: int) -> int:
    """`cents` × `bp`/10000, rounded half up, in integers."""
    return (cents * bp + 5_000) // 10_000


def yuan(cents: int) -> str:
    return format_cents(cents, "CNY")


def select_profile(doc: PolicyDoc, case: Case) -> Profile | None:
    """The first active profile for the case's type, fault party and platform."""
    for p in doc.profiles:
        if (
            p.active
            and p.case_type is case.case_type
            and case.fault in p.faults
            and (not p.platforms or case.platform in p.platforms)
        ):
            return p
    return None


def compute(doc: PolicyDoc, version: int, case: Case) -> Offer:
    """The offer for `case` under policy `doc` (version `version`)."""
    reasons: list[Reason] = []

    def say(zh: str, en: str) -> None:
        reasons.append(Reason(zh=zh, en=en))

    basis = case.order_value_cents if case.affected_cents is None else case.affected_cents
    profile = None if case.fault is Fault.customer else select_profile(doc, case)
    amount, remedies = 0, []
    if case.fault is Fault.customer:
        say(
            "责任方为客户本人：本政策不提供补偿",
            "the customer caused this: the policy offers nothing",
        )
    elif profile is None:
        say(
            f"没有适用于「{CASE_ZH[case.case_type]}／{FAULT_ZH[case.fault]}」的启用规则",
            f"no active rule covers {case.case_type.value} caused by {case.fault.value}",
        )
    else:
        say(f"规则：{profile.title_zh}", f"rule: {profile.title_en}")
        say(
            f"依据：{profile.source}（截至 {profile.as_of}）",
            f"source: {profile.source} (as of {profile.as_of})",
        )
        amount = _base_amount(profile, basis, say)
        if profile.adjust:
            amount = _adjust(doc, profile, case, amount, say)
        remedies = _remedies(doc, profile, case, amount, basis, say)
    default = _default(profile, remedies)
    if default is not None:
        say(
            f"建议：{REMEDY_ZH[default.kind]} {yuan(default.amount_cents)}",
            f"suggested: {default.kind.value} {yuan(default.amount_cents)}",
        )
    offer = Offer(
        policy_version=version,
        case=CaseEcho(
            case_type=case.case_type,
            fault=case.fault,
            order_value_cents=case.order_value_cents,
            affected_cents=case.affected_cents,
            tier=case.tier,
            platform=case.platform,
            prior_grants=case.prior_grants,
            prior_granted_cents=case.prior_granted_cents,
            complaints=case.complaints,
        ),
        profile=(
            ProfileRef(
                key=profile.key,
                title_zh=profile.title_zh,
                title_en=profile.title_en,
                source=profile.source,
                as_of=profile.as_of,
                verify_yearly=profile.verify_yearly,
            )
            if profile
            else None
        ),
        amount_cents=amount,
        remedies=remedies,
        default=default,
        authority_cents=doc.authority.model_dump(),
        reasons=reasons,
        fingerprint="",
    )
    body = json.dumps(offer.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    offer.fingerprint = hashlib.sha256(body.encode()).hexdigest()
    return offer


def _base_amount(profile: Profile, basis: int, say: Say) -> int:
    a = profile.amount
    if a.fixed_cents is not None:
        raw = a.fixed_cents
        say(f"固定金额 {yuan(raw)}", f"fixed amount {yuan(raw)}")
    else:
        assert a.rate_bp is not None
        raw = scale(basis, a.rate_bp)
        pct = f"{a.rate_bp / 100:g}%"
        say(f"{yuan(basis)} × {pct} = {yuan(raw)}", f"{yuan(basis)} × {pct} = {yuan(raw)}")
    amount = min(max(raw, a.min_cents), a.max_cents)
    if amount > raw:
        say(f"不低于最低额 {yuan(a.min_cents)}", f"raised to the floor of {yuan(a.min_cents)}")
    elif amount < raw:
        say(f"不超过上限 {yuan(a.max_cents)}", f"capped at {yuan(a.max_cents)}")
    return amount


def _adjust(doc: PolicyDoc, profile: Profile, case: Case, amount: int, say: Say) -> int:
    factor = doc.tiers.get(case.tier, 10_000)
    if factor != 10_000:
        amount = scale(amount, factor)
        say(
            f"会员等级 {case.tier}：×{factor / 10_000:g} → {yuan(amount)}",
            f"tier {case.tier}: ×{factor / 10_000:g} → {yuan(amount)}",
        )
    h, days = doc.history, doc.limits.customer_window_days
    if case.prior_grants >= h.repeat_grants_at:
        amount = scale(amount, h.repeat_factor)
        say(
            f"近 {days} 天已补偿 {case.prior_grants} 次：×{h.repeat_factor / 10_000:g} → {yuan(amount)}",
            f"{case.prior_grants} grants in {days} days: ×{h.repeat_factor / 10_000:g} → {yuan(amount)}",
        )
    if case.complaints >= h.complaints_at:
        amount = scale(amount, h.complaints_factor)
        say(
            f"近 {days} 天已反映 {case.complaints} 次：×{h.complaints_factor / 10_000:g} → {yuan(amount)}",
            f"{case.complaints} contacts in {days} days: ×{h.complaints_factor / 10_000:g} → {yuan(amount)}",
        )
    if amount > profile.amount.max_cents:
        amount = profile.amount.max_cents
        say(f"调整后仍不超过上限 {yuan(amount)}", f"still capped at {yuan(amount)}")
    return amount


def _remedies(
    doc: PolicyDoc, profile: Profile, case: Case, amount: int, basis: int, say: Say
) -> list[OfferedRemedy]:
    lim = doc.limits
    counted = set(lim.counts)
    blocked = lim.customer_max_grants is not None and case.prior_grants >= lim.customer_max_grants
    left = (
        None
        if lim.customer_max_cents is None
        else max(0, lim.customer_max_cents - case.prior_granted_cents)
    )
    if blocked:
        say(
            f"该客户近 {lim.customer_window_days} 天已获补偿 {case.prior_grants} 次，达到上限：不再提供{_names(counted)}",
            f"the customer had {case.prior_grants} grants in {lim.customer_window_days} days, "
            f"the limit: no more {', '.join(sorted(r.value for r in counted))}",
        )
    elif left is not None and left < amount and counted & {r.kind for r in profile.remedies}:
        say(
            f"该客户近 {lim.customer_window_days} 天额度剩余 {yuan(left)}",
            f"the customer has {yuan(left)} left for {lim.customer_window_days} days",
        )
    out = []
    for spec in profile.remedies:
        cap = (
            amount
            if spec.cap is RemedyCap.computed
            else basis
            if spec.cap is RemedyCap.order_value
            else spec.cap_cents or 0
        )
        if spec.kind in REFUNDS:
            cap = min(cap, case.order_value_cents)
        if spec.kind in counted:
            if blocked:
                continue
            if left is not None:
                cap = min(cap, left)
        if cap <= 0:
            if spec.kind in REFUNDS and case.order_value_cents == 0:
                say(
                    f"没有订单金额：不提供{REMEDY_ZH[spec.kind]}",
                    f"no order value: no {spec.kind.value.replace('_', ' ')}",
                )
            continue
        out.append(
            OfferedRemedy(
                kind=spec.kind,
                cap_cents=cap,
                label_zh=f"{REMEDY_ZH[spec.kind]}（最高 {yuan(cap)}）",
                label_en=f"{spec.kind.value.replace('_', ' ')} (up to {yuan(cap)})",
            )
        )
    if not out:
        say("没有可提供的补偿方式", "no remedy can be offered")
    return out


def _names(kinds: set[Remedy]) -> str:
    return "、".join(REMEDY_ZH[k] for k in sorted(kinds))


def _default(profile: Profile | None, remedies: list[OfferedRemedy]) -> Suggestion | None:
    if profile is None or not remedies:
        return None
    pick = next((r for r in remedies if r.kind is profile.default), remedies[0])
    return Suggestion(kind=pick.kind, amount_cents=pick.cap_cents)
