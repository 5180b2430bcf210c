"""Staff notifications: what the owner must see — customer messages, answers, warnings, breaches."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.sla.escalation_models import Notification
from kefu.tenancy import paginate


def notify(
    session: Session,
    *,
    workspace_id: int,
    staff_id: int | None,
    kind: str,
    text: str,
    ticket_id: int | None = None,
) -> Notification | None:
    if staff_id is None:
        return None
    note = Notification(
        workspace_id=workspace_id,
        staff_id=staff_id,
        kind=kind,
        text=text[:1000],
        ticket_id=ticket_id,
    )
    session.add(note)
    session.flush()
    return note


def mine(
    session: Session, *, actor: Actor, unread: bool, limit: int, cursor: str | None
) -> tuple[list[Notification], str | None]:
    stmt = select(Notification).where(
        Notification.workspace_id == actor.workspace_id, Notification.staff_id == actor.id
    )
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(session, stmt, Notification.id, limit=limit, cursor=cursor)


def mark_read(session: Session, *, actor: Actor, up_to_id: int) -> int:
    """Mark my notifications up to `up_to_id` (what the list showed) read; returns how many."""
    rows = session.scalars(
        select(Notification).where(
            Notification.workspace_id == actor.workspace_id,
            Notification.staff_id == actor.id,
            Notification.id <= up_to_id,
            Notification.read_at.is_(None),
        )
    ).all()
    now = clock.now()
    for row in rows:
        row.read_at = now
    session.flush()
    return len(rows)
