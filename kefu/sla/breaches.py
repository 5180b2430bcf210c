"""What happens when we miss: the owner is told, the case climbs the ladder, the customer hears
from us first — an apology, where things stand, and a new time that is itself a promise."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.conversations import service as conversations
from kefu.customers.models import Customer
from kefu.sla import escalation, notify, outreach, promises, tracking
from kefu.sla.models import Promise, PromiseKind, Target, TicketTarget
from kefu.tickets.models import Ticket

TARGET_ZH = {
    Target.first_response: "首次响应",
    Target.next_response: "再次响应",
    Target.update_cadence: "进展同步",
    Target.resolution: "解决",
}


def target_breached(session: Session, row: TicketTarget, ticket: Ticket) -> None:
    """An SLA target ran out: the owner is told and the case climbs a rung; the escalation's own
    message gives the customer the apology, the status and a new ETA that is itself a promise."""
    notify.notify(
        session,
        workspace_id=ticket.workspace_id,
        staff_id=ticket.owner_id,
        kind="sla.breached",
        ticket_id=ticket.id,
        text=f"工单 #{ticket.number} {TARGET_ZH[row.target]}超时",
    )
    climb(
        session,
        ticket,
        trigger="sla_breach",
        reason=f"{TARGET_ZH[row.target]}超时（SLA）",
        details={"target": row.target.value},
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
    # Told first, then promised (as `climb` does): the apology is an outbound message, and one
    # sent after the new promise would count as keeping it at once.
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
) -> None:
    """One rung up the ladder; at the top there is no one higher to call, so the top responder is
    reminded and the customer gets an update with a new time — at the pace of the update cadence,
    not once per missed half hour."""
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
