"""Clock arithmetic for one SLA target: its due time, the clock time it has left, and what it
carries over when its budget changes — on wall-clock time or on its policy's business calendar.

A strict calendar refuses a year without holiday data. Only an explicit computation may be refused
(a ticket an agent creates, a priority an agent raises): a clock moved by a customer's message, an
agent's reply or a timer must never roll that fact back. There the same calendar in lenient mode
gives a provisional time, and the target is flagged on the timeline for an admin to fix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from kefu import events
from kefu.auth.actor import Actor
from kefu.sla import policies
from kefu.sla.calendar import BusinessCalendar, CalendarUncovered
from kefu.sla.models import SlaPolicy, TicketTarget

log = logging.getLogger(__name__)
T = TypeVar("T")


def _on_calendar(
    session: Session,
    policy: SlaPolicy | None,
    row: TicketTarget,
    compute: Callable[[BusinessCalendar], T],
    *,
    strict: bool,
) -> T:
    try:
        return compute(policies.calendar_for(policy))
    except CalendarUncovered as exc:
        if strict:
            raise
        _flag_uncovered(session, row, exc)
        return compute(policies.calendar_for(policy, strict=False))


def _flag_uncovered(session: Session, row: TicketTarget, exc: CalendarUncovered) -> None:
    """Say once per target that its clock rests on a guess (`provisional` shows it on the row)."""
    log.warning("SLA target %s runs past holiday data (%s): provisional", row.id, exc.years)
    if row.provisional:
        return
    events.record(
        session,
        actor=Actor.system(row.workspace_id),
        type="sla.calendar_uncovered",
        ticket_id=row.ticket_id,
        payload={"target": row.target.value, "years": list(exc.years)},
    )


def add(
    session: Session,
    policy: SlaPolicy | None,
    row: TicketTarget,
    start: datetime,
    seconds: float,
    *,
    strict: bool,
) -> tuple[datetime, bool]:
    """`start` plus `seconds` of the target's clock; also whether that rests on uncovered years."""
    if not row.business:
        return start + timedelta(seconds=seconds), False
    due = _on_calendar(
        session, policy, row, lambda cal: cal.add(start, seconds=seconds), strict=strict
    )
    return due.at, due.provisional


def left(
    session: Session, policy: SlaPolicy | None, row: TicketTarget, now: datetime, *, strict: bool
) -> int:
    """Whole seconds of the target's clock from `now` to its due time (0 once overdue)."""
    due = row.due_at
    assert due is not None
    if not row.business:
        return max(int((due - now).total_seconds()), 0)
    span = _on_calendar(
        session, policy, row, lambda cal: cal.business_time_between(now, due), strict=strict
    )
    return max(int(span.total_seconds()), 0)


def carried(old_budget: int, old_left: int, new_budget: int) -> int:
    """What is left under a new budget: the new budget less the time already used on the old one
    (a raised priority shortens a paused wait too; a pause already taken is not charged again)."""
    return max(new_budget - (old_budget - old_left), 0)
