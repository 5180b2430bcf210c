"""Who answers for an open promise when people change: reminders and "broken" alerts go to
`Promise.owner_id`, so it follows the ticket to its new owner, and leaves a deactivated account."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from kefu.sla.models import Promise, PromiseStatus
from kefu.tickets import ownership
from kefu.tickets.models import Ticket


def _open(session: Session, *conditions: ColumnElement[bool]) -> list[Promise]:
    stmt = select(Promise).where(Promise.status == PromiseStatus.open, *conditions)
    return list(session.scalars(stmt.order_by(Promise.id).with_for_update()))


def follow_ticket(session: Session, *, ticket: Ticket, previous: int | None) -> None:
    """The ticket changed hands: its open promises the previous owner held move with it.

    A promise owned by someone else stays theirs: an escalation's named responder answers for
    the time they gave the customer whoever owns the ticket.
    """
    if ticket.owner_id is None or ticket.owner_id == previous:
        return
    held = Promise.owner_id.is_(None) if previous is None else Promise.owner_id == previous
    for promise in _open(session, Promise.ticket_id == ticket.id, held):
        promise.owner_id = ticket.owner_id


def leave(session: Session, *, workspace_id: int, staff_id: int) -> None:
    """A staff member is deactivated (after their tickets were handed over): what they still hold —
    promises outside tickets, an escalation's — goes to the ticket's owner, else the duty owner."""
    for promise in _open(
        session, Promise.workspace_id == workspace_id, Promise.owner_id == staff_id
    ):
        ticket = session.get(Ticket, promise.ticket_id) if promise.ticket_id else None
        heir = ticket.owner_id if ticket is not None and ticket.owner_id != staff_id else None
        if heir is None:
            team_id = ticket.team_id if ticket is not None else None
            heir = ownership.duty_owner(
                session, workspace_id=workspace_id, team_id=team_id, exclude=staff_id
            ).id
        promise.owner_id = heir
