"""What follows a handoff: the answer landing, the durable timer, the chases, the escalation.

A handoff's timer fires at its due time: the first chase. The next chase comes after half the
original window (at least 30 minutes). When the timer fires after the second unanswered chase,
the handoff is escalated — to the party's escalation contact (its second contact, else its first)
or to the team lead's own lead (else a supervisor) — and the ticket climbs the ladder once. Every
step is idempotent: a timer of an answered, cancelled, escalated or superseded step does nothing.

An answer — from staff or through the portal — is stored, the owner is told, it becomes an
internal note on the customer's last conversation (never a message the customer sees) and the
ticket goes back from pending_internal to its owner. The use cases live in `kefu.sla.handoffs`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.models import Role, Staff, Team, TeamMember
from kefu.auth.permissions import Perm, can
from kefu.conversations import service as conversations
from kefu.conversations.models import Direction
from kefu.errors import DomainError
from kefu.parties.models import Party, PartyContact
from kefu.privacy import mask_email, mask_phone
from kefu.sla import escalation, notify, outreach
from kefu.sla.escalation_models import Handoff, HandoffStatus
from kefu.tickets import service as tickets
from kefu.tickets.models import Ticket, TicketStatus
from kefu.tickets.rules import OPEN_STATUSES
from kefu.timers import service as timers

CHASE = "handoff.chase"
CHASES = 2  # unanswered chases before the escalation
MIN_CHASE_GAP = timedelta(minutes=30)
EXCERPT = 140


def arm(session: Session, handoff: Handoff, due_at: datetime) -> None:
    """Set the timer of the handoff's current step."""
    # One key per step: a firing timer is marked fired after its handler returns, so re-using
    # its key from inside the handler would disarm the next step at once.
    timers.schedule(
        session,
        workspace_id=handoff.workspace_id,
        kind=CHASE,
        key=_key(handoff.id, handoff.chase_count),
        due_at=due_at,
        payload={"handoff_id": handoff.id, "step": handoff.chase_count},
    )


def disarm(session: Session, handoff: Handoff) -> None:
    for step in range(CHASES + 1):
        timers.cancel(session, kind=CHASE, key=_key(handoff.id, step))


def record(
    session: Session, actor: Actor, ticket: Ticket, handoff: Handoff, type: str, **payload: Any
) -> None:
    """A handoff event on the ticket's timeline (staff only: never shown to the customer)."""
    events.record(
        session,
        actor=actor,
        type=type,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        payload={"handoff_id": handoff.id, "number": ticket.number, **payload},
    )


def tell(
    session: Session, ticket: Ticket, staff_ids: Iterable[int | None], kind: str, text: str
) -> None:
    """Notify each of these staff members (once each) about the ticket."""
    for staff_id in dict.fromkeys(staff_ids):
        notify.notify(
            session,
            workspace_id=ticket.workspace_id,
            staff_id=staff_id,
            kind=kind,
            ticket_id=ticket.id,
            text=text,
        )


def members(team: Team) -> list[Staff]:
    return [m.staff for m in team.members if m.staff.active]


def leads(team: Team) -> list[Staff]:
    """Who hears about a team's handoffs: its active leads, else every active member."""
    return [m.staff for m in team.members if m.is_lead and m.staff.active] or members(team)


def reachable(party: Party | None) -> list[PartyContact]:
    """The party's contacts we can actually reach (a phone or an e-mail address)."""
    return [c for c in party.contacts if c.phone or c.email] if party is not None else []


def settle(
    session: Session,
    actor: Actor,
    handoff: Handoff,
    ticket: Ticket,
    *,
    text: str,
    by: str,
    name: str,
    via: str,
) -> None:
    """The answer lands: stored, owner told, an internal note, the ticket back with its owner."""
    now = clock.now()
    handoff.status = HandoffStatus.answered
    handoff.answer, handoff.answered_at, handoff.answered_by = text, now, by[:200]
    disarm(session, handoff)
    record(
        session,
        actor,
        ticket,
        handoff,
        "handoff.answered",
        via=via,
        answered_by=name,
        answer=text[:EXCERPT],
        late=now > handoff.due_at,
    )
    conv = outreach.last_conversation(session, ticket)
    author = actor if actor.kind == "staff" else _note_author(session, ticket, handoff)
    if conv is not None and author is not None:
        note = f"【协作答复 · {name}】\n问：{handoff.question[:300]}\n答：{text}"
        msg, _ = conversations.post_message(
            session, actor=author, conversation_id=conv.id, body=note, internal=True
        )
        # One face: whatever the author, a handoff answer never becomes a customer message.
        if msg.direction is not Direction.internal:
            raise RuntimeError("a handoff answer must stay an internal note")
    news = f"工单 #{ticket.number}：{name} 已答复协作请求：{text[:80]}"
    tell(session, ticket, (ticket.owner_id, handoff.asked_by_id), "handoff.answered", news)
    resume(session, actor, ticket)


def resume(session: Session, actor: Actor, ticket: Ticket) -> None:
    """When the ticket's last open handoff is settled, the ticket is back with its owner."""
    still_open = session.scalar(
        select(func.count()).where(
            Handoff.ticket_id == ticket.id, Handoff.status == HandoffStatus.open
        )
    )
    if ticket.status is TicketStatus.pending_internal and not still_open:
        tickets.transition(
            session, actor=actor, ticket_id=ticket.id, to=TicketStatus.open, note="内部协作已结束"
        )


def _note_author(session: Session, ticket: Ticket, handoff: Handoff) -> Actor | None:
    # Only staff write internal notes (the conversations service turns anyone else's text into a
    # customer-visible message), so a portal answer is filed by the owner, else the asker; the
    # note names who really answered.
    for staff_id in (ticket.owner_id, handoff.asked_by_id):
        staff = session.get(Staff, staff_id) if staff_id else None
        if staff is not None and staff.active:
            author = Actor.staff(staff.workspace_id, staff.id, staff.role)
            if can(author, Perm.converse):
                return author
    return None


@timers.handler(CHASE)
def _fire(session: Session, timer: timers.Timer) -> None:
    hid = timer.payload.get("handoff_id")
    handoff = session.get(Handoff, hid, with_for_update=True) if isinstance(hid, int) else None
    if handoff is None or handoff.status is not HandoffStatus.open or handoff.escalated_at:
        return  # answered, cancelled or escalated since the timer was set: nothing to do
    if timer.payload.get("step") != handoff.chase_count:
        return  # the timer of a step already taken
    ticket = session.get(Ticket, handoff.ticket_id)
    if ticket is None or ticket.status not in OPEN_STATUSES:
        return  # the case is closed: nobody needs the answer any more
    if handoff.chase_count >= CHASES:
        _escalate(session, handoff, ticket)
    else:
        _chase(session, handoff, ticket)


def _chase(session: Session, handoff: Handoff, ticket: Ticket) -> None:
    handoff.chase_count += 1
    n, now, system = handoff.chase_count, clock.now(), Actor.system(handoff.workspace_id)
    late = int((now - handoff.due_at).total_seconds() // 60)
    team = session.get(Team, handoff.team_id) if handoff.team_id else None
    if team is not None:
        told = leads(team)
        tell(
            session,
            ticket,
            (s.id for s in told),
            "handoff.chased",
            f"催办（第 {n} 次）：工单 #{ticket.number} 的协作请求已超时 {late} 分钟，"
            f"请尽快答复：{handoff.question[:60]}",
        )
        record(
            session,
            system,
            ticket,
            handoff,
            "handoff.chased",
            chase=n,
            overdue_minutes=late,
            team=team.name,
            notified=[s.id for s in told],
        )
    else:
        contacts = reachable(session.get(Party, handoff.party_id) if handoff.party_id else None)
        contact = contacts[0] if contacts else None
        record(
            session,
            system,
            ticket,
            handoff,
            "handoff.chased",
            chase=n,
            overdue_minutes=late,
            contact=contact.name if contact else None,
        )
        if contact is not None:
            _send(session, ticket, handoff, contact, escalated=False)
    arm(session, handoff, now + max((handoff.due_at - handoff.created_at) / 2, MIN_CHASE_GAP))


def _escalate(session: Session, handoff: Handoff, ticket: Ticket) -> None:
    """A named person above the assignee hears of it, and the ticket climbs the ladder — once."""
    handoff.escalated_at = clock.now()
    named: dict[str, Any] = {"chases": handoff.chase_count}
    if handoff.party_id is not None:
        party = session.get(Party, handoff.party_id)
        contacts = reachable(party)
        contact = contacts[1] if len(contacts) > 1 else contacts[0] if contacts else None
        if contact is not None:
            named |= {"contact_id": contact.id, "contact": contact.name, "title": contact.title}
            _send(session, ticket, handoff, contact, escalated=True)
        who = " ".join(x for x in (party.name if party else "", named.get("contact", "")) if x)
    else:
        team = session.get(Team, handoff.team_id) if handoff.team_id else None
        boss = _senior(session, team, handoff.workspace_id) if team else None
        if boss is not None:
            named |= {"responder_id": boss.id, "responder": boss.name}
            tell(
                session,
                ticket,
                [boss.id],
                "handoff.escalated",
                f"升级：工单 #{ticket.number} 向「{team.name if team else ''}」的协作请求"
                f"催办 {handoff.chase_count} 次仍未答复，请您督办",
            )
        who = " ".join(x for x in (team.name if team else "", named.get("responder", "")) if x)
    reason = f"内部协作超时未答复（{who}，已催办 {handoff.chase_count} 次）"
    try:
        with session.begin_nested():
            row = escalation.escalate(
                session,
                ticket=ticket,
                trigger="handoff_overdue",
                reason=reason,
                details={"handoff_id": handoff.id, **named},
            )
        named["escalation_id"] = row.id
    except DomainError as exc:  # nobody to escalate to: the handoff stays marked, not retried
        named["escalation_error"] = exc.code
    system = Actor.system(handoff.workspace_id)
    record(session, system, ticket, handoff, "handoff.escalated", **named)


def _send(
    session: Session, ticket: Ticket, handoff: Handoff, contact: PartyContact, *, escalated: bool
) -> None:
    """An outbox row for the e-mail/SMS channel: whom to reach (masked on the timeline)."""
    record(
        session,
        Actor.system(handoff.workspace_id),
        ticket,
        handoff,
        "handoff.chase_sent",
        party_id=handoff.party_id,
        contact_id=contact.id,
        contact=contact.name,
        email_masked=mask_email(contact.email) if contact.email else "",
        phone_masked=mask_phone(contact.phone) if contact.phone else "",
        chase=handoff.chase_count,
        escalation=escalated,
        due_at=handoff.due_at.isoformat(),
        # What a message to the party quotes: the shop's wall clock, not UTC.
        due_local=outreach.local_time(session, handoff.workspace_id, handoff.due_at),
    )


def _senior(session: Session, team: Team, workspace_id: int) -> Staff | None:
    """The team lead's own lead (a lead of another team the lead is in), else a supervisor."""
    lead_ids = [m.staff_id for m in team.members if m.is_lead and m.staff.active]
    if lead_ids:
        their_teams = select(TeamMember.team_id).where(
            TeamMember.staff_id.in_(lead_ids), TeamMember.team_id != team.id
        )
        boss = session.scalars(
            select(Staff)
            .join(TeamMember, TeamMember.staff_id == Staff.id)
            .where(
                TeamMember.team_id.in_(their_teams),
                TeamMember.is_lead.is_(True),
                Staff.active.is_(True),
                Staff.id.not_in(lead_ids),
            )
            .order_by(Staff.id)
        ).first()
        if boss is not None:
            return boss
    for role in (Role.supervisor, Role.admin):
        staff = session.scalars(
            select(Staff)
            .where(Staff.workspace_id == workspace_id, Staff.role == role, Staff.active.is_(True))
            .order_by(Staff.id)
        ).first()
        if staff is not None:
            return staff
    return None


def _key(handoff_id: int, step: int) -> str:
    return f"handoff:{handoff_id}:{step}"
