"""Grants: a remedy from the offer, given exactly once per case, within budgets and limits, and
above the granter's authority only after a supervisor approves (within an SLA).

Exactly once: the grant's `case_key` (workspace + the case's subject + case type + remedy) is
unique — the subject is the order whenever one is known, however the channel named it
(subject.py) — and every grant of a workspace is decided under one lock (PostgreSQL: a
transaction advisory lock; SQLite: its single writer, taken at BEGIN) so that concurrent
requests, budgets and per-customer limits see each other. Fifty identical requests give one grant
and 49 replays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.compensation import approvals, audit, limits, notices, payout
from kefu.compensation.models import Grant, GrantStatus
from kefu.compensation.policy import MAX_CENTS, REMEDY_ZH, Remedy
from kefu.compensation.rules import yuan
from kefu.compensation.service import (
    CaseRequest,
    Resolved,
    require_compensate,
    resolve,
)
from kefu.errors import Conflict, Invalid
from kefu.tenancy import get_scoped, paginate, scoped

GRANT = approvals.GRANT
APPROVAL_DUE = approvals.APPROVAL_DUE
approve, reject = approvals.approve, approvals.reject
Refusal, LimitReached = limits.Refusal, limits.LimitReached
audit_refusal = audit.refusal


def grant(
    session: Session,
    *,
    actor: Actor,
    case: CaseRequest,
    remedy: Remedy,
    amount_cents: int,
    reason: str = "",
    case_key: str | None = None,
) -> tuple[Grant, bool]:
    """Give `remedy` worth `amount_cents` for `case`; returns (grant, created).

    The same case and remedy again returns the first grant (created False). Above the actor's
    authority the grant waits for approval (status pending_approval) and an approver is notified.
    """
    require_compensate(actor)
    if not 0 < amount_cents <= MAX_CENTS:
        raise Invalid(
            "compensation.bad_amount",
            zh=f"补偿金额须大于 0 且不超过 {yuan(MAX_CENTS)}",
            en=f"the amount must be above zero and at most {yuan(MAX_CENTS)}",
        )
    _lock_workspace(session, actor.workspace_id)
    found = resolve(session, actor=actor, case=case)
    ref, key = _keys(found, remedy, case_key)
    existing = _by_key(session, actor.workspace_id, key)
    if existing is not None:
        return _replay(existing, remedy, amount_cents), False
    trail = {
        "customer_id": found.customer_id,
        "case_key": key,
        "remedy": remedy.value,
        "amount_cents": amount_cents,
        "policy_version": found.policy.version,
        "offer_fingerprint": found.offer.fingerprint,
        "reason": reason,
    }
    limits.one_remedy(session, found, ref, remedy, trail)
    limits.customer_and_budget(session, found, remedy, amount_cents, trail)
    limits.within_offer(found, remedy, amount_cents, trail)
    row = Grant(
        workspace_id=actor.workspace_id,
        case_key=key,
        case_ref=ref,
        case_type=case.case_type,
        fault=case.fault,
        remedy=remedy,
        amount_cents=amount_cents,
        status=GrantStatus.granted,
        customer_id=found.customer_id,
        order_id=found.order_id,  # also when named through the ticket or chat: paid against it
        ticket_id=case.ticket_id,
        conversation_id=case.conversation_id,
        policy_version=found.policy.version,
        profile_key=found.offer.profile.key if found.offer.profile else "",
        offer_fingerprint=found.offer.fingerprint,
        reason=reason,
        requested_by_kind=actor.kind,
        requested_by_id=actor.id if actor.kind == "staff" else None,
    )
    if amount_cents > limits.authority(found.doc, actor):
        approvals.ask(session, row, found.doc)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # Only reachable if the lock was bypassed (another writer of this table): same answer.
        existing = _by_key(session, actor.workspace_id, key)
        if existing is None:
            raise
        return _replay(existing, remedy, amount_cents), False
    if row.status is GrantStatus.pending_approval:
        approvals.requested(session, actor, row)
    else:
        payout.pay(session, row)  # first: it may lower the amount to what is left of the order
        audit.record(session, actor, row, "compensation.granted")
    notices.tell_customer(session, actor, row)
    return row, True


@contextmanager
def refusals_audited(session: Session, *, actor: Actor, case: CaseRequest) -> Iterator[None]:
    """Around a grant (API, bot): a refusal by the policy rolls the transaction back — nothing is
    applied — is audited and committed in a transaction of its own, and is raised again."""
    try:
        yield
    except (Refusal, LimitReached) as exc:
        session.rollback()
        audit.refusal(session, actor=actor, case=case, exc=exc)
        session.commit()
        raise


def get(session: Session, *, actor: Actor, grant_id: int) -> Grant:
    require(actor, Perm.read)
    return get_scoped(session, Grant, grant_id, actor, what=GRANT)


def list_(
    session: Session,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    **filters: Any,
) -> tuple[list[Grant], str | None]:
    """Newest first; filters: status, customer_id, order_id, ticket_id, conversation_id, …"""
    require(actor, Perm.read)
    stmt = scoped(Grant, actor)
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Grant, name) == value)
    return paginate(session, stmt, Grant.id, limit=limit, cursor=cursor)


# --- the case key --------------------------------------------------------------------------------


def _lock_workspace(session: Session, workspace_id: int) -> None:
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        digest = hashlib.sha256(f"kefu.compensation:{workspace_id}".encode()).digest()
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:k)"),
            {"k": int.from_bytes(digest[:8], "big", signed=True)},
        )
    # SQLite: the transaction began with BEGIN IMMEDIATE (kefu.db), so it is the only writer.


def _keys(found: Resolved, remedy: Remedy, case_key: str | None) -> tuple[str, str]:
    subject = found.subject
    if case_key:
        owner = f"customer:{found.customer_id}" if found.customer_id else "workspace"
        subject = f"{subject or owner}/{case_key}"
    if subject is None:
        raise Invalid(
            "compensation.case_key_required",
            zh="请给出订单、工单或会话，或一个 case_key，以免重复补偿",
            en="give an order, ticket or conversation, or a case_key, so it is granted only once",
        )
    ref = f"{subject}:{found.request.case_type.value}"
    return ref, f"{ref}:{remedy.value}"


def _by_key(session: Session, workspace_id: int, key: str) -> Grant | None:
    return session.scalars(
        select(Grant).where(Grant.workspace_id == workspace_id, Grant.case_key == key)
    ).first()


def _replay(existing: Grant, remedy: Remedy, amount_cents: int) -> Grant:
    if existing.amount_cents == amount_cents and existing.status is not GrantStatus.rejected:
        return existing
    if existing.status is GrantStatus.rejected:
        raise Conflict(
            "compensation.rejected_before",
            zh="此案件的该项补偿已被驳回，不能重复申请",
            en="this remedy was rejected for this case; it cannot be requested again",
        )
    raise Conflict(
        "compensation.already_granted",
        zh=f"此案件已发放{REMEDY_ZH[remedy]} {yuan(existing.amount_cents)}",
        en=f"this case already has a {remedy.value} of {yuan(existing.amount_cents)}",
    )
