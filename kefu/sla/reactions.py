"""How accountability follows the facts, in the same transaction as each fact.

A ticket opened, a reply sent, a customer writing again, a status change: each moves the SLA
clocks, keeps promises, tells the owner or climbs the escalation ladder — atomically with the fact.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.conversations.models import Conversation, Message
from kefu.sla import breaches, escalation, notify, promise_owners, promises, tracking
from kefu.sla.escalation_models import Escalation
from kefu.tickets import service as tickets
from kefu.tickets.models import Ticket, TicketConversation, TicketStatus
from kefu.tickets.rules import OPEN_STATUSES
from kefu.timeline.models import Event
from kefu.timers import service as timers

IDLE = "ticket.idle"
# cn_rules §5 升级机制: a ticket stuck longer than 48 h is escalated.
IDLE_AFTER = timedelta(hours=48)
REPEAT_CONTACTS = 3
REPEAT_WINDOW = timedelta(days=7)
DEMAND_QUIET = timedelta(
    hours=24
)  # one escalation per day for the same demand, not one per message
MATCH_FIELDS = frozenset({"priority", "category", "tags"})


def _ticket(session: Session, ev: Event) -> Ticket | None:
    return session.get(Ticket, ev.ticket_id) if ev.ticket_id else None


# Run on every message, so built once (no per-call statement building), and in Core: most
# conversations have no open ticket, and then no ORM loading is set up for none.
_OPEN_TICKET_IDS = (
    select(TicketConversation.ticket_id)
    .join(Ticket, Ticket.id == TicketConversation.ticket_id)
    .where(
        TicketConversation.conversation_id == bindparam("conversation_id"),
        Ticket.status.in_(sorted(OPEN_STATUSES)),
    )
    .order_by(TicketConversation.ticket_id)
)
_TICKETS = select(Ticket).where(Ticket.id.in_(bindparam("ids", expanding=True))).order_by(Ticket.id)


def _open_tickets_of(session: Session, conversation_id: int) -> list[Ticket]:
    session.flush()  # Core below: what the transaction has pending counts, as with autoflush
    conn = session.connection(bind_arguments={"mapper": Ticket})
    ids = list(conn.execute(_OPEN_TICKET_IDS, {"conversation_id": conversation_id}).scalars())
    return list(session.scalars(_TICKETS, {"ids": ids})) if ids else []


@events.react(
    "ticket.created",
    "ticket.updated",
    "ticket.status_changed",
    "ticket.reopened",
    "ticket.assigned",
    "ticket.conversation_linked",
    "handoff.answered",
    "promise.made",
    "promise.kept",
)
def _touched(session: Session, ev: Event) -> None:
    """Anything done on an open ticket resets its idle timer; a closed one needs none.

    A promise made counts: the customer was just told by when, and every escalation makes one, so
    a ticket that has just climbed the ladder is not escalated again as idle in the same sweep.
    """
    ticket = _ticket(session, ev)
    if ticket is not None:
        _reset_idle(session, ticket)


def _reset_idle(session: Session, ticket: Ticket) -> None:
    if ticket.status in OPEN_STATUSES:
        timers.schedule(
            session,
            workspace_id=ticket.workspace_id,
            kind=IDLE,
            key=f"ticket:{ticket.id}",
            due_at=clock.now() + IDLE_AFTER,
            payload={"ticket_id": ticket.id},
        )
    else:
        timers.cancel(session, kind=IDLE, key=f"ticket:{ticket.id}")


@timers.handler(IDLE)
def _idle(session: Session, timer: timers.Timer) -> None:
    ticket = session.get(Ticket, timer.payload["ticket_id"])
    if ticket is None or ticket.status not in OPEN_STATUSES:
        return
    breaches.climb(
        session,
        ticket,
        trigger="idle",
        reason=f"工单已 {int(IDLE_AFTER.total_seconds() // 3600)} 小时无人处理",
        details={"idle_hours": IDLE_AFTER.total_seconds() / 3600},
    )


@events.react("ticket.created")
def _opened(session: Session, ev: Event) -> None:
    ticket = _ticket(session, ev)
    if ticket is not None:
        _apply_policy(session, ticket, ev)
        for cid in ticket.conversation_ids:
            _check_repeat_contacts(session, ticket, cid)


@events.react("ticket.updated")
def _changed(session: Session, ev: Event) -> None:
    ticket = _ticket(session, ev)
    if ticket is not None and MATCH_FIELDS & set(ev.payload):
        _apply_policy(session, ticket, ev)


def _apply_policy(session: Session, ticket: Ticket, ev: Event) -> None:
    """An agent's own change may be refused by a strict calendar (they see why and can ask an
    admin); one made by the bot, a customer or the system must not be (see kefu.sla.windows)."""
    tracking.apply_policy(
        session, ticket, actor=Actor.system(ticket.workspace_id), strict=ev.actor_kind == "staff"
    )


@events.react("ticket.status_changed", "ticket.reopened")
def _moved(session: Session, ev: Event) -> None:
    ticket = _ticket(session, ev)
    if ticket is not None:
        tracking.on_status(session, ticket, previous=TicketStatus(ev.payload["from"]))


@events.react("ticket.conversation_linked")
def _linked(session: Session, ev: Event) -> None:
    ticket = _ticket(session, ev)
    if ticket is not None:
        _check_repeat_contacts(session, ticket, int(ev.payload["conversation_id"]))


@events.react("staff.deactivated")
def _left(session: Session, ev: Event) -> None:
    """首问负责制 survives people leaving: their open tickets go to the duty owner at once."""
    staff_id = int(ev.payload["staff_id"])
    tickets.hand_over_from(session, actor=Actor.system(ev.workspace_id), staff_id=staff_id)
    promise_owners.leave(session, workspace_id=ev.workspace_id, staff_id=staff_id)


@events.react("ticket.assigned")
def _reassigned(session: Session, ev: Event) -> None:
    """Promise reminders and breach alerts go to whoever now answers for the ticket."""
    ticket = _ticket(session, ev)
    if ticket is not None:
        previous = ev.payload.get("from")
        promise_owners.follow_ticket(
            session, ticket=ticket, previous=int(previous) if previous is not None else None
        )


@events.react("message.created")
def _message(session: Session, ev: Event) -> None:
    if ev.conversation_id is None:
        return
    tickets = _open_tickets_of(session, ev.conversation_id)
    actor = Actor.system(ev.workspace_id)
    if ev.payload.get("direction") == "outbound":
        human = ev.actor_kind == "staff"
        for ticket in tickets:
            tracking.on_reply(session, ticket, human=human)
            if human:
                _reset_idle(session, ticket)
        if human:
            # One look-up keeps what the message fulfils: on these tickets and the customer's own.
            # Only a person's reply: the bot's answer, an auto-reply or the system's own apology
            # on a breach is no news from whoever promised to get back to the customer.
            promises.on_fact(
                session,
                actor=actor,
                customer_id=ev.customer_id,
                ticket_ids=[t.id for t in tickets],
                fact="message",
                ref=f"message:{ev.payload.get('message_id')}",
            )
        return
    if not tickets:
        return  # a chat with no open ticket: no clock to move, nobody to tell
    # The message the transaction just wrote: the session holds it (no read), unless it was
    # written elsewhere.
    message_id = ev.payload.get("message_id")
    message = session.get(Message, message_id) if message_id is not None else None
    body = message.body if message is not None else ""
    demand = escalation.asks_for_escalation(body)
    for ticket in tickets:
        tracking.on_customer_message(session, ticket)
        notify.notify(
            session,
            workspace_id=ticket.workspace_id,
            staff_id=ticket.owner_id,
            kind="customer.message",
            ticket_id=ticket.id,
            text=f"工单 #{ticket.number} 客户新消息：{body[:80]}",
        )
        if demand and not _escalated_recently(session, ticket, "customer_demand", DEMAND_QUIET):
            escalation.escalate(
                session,
                ticket=ticket,
                trigger="customer_demand",
                reason=f"客户要求升级：「{demand}」",
                details={"phrase": demand},
            )


def _escalated_recently(session: Session, ticket: Ticket, trigger: str, within: timedelta) -> bool:
    return bool(
        session.scalar(
            select(func.count()).where(
                Escalation.ticket_id == ticket.id,
                Escalation.trigger == trigger,
                Escalation.created_at >= clock.now() - within,
            )
        )
    )


def _check_repeat_contacts(session: Session, ticket: Ticket, conversation_id: int) -> None:
    """≥ 3 contacts about the same ticket (or the same order) within 7 days: someone senior looks."""
    since = clock.now() - REPEAT_WINDOW
    linked = select(TicketConversation.conversation_id).where(
        TicketConversation.ticket_id == ticket.id
    )
    same_case: ColumnElement[bool] = Conversation.id.in_(linked)
    if ticket.order_ref:
        same_order = (
            select(TicketConversation.conversation_id)
            .join(Ticket, Ticket.id == TicketConversation.ticket_id)
            .where(Ticket.workspace_id == ticket.workspace_id, Ticket.order_ref == ticket.order_ref)
        )
        same_case = same_case | Conversation.id.in_(same_order)
    contacts = (
        session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(same_case, Conversation.created_at >= since)
        )
        or 0
    )
    if contacts >= REPEAT_CONTACTS and not _escalated_recently(
        session, ticket, "repeat_contact", REPEAT_WINDOW
    ):
        escalation.escalate(
            session,
            ticket=ticket,
            trigger="repeat_contact",
            reason=f"客户 {REPEAT_WINDOW.days} 天内第 {contacts} 次就同一问题联系我们",
            details={"contacts": contacts, "conversation_id": conversation_id},
        )
