"""Policies (versioned per workspace) and offers: a case as the caller knows it, resolved against
the workspace's own rows (order value, customer tier and history), then run through the engine.

Whoever asks — an agent on chat, e-mail or phone, or the bot — the facts come from the same rows,
so the same case gets the identical offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.compensation import subject
from kefu.compensation.defaults import default_policy
from kefu.compensation.models import CompensationPolicy, Grant, GrantStatus
from kefu.compensation.policy import CaseType, Fault, Platform, PolicyDoc
from kefu.compensation.rules import Case, Offer, compute
from kefu.conversations.models import Conversation
from kefu.customers.models import Customer
from kefu.errors import Conflict, Forbidden, Invalid, not_found
from kefu.tenancy import get_scoped, scoped
from kefu.tickets.models import Ticket

CUSTOMER = ("客户", "customer")
TICKET = ("工单", "ticket")
CONVERSATION = ("会话", "conversation")
VERSION = ("补偿政策版本", "compensation policy version")


def require_compensate(actor: Actor) -> None:
    """Staff with Perm.compensate, the bot and the system may ask for offers and grant."""
    if actor.kind in ("bot", "system"):
        return
    if actor.kind == "customer":
        raise Forbidden(
            "permission.denied", zh="客户不能直接发放补偿", en="customers cannot grant compensation"
        )
    require(actor, Perm.compensate)


# --- policy versions ----------------------------------------------------------------------------


def current_policy(session: Session, workspace_id: int) -> CompensationPolicy:
    """The workspace's newest policy version; the defaults become version 1 on first use."""
    row = _newest(session, workspace_id)
    if row is not None:
        return row
    first = CompensationPolicy(
        workspace_id=workspace_id,
        version=1,
        document=default_policy().model_dump(mode="json"),
        note="默认模板（cn_rules.md）/ default templates (cn_rules.md)",
    )
    try:
        with session.begin_nested():
            session.add(first)
            session.flush()
    except IntegrityError:
        # Another transaction installed the defaults at the same moment: use theirs.
        row = _newest(session, workspace_id)
        assert row is not None
        return row
    return first


def _newest(session: Session, workspace_id: int) -> CompensationPolicy | None:
    return session.scalars(
        select(CompensationPolicy)
        .where(CompensationPolicy.workspace_id == workspace_id)
        .order_by(CompensationPolicy.version.desc())
        .limit(1)
    ).first()


def document(row: CompensationPolicy) -> PolicyDoc:
    return PolicyDoc.model_validate(row.document)


def get_policy(
    session: Session, *, actor: Actor
) -> tuple[CompensationPolicy, list[CompensationPolicy]]:
    """(current version, every version newest first)."""
    require(actor, Perm.read)
    current = current_policy(session, actor.workspace_id)
    history = list(
        session.scalars(
            scoped(CompensationPolicy, actor).order_by(CompensationPolicy.version.desc())
        )
    )
    return current, history


def get_version(session: Session, *, actor: Actor, version: int) -> CompensationPolicy:
    require(actor, Perm.read)
    current_policy(session, actor.workspace_id)
    row = session.scalars(
        scoped(CompensationPolicy, actor).where(CompensationPolicy.version == version)
    ).first()
    if row is None:
        raise not_found(*VERSION)
    return row


def update_policy(
    session: Session,
    *,
    actor: Actor,
    doc: PolicyDoc | dict[str, Any],
    note: str = "",
    base_version: int | None = None,
) -> CompensationPolicy:
    """Store `doc` as the next version. `base_version` (the one the editor saw) guards lost edits."""
    require(actor, Perm.manage_compensation)
    if not isinstance(doc, PolicyDoc):
        try:
            doc = PolicyDoc.model_validate(doc)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise Invalid(
                "compensation.policy_invalid",
                zh=f"补偿政策无效：{where} {first['msg']}",
                en=f"invalid compensation policy: {where} {first['msg']}",
            ) from exc
    current = current_policy(session, actor.workspace_id)
    if base_version is not None and base_version != current.version:
        raise Conflict(
            "compensation.policy_stale",
            zh=f"政策已被他人修改（当前版本 {current.version}），请刷新后再编辑",
            en=f"the policy changed meanwhile (now version {current.version}); reload and edit again",
        )
    row = CompensationPolicy(
        workspace_id=actor.workspace_id,
        version=current.version + 1,
        document=doc.model_dump(mode="json"),
        note=note,
        created_by_kind=actor.kind,
        created_by_id=actor.id if actor.kind == "staff" else None,
    )
    session.add(row)
    session.flush()
    events.record(
        session,
        actor=actor,
        type="compensation.policy_changed",
        payload={"version": row.version, "previous": current.version, "note": note},
    )
    return row


# --- cases and offers ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseRequest:
    """A case as a caller describes it; ids are resolved in the caller's workspace."""

    case_type: CaseType
    fault: Fault
    order_id: int | None = None
    customer_id: int | None = None
    ticket_id: int | None = None
    conversation_id: int | None = None
    order_value_cents: int | None = None
    affected_cents: int | None = None
    tier: str | None = None
    platform: Platform = Platform.generic


@dataclass(frozen=True, slots=True)
class Resolved:
    """The case with its facts from the database, the policy, and the engine's answer."""

    request: CaseRequest
    order_id: int | None  # the order the case is about, however the caller named it
    customer_id: int | None
    policy: CompensationPolicy
    doc: PolicyDoc
    offer: Offer

    @property
    def subject(self) -> str | None:
        """What the case is about, for its key: the order (given, or named by the ticket or the
        conversation's tickets), else the ticket, else the conversation."""
        r = self.request
        if self.order_id is not None:
            return f"order:{self.order_id}"
        if r.ticket_id is not None:
            return f"ticket:{r.ticket_id}"
        if r.conversation_id is not None:
            return f"conversation:{r.conversation_id}"
        return None


def offer(session: Session, *, actor: Actor, case: CaseRequest) -> Offer:
    """What may be offered for the case (staff with Perm.compensate, the bot, the system)."""
    return resolve(session, actor=actor, case=case).offer


def resolve(session: Session, *, actor: Actor, case: CaseRequest) -> Resolved:
    require_compensate(actor)
    customer_ids: set[int] = set()
    order_value = case.order_value_cents
    ticket = None
    if case.ticket_id is not None:
        ticket = get_scoped(session, Ticket, case.ticket_id, actor, what=TICKET)
        if ticket.customer_id is not None:
            customer_ids.add(_root(session, actor, ticket.customer_id))
    if case.conversation_id is not None:
        conv = get_scoped(session, Conversation, case.conversation_id, actor, what=CONVERSATION)
        customer_ids.add(_root(session, actor, conv.customer_id))
    # The order named directly or through the ticket or chat: its facts, whichever channel asks.
    order = subject.case_order(
        session,
        actor=actor,
        order_id=case.order_id,
        ticket=ticket,
        conversation_id=case.conversation_id,
    )
    if order is not None:
        if order_value is not None and order_value != order.total_cents:
            raise Invalid(
                "compensation.order_value_mismatch",
                zh="所给订单金额与订单不符（以订单为准，可不填）",
                en="order_value_cents differs from the order's total (leave it out)",
            )
        order_value = order.total_cents
        customer_ids.add(_root(session, actor, order.customer_id))
    if case.customer_id is not None:
        customer_ids.add(_root(session, actor, case.customer_id))
    if len(customer_ids) > 1:
        raise Invalid(
            "compensation.customer_mismatch",
            zh="订单、工单、会话或客户不属于同一位客户",
            en="the order, ticket, conversation and customer are not the same customer's",
        )
    order_value = order_value or 0
    if case.affected_cents is not None and case.affected_cents > order_value > 0:
        raise Invalid(
            "compensation.affected_above_order",
            zh="涉及金额不能超过订单金额",
            en="affected_cents cannot exceed the order's value",
        )
    customer_id = next(iter(customer_ids), None)
    row = current_policy(session, actor.workspace_id)
    doc = document(row)
    tier = case.tier or "regular"
    grants, granted, complaints = 0, 0, 0
    if customer_id is not None:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        tier = customer.tier  # the profile is the single source, whatever the caller says
        grants, granted, complaints = history(session, doc, actor.workspace_id, customer_id)
    engine_case = Case(
        case_type=case.case_type,
        fault=case.fault,
        order_value_cents=order_value,
        affected_cents=case.affected_cents,
        tier=tier,
        platform=case.platform,
        prior_grants=grants,
        prior_granted_cents=granted,
        complaints=complaints,
    )
    return Resolved(
        request=case,
        order_id=order.id if order is not None else None,
        customer_id=customer_id,
        policy=row,
        doc=doc,
        offer=compute(doc, row.version, engine_case),
    )


def _root(session: Session, actor: Actor, customer_id: int) -> int:
    """The customer a (possibly merged-away) profile now belongs to."""
    customer = get_scoped(session, Customer, customer_id, actor, what=CUSTOMER)
    seen = {customer.id}
    while customer.merged_into_id is not None and customer.merged_into_id not in seen:
        customer = get_scoped(session, Customer, customer.merged_into_id, actor, what=CUSTOMER)
        seen.add(customer.id)
    return customer.id


def history(
    session: Session, doc: PolicyDoc, workspace_id: int, customer_id: int
) -> tuple[int, int, int]:
    """(counted grants, their fen, tickets opened) for the customer in the policy's window."""
    since = clock.now() - timedelta(days=doc.limits.customer_window_days)
    count, total = session.execute(
        select(func.count(Grant.id), func.coalesce(func.sum(Grant.amount_cents), 0)).where(
            Grant.workspace_id == workspace_id,
            Grant.customer_id == customer_id,
            Grant.status != GrantStatus.rejected,
            Grant.remedy.in_(doc.limits.counts),
            Grant.created_at >= since,
        )
    ).one()
    complaints = session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.workspace_id == workspace_id,
            Ticket.customer_id == customer_id,
            Ticket.created_at >= since,
        )
    )
    return int(count), int(total), int(complaints or 0)
