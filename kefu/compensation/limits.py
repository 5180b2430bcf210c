"""The checks a grant must pass: within the offer, one remedy per case, the customer's limits,
the workspace's budgets — and the granter's authority, above which a grant waits for approval."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.compensation.models import Grant, GrantStatus
from kefu.compensation.policy import MAX_CENTS, REMEDY_ZH, PolicyDoc, Remedy
from kefu.compensation.rules import yuan
from kefu.compensation.service import Resolved
from kefu.errors import Conflict, Invalid


class Refusal(Invalid):
    """A grant the offer does not allow (422); audited although nothing is applied."""

    def __init__(self, code: str, *, zh: str, en: str, audit: dict[str, Any]) -> None:
        super().__init__(code, zh=zh, en=en)
        self.audit = audit


class LimitReached(Conflict):
    """A grant a budget or the customer's limit does not allow now (409); audited."""

    def __init__(self, code: str, *, zh: str, en: str, audit: dict[str, Any]) -> None:
        super().__init__(code, zh=zh, en=en)
        self.audit = audit


def authority(doc: PolicyDoc, actor: Actor) -> int:
    """The largest grant `actor` may give without approval."""
    if actor.kind == "system":
        return MAX_CENTS
    if actor.kind == "bot":
        return doc.authority.bot
    return int(getattr(doc.authority, actor.role.value, 0)) if actor.role else 0


def one_remedy(
    session: Session, found: Resolved, ref: str, remedy: Remedy, audit: dict[str, Any]
) -> None:
    if not found.doc.one_remedy_per_case:
        return
    other = session.scalars(
        select(Grant).where(
            Grant.workspace_id == found.policy.workspace_id,
            Grant.case_ref == ref,
            Grant.status != GrantStatus.rejected,
        )
    ).first()
    if other is not None:
        raise LimitReached(
            "compensation.one_remedy_per_case",
            zh=f"此案件已有补偿（{REMEDY_ZH[other.remedy]} {yuan(other.amount_cents)}），"
            "每个案件只补偿一种方式",
            en=f"this case already has a {other.remedy.value} of {yuan(other.amount_cents)}; "
            "one remedy per case",
            audit=audit,
        )


def customer_and_budget(
    session: Session, found: Resolved, remedy: Remedy, amount: int, audit: dict[str, Any]
) -> None:
    lim = found.doc.limits
    if remedy not in lim.counts:
        return
    case, days = found.offer.case, lim.customer_window_days
    if lim.customer_max_grants is not None and case.prior_grants >= lim.customer_max_grants:
        raise LimitReached(
            "compensation.customer_limit",
            zh=f"该客户近 {days} 天已获补偿 {case.prior_grants} 次，达到上限 {lim.customer_max_grants} 次",
            en=f"the customer had {case.prior_grants} grants in {days} days, "
            f"the limit is {lim.customer_max_grants}",
            audit=audit,
        )
    if (
        lim.customer_max_cents is not None
        and case.prior_granted_cents + amount > lim.customer_max_cents
    ):
        left = max(0, lim.customer_max_cents - case.prior_granted_cents)
        raise LimitReached(
            "compensation.customer_amount_limit",
            zh=f"超出该客户近 {days} 天的补偿额度 {yuan(lim.customer_max_cents)}（剩余 {yuan(left)}）",
            en=f"above the customer's {days}-day limit of {yuan(lim.customer_max_cents)} "
            f"({yuan(left)} left)",
            audit=audit,
        )
    tz = ZoneInfo(lim.time_zone)
    local = clock.now().astimezone(tz)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    for budget, since, zh, en in (
        (lim.day_budget_cents, day, "今日", "today's"),
        (lim.month_budget_cents, day.replace(day=1), "本月", "this month's"),
    ):
        if budget is None:
            continue
        spent = _spent(session, found, since)
        if spent + amount > budget:
            raise LimitReached(
                "compensation.budget",
                zh=f"超出{zh}补偿预算 {yuan(budget)}（已用 {yuan(spent)}），请联系主管",
                en=f"above {en} compensation budget of {yuan(budget)} ({yuan(spent)} used); "
                "ask a supervisor",
                audit=audit,
            )


def _spent(session: Session, found: Resolved, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Grant.amount_cents), 0)).where(
                Grant.workspace_id == found.policy.workspace_id,
                Grant.status != GrantStatus.rejected,
                Grant.remedy.in_(found.doc.limits.counts),
                Grant.created_at >= since,
            )
        )
        or 0
    )


def within_offer(found: Resolved, remedy: Remedy, amount: int, audit: dict[str, Any]) -> None:
    offered = found.offer.remedy(remedy)
    if offered is None:
        allowed = "、".join(REMEDY_ZH[r.kind] for r in found.offer.remedies) or "无"
        raise Refusal(
            "compensation.not_offered",
            zh=f"政策不允许对此案件给予{REMEDY_ZH[remedy]}（可选：{allowed}）",
            en=f"the policy does not offer {remedy.value} for this case "
            f"(offered: {', '.join(r.kind.value for r in found.offer.remedies) or 'nothing'})",
            audit=audit,
        )
    if amount > offered.cap_cents:
        raise Refusal(
            "compensation.above_cap",
            zh=f"{REMEDY_ZH[remedy]}最高 {yuan(offered.cap_cents)}，所填 {yuan(amount)} 超出上限",
            en=f"{remedy.value} is capped at {yuan(offered.cap_cents)} for this case; "
            f"{yuan(amount)} is above it",
            audit=audit,
        )
