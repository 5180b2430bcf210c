"""Phone: call records from the call-centre system (callbacks: kefu.channels.phone_callbacks).

A call record lands on the caller's timeline (the customer found or created by the number). A
call that dropped while queuing — or rang unanswered, or ended in voicemail — is a call we owe:
a callback task, which is a promise with a due time (kefu.sla.promises) and is routed like a chat.
The callback is kept by a later answered outbound call to the customer: the "call" fact keeps
the promise (seed 000: "someone will call you within 3 days" — and nobody did).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu import events
from kefu.auth.actor import Actor
from kefu.auth.models import Staff
from kefu.auth.permissions import Perm, require
from kefu.channels import phone_callbacks as callbacks
from kefu.channels.phone_callbacks import phone_channel
from kefu.channels.phone_models import (
    CallbackSource,
    CallDirection,
    CallOutcome,
    CallRecord,
)
from kefu.customers import resolution
from kefu.customers import service as customers
from kefu.customers.models import Customer, IdentityKind
from kefu.customers.resolution import Claim
from kefu.errors import Invalid
from kefu.privacy import mask_phone
from kefu.tenancy import get_scoped, paginate, scoped

log = logging.getLogger(__name__)

CALL = ("通话记录", "call record")
# Calls that leave the customer waiting on us: each one opens a callback task.
OWED = frozenset({CallOutcome.dropped_in_queue, CallOutcome.missed, CallOutcome.voicemail})


def caller(
    session: Session, workspace_id: int, number: str, member_id: str | None, verified: bool
) -> Customer:
    claims = [Claim(IdentityKind.phone, number, verified)]
    if member_id:
        claims.append(Claim(IdentityKind.member_id, member_id, verified))
    customer = resolution.resolve(
        session, workspace_id=workspace_id, claims=claims, display_name="", source="phone"
    )
    if customer is None:
        raise Invalid("identity.bad_phone", zh="电话号码格式不正确", en="not a phone number")
    return customer


def record_call(
    session: Session,
    *,
    actor: Actor,
    external_id: str,
    direction: CallDirection,
    number: str,
    outcome: CallOutcome,
    started_at: datetime,
    ended_at: datetime | None = None,
    wait_s: int = 0,
    agent_id: int | None = None,
    recording_url: str = "",
    note: str = "",
    member_id: str | None = None,
    number_verified: bool = False,
    channel_id: int | None = None,
) -> tuple[CallRecord, bool]:
    """Store a call (once per call-centre id); returns (record, created)."""
    require(actor, Perm.converse)
    existing = session.scalars(
        scoped(CallRecord, actor).where(CallRecord.external_id == external_id)
    ).first()
    if existing is not None:
        return existing, False
    if ended_at is not None and ended_at < started_at:
        raise Invalid(
            "call.ends_before_start", zh="通话结束时间早于开始时间", en="call ends before it starts"
        )
    channel = phone_channel(session, actor=actor, channel_id=channel_id)
    if agent_id is not None:
        get_scoped(session, Staff, agent_id, actor, what=("员工", "staff member"))
    customer = caller(session, actor.workspace_id, number, member_id, number_verified)
    call = CallRecord(
        workspace_id=actor.workspace_id,
        channel_id=channel.id,
        external_id=external_id,
        customer_id=customer.id,
        direction=direction,
        number=customers.normalize_identity(IdentityKind.phone, number),
        outcome=outcome,
        started_at=started_at,
        ended_at=ended_at,
        duration_s=int((ended_at - started_at).total_seconds()) if ended_at else 0,
        wait_s=wait_s,
        agent_id=agent_id,
        recording_url=recording_url,
        note=note,
    )
    try:
        with session.begin_nested():  # the same call posted twice at once meets the unique index
            session.add(call)
    except IntegrityError:
        existing = session.scalars(
            scoped(CallRecord, actor).where(CallRecord.external_id == external_id)
        ).first()
        if existing is None:
            raise
        return existing, False
    events.record(
        session,
        actor=actor,
        type="call.recorded",
        customer_id=customer.id,
        payload={
            "call_id": call.id,
            "direction": direction.value,
            "outcome": outcome.value,
            "number": mask_phone(call.number),
            "agent_id": agent_id,
            "duration_s": call.duration_s,
            "wait_s": wait_s,
            "has_recording": bool(recording_url),
        },
    )
    if direction is CallDirection.inbound and outcome in OWED:
        callbacks.request_callback(
            session,
            actor=Actor.system(actor.workspace_id),
            customer_id=customer.id,
            number=call.number,
            source=CallbackSource.dropped_call,
            note=f"来电未接通（{_OUTCOME_ZH[outcome]}），系统自动安排回电",
            from_call_id=call.id,
        )
    elif direction is CallDirection.outbound and outcome is CallOutcome.answered:
        callbacks.keep_by_call(session, actor, call)
    return call, True


_OUTCOME_ZH = {
    CallOutcome.answered: "已接通",
    CallOutcome.missed: "未接听",
    CallOutcome.dropped_in_queue: "排队中挂断",
    CallOutcome.voicemail: "语音留言",
}


def list_calls(
    session: Session, *, actor: Actor, limit: int, cursor: str | None, customer_id: int | None
) -> tuple[list[CallRecord], str | None]:
    require(actor, Perm.read)
    stmt = scoped(CallRecord, actor)
    if customer_id is not None:
        stmt = stmt.where(CallRecord.customer_id == customer_id)
    return paginate(session, stmt, CallRecord.id, limit=limit, cursor=cursor)


def get_call(session: Session, *, actor: Actor, call_id: int) -> CallRecord:
    require(actor, Perm.read)
    return get_scoped(session, CallRecord, call_id, actor, what=CALL)
