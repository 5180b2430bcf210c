"""What happens when we miss: the owner is told, the case climbs the ladder, the customer hears
from us first — an apology, where things stand, and a new time that is itself a promise.

The SLA warning and breach timers armed by `kefu.sla.tracking` fire here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.conversations import service as conversations
from kefu.customers.models import Customer
from kefu.sla import escalation, notify, outreach, promises, tracking
from kefu.sla.models import Promise, PromiseKind, Target, TargetStatus, TicketTarget
from kefu.tickets.models import Ticket
from kefu.timers import service as timers

TARGET_ZH = {
    Target.first_response: "首次响应",
    Target.next_response: "再次响应",
    Target.update_cadence: "进展同步",
    Target.resolution: "解决",
}
_TARGET_ORDER = list(Target)


def target_breached(session: Session, row: TicketTarget, ticket: Ticket) -> None:
    """An SLA target ran out: the case climbs a rung (see `climb`, which breaches it, and tells
    the owner); the escalation's own message gives the customer the apology, the status and a new
    ETA that is itself a promise."""
    climb(
        session,
        ticket,
        trigger="sla_breach",
        reason="",
        details={"target": row.target.value},
        breaching=row,
    )


def promise_broken(session: Session, promise: Promise) -> None:
    """A promise came due unkept: tell the owner, escalate, and give the customer a new time."""
    notify.notify(
        session,
        workspace_id=promise.workspace_id,
        staff_id=promise.owner_id,
        kind="promise.broken",
        ticket_id=promise.ticket_id,
        text=f"承诺未兑现：{promise.text[:80]}",
    )
    ticket = session.get(Ticket, promise.ticket_id) if promise.ticket_id else None
    if ticket is not None:
        climb(
            session,
            ticket,
            trigger="promise_breach",
            reason=f"承诺未按时兑现：{promise.text[:80]}",
            details={"promise_id": promise.id},
            replaces_id=promise.id,
        )
        return
    # A promise outside any ticket: no ladder to climb, but the customer still hears from us.
    customer = session.get(Customer, promise.customer_id)
    if customer is None:
        return
    eta = promises.due_from(
        session, ticket=None, start=clock.now(), business_minutes=9 * 60, strict=False
    )
    when = outreach.local_time(session, promise.workspace_id, eta)
    text = f"很抱歉，我们没能按时兑现对您的承诺（{promise.text[:40]}）。我们会在{when}前给您答复。"
    conversation_id = promise.conversation_id if promises.reaches(session, promise) else None
    if conversation_id is not None:
        conversations.post_message(
            session,
            actor=Actor.system(promise.workspace_id),
            conversation_id=conversation_id,
            body=text,
        )
    promises.make(
        session,
        actor=Actor.system(promise.workspace_id),
        customer_id=customer.id,
        kind=promise.kind,
        text=text,
        due_at=eta,
        replaces_id=promise.id,
        conversation_id=conversation_id,
    )


def climb(
    session: Session,
    ticket: Ticket,
    *,
    trigger: str,
    reason: str,
    details: dict[str, object],
    replaces_id: int | None = None,
    breaching: TicketTarget | None = None,
) -> None:
    """One rung up the ladder; at the top there is no one higher to call, so the top responder is
    reminded and the customer gets an update with a new time — at the pace of the update cadence,
    not once per missed half hour.

    Every SLA target of the ticket that has run out by now (and `breaching`, whose timer fired)
    breaches with this climb: a sweep after a gap (a worker down overnight) finds several at once,
    and one rung and one apology answer for all of them — not a rung and an apology per target,
    with the ticket at the top of the ladder before anyone could act.
    """
    breached = _breach_overdue(session, ticket, including=breaching)
    if breached:
        missed = "、".join(TARGET_ZH[t.target] for t in breached)
        notify.notify(
            session,
            workspace_id=ticket.workspace_id,
            staff_id=ticket.owner_id,
            kind="sla.breached",
            ticket_id=ticket.id,
            text=f"工单 #{ticket.number} {missed}超时",
        )
        reason = "；".join(part for part in (reason, f"{missed}超时（SLA）") if part)
        details = {**details, "targets": [t.target.value for t in breached]}
    if escalation.current_level(session, ticket) < escalation.top_level(
        session, ticket.workspace_id
    ):
        escalation.escalate(
            session,
            ticket=ticket,
            trigger=trigger,
            reason=reason,
            details=details,
            replaces_id=replaces_id,
        )
        return
    notify.notify(
        session,
        workspace_id=ticket.workspace_id,
        staff_id=escalation.last_responder(session, ticket),
        kind="ticket.still_escalated",
        ticket_id=ticket.id,
        text=f"工单 #{ticket.number} 已在最高升级级别，仍未解决：{reason}",
    )
    cadence = next(
        (
            t.budget_minutes
            for t in tracking.targets_of(session, ticket.id)
            if t.target is Target.update_cadence
        ),
        9 * 60,
    )
    eta = promises.due_from(
        session, ticket=ticket, start=clock.now(), business_minutes=cadence, strict=False
    )
    text = outreach.update_text(session, ticket, eta=eta, reason="我们仍在全力处理，尚未有新的结果")
    conversation_id = outreach.tell_customer(session, ticket=ticket, text=text)
    promises.make(
        session,
        actor=Actor.system(ticket.workspace_id),
        ticket_id=ticket.id,
        kind=PromiseKind.update,
        text=text,
        due_at=eta,
        conversation_id=conversation_id,
        replaces_id=replaces_id,
    )


def _breach_overdue(
    session: Session, ticket: Ticket, *, including: TicketTarget | None = None
) -> list[TicketTarget]:
    """Breach every running target of the ticket whose time is up (and `including`, the one whose
    timer fired), each on the timeline; their own timers then find them breached and do nothing.
    Locked, as `_live_row` locks its row: a reply committing meanwhile may be meeting one."""
    now = clock.now()
    due = TicketTarget.due_at <= now
    if including is not None:
        due = due | (TicketTarget.id == including.id)
    locked = session.scalars(
        select(TicketTarget)
        .where(
            TicketTarget.ticket_id == ticket.id,
            TicketTarget.status == TargetStatus.running,
            due,
        )
        .order_by(TicketTarget.id)
        .with_for_update()
    ).all()
    # In Target's order: ids follow the policy's JSON, whose key order PostgreSQL does not keep.
    rows = sorted(locked, key=lambda row: _TARGET_ORDER.index(row.target))
    for row in rows:
        row.status, row.breached_at = TargetStatus.breached, now
        _target_event(session, "sla.breached", row, ticket)
    return rows


def _target_event(session: Session, kind: str, row: TicketTarget, ticket: Ticket) -> None:
    events.record(
        session,
        actor=Actor.system(row.workspace_id),
        type=kind,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        payload={
            "target": row.target.value,
            "due_at": row.due_at.isoformat() if row.due_at else None,
        },
    )


# --- timers ------------------------------------------------------------------------------------


def _live_row(session: Session, payload: dict[str, object]) -> TicketTarget | None:
    row = session.get(TicketTarget, payload.get("target_id"), with_for_update=True)
    if row is None or row.status is not TargetStatus.running or row.cycle != payload.get("cycle"):
        return None  # met, paused or restarted since the timer was set: nothing to do
    return row


@timers.handler(tracking.WARN)
def _fire_warning(session: Session, timer: timers.Timer) -> None:
    row = _live_row(session, timer.payload)
    if row is None or row.warned_at is not None:
        return
    row.warned_at = clock.now()
    ticket = session.get(Ticket, row.ticket_id)
    assert ticket is not None
    _target_event(session, "sla.warning", row, ticket)


@timers.handler(tracking.BREACH)
def _fire_breach(session: Session, timer: timers.Timer) -> None:
    row = _live_row(session, timer.payload)
    if row is None:
        return
    ticket = session.get(Ticket, row.ticket_id)
    assert ticket is not None
    target_breached(session, row, ticket)
