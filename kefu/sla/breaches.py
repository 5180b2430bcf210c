"""What happens when we miss: the owner is told, the case climbs the ladder, the customer hears
from us first — an apology, where things stand, and a new time that is itself a promise."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.conversations import service as conversations
from kefu.customers.models import Customer
from kefu.sla import escalation, notify, outreach, promises
from kefu.sla.models import Promise, Target, TicketTarget
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
    escalation.escalate(
        session,
        ticket=ticket,
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
        escalation.escalate(
            session,
            ticket=ticket,
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
    eta = promises.due_from(session, ticket=None, start=clock.now(), business_minutes=9 * 60)
    when = outreach.local_time(session, promise.workspace_id, eta)
    text = f"很抱歉，我们没能按时兑现对您的承诺（{promise.text[:40]}）。我们会在{when}前给您答复。"
    promises.make(
        session,
        actor=Actor.system(promise.workspace_id),
        customer_id=customer.id,
        kind=promise.kind,
        text=text,
        due_at=eta,
        replaces_id=promise.id,
        conversation_id=promise.conversation_id,
    )
    if promise.conversation_id is not None:
        conversations.post_message(
            session,
            actor=Actor.system(promise.workspace_id),
            conversation_id=promise.conversation_id,
            body=text,
        )
