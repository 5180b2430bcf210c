"""Every grant's story on the timeline: who, why, which policy version — refusals included."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kefu import events
from kefu.auth.actor import Actor
from kefu.compensation.models import Grant
from kefu.compensation.service import CaseRequest


def record(session: Session, actor: Actor, row: Grant, type: str, **extra: Any) -> None:
    """A grant's event on the customer's, ticket's and conversation's timelines."""
    events.record(
        session,
        actor=actor,
        type=type,
        customer_id=row.customer_id,
        conversation_id=row.conversation_id,
        ticket_id=row.ticket_id,
        payload={
            "grant_id": row.id,
            "case_key": row.case_key,
            "case_type": row.case_type.value,
            "fault": row.fault.value,
            "remedy": row.remedy.value,
            "amount_cents": row.amount_cents,
            "status": row.status.value,
            "order_id": row.order_id,
            "policy_version": row.policy_version,
            "profile": row.profile_key,
            "reason": row.reason,
            "requested_by": f"{row.requested_by_kind}:{row.requested_by_id or ''}".rstrip(":"),
            **extra,
        },
    )


def refusal(session: Session, *, actor: Actor, case: CaseRequest, exc: Any) -> None:
    """The audit line of a refused grant, written after its transaction was rolled back."""
    events.record(
        session,
        actor=actor,
        type="compensation.refused",
        customer_id=exc.audit.get("customer_id"),
        conversation_id=case.conversation_id,
        ticket_id=case.ticket_id,
        payload={
            **exc.audit,
            "code": exc.code,
            "why": exc.en,
            "case_type": case.case_type.value,
            "order_id": case.order_id,
            "ticket_id": case.ticket_id,
            "conversation_id": case.conversation_id,
        },
    )
