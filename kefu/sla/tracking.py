"""The SLA clock of each ticket: start, pause, resume, meet, warn and breach its targets.

Called in the same transaction as the fact that moves the clock (a ticket created, a reply sent,
a status changed), so the targets can never disagree with the ticket. Warnings and breaches are
durable timers (`kefu.timers`) handled in `kefu.sla.breaches`; firing re-checks the row, so a
stale timer does nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.channels.models import Channel
from kefu.conversations.models import Conversation
from kefu.customers.models import Customer
from kefu.sla import policies, windows
from kefu.sla.models import SlaPolicy, Target, TargetStatus, TicketTarget
from kefu.tickets.models import Ticket, TicketStatus, TicketType
from kefu.tickets.rules import OPEN_STATUSES
from kefu.timers import service as timers

WARN = "sla.warn"
BREACH = "sla.breach"
# While waiting on the customer the clock stops for these; first response is owed regardless.
PAUSABLE = frozenset({Target.next_response, Target.update_cadence, Target.resolution})
LIVE = (TargetStatus.running, TargetStatus.paused)


def facts(session: Session, ticket: Ticket) -> policies.TicketFacts:
    customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    first_conv = min(ticket.conversation_ids, default=None)
    channel_kind = "api"
    if first_conv is not None:
        kind = session.scalar(
            select(Channel.kind)
            .join(Conversation, Conversation.channel_id == Channel.id)
            .where(Conversation.id == first_conv)
        )
        channel_kind = kind.value if kind is not None else "api"
    type_key = (
        session.scalar(select(TicketType.key).where(TicketType.id == ticket.type_id))
        if ticket.type_id
        else ""
    )
    return policies.TicketFacts(
        priority=ticket.priority.value,
        tier=customer.tier if customer else "regular",
        channel_kind=channel_kind,
        type_key=type_key or "",
        category=ticket.category,
        tags=frozenset(ticket.tags),
    )


def targets_of(session: Session, ticket_id: int) -> list[TicketTarget]:
    return list(
        session.scalars(
            select(TicketTarget)
            .where(TicketTarget.ticket_id == ticket_id)
            .order_by(TicketTarget.id)
        )
    )


def apply_policy(
    session: Session, ticket: Ticket, *, actor: Actor, strict: bool = False
) -> SlaPolicy | None:
    """Match the ticket to a policy and (re)arm its targets; targets already met or breached stay so.

    Runs at creation and again when a matching fact changes (priority, category, tags), keeping
    each running target's original start: a P3 raised to P1 is due by the P1 clock from the start.
    A target that was paused keeps the time it used instead (its start says nothing of the pause).
    A target the new policy lacks is dropped, and armed again from its start should a later policy
    ask for it again (a tag put on and taken off). `strict`: an agent's own change may be refused
    by a strict calendar; see `kefu.sla.windows`.
    """
    now = clock.now()
    policy = policies.choose(
        session, workspace_id=ticket.workspace_id, facts=facts(session, ticket)
    )
    existing = {t.target: t for t in targets_of(session, ticket.id)}
    wanted = policy.targets if policy is not None else {}
    for target, old in existing.items():
        if target.value not in wanted and old.status in LIVE:
            _drop(session, old)
    if policy is None:
        return None
    for name, spec in wanted.items():
        target = Target(name)
        row = existing.get(target)
        if row is not None and _dropped(row):
            # Asked for again: armed below from its own start, as a new target would be; a
            # closed ticket's clocks stay stopped, and a next response is owed only once the
            # customer writes again.
            if ticket.status not in OPEN_STATUSES:
                continue
            if target is Target.next_response:
                _terms(row, policy, spec)
                continue
        elif target is Target.next_response and row is None:
            continue  # owed only once the customer writes after a reply: on_customer_message
        elif row is not None and row.status not in LIVE:
            continue
        if row is None:
            row = TicketTarget(
                workspace_id=ticket.workspace_id,
                ticket_id=ticket.id,
                target=target,
                status=TargetStatus.running,
                started_at=ticket.created_at,
                budget_minutes=spec["minutes"],
            )
            session.add(row)
        _reapply(session, row, policy, spec, now, strict=strict)
        if ticket.status is TicketStatus.pending_customer and target in PAUSABLE:
            _pause(session, row, now, strict=strict)
    session.flush()
    events.record(
        session,
        actor=actor,
        type="sla.applied",
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        payload={
            "policy_id": policy.id,
            "policy": policy.name,
            "due": _due_map(session, ticket.id),
        },
    )
    return policy


def _reapply(
    session: Session,
    row: TicketTarget,
    policy: SlaPolicy,
    spec: dict[str, Any],
    now: datetime,
    *,
    strict: bool,
) -> None:
    """Put a live target on `policy`'s terms; what it has left is measured before they change."""
    old_budget, old_left = row.budget_minutes * 60, _time_left(session, row, now, strict=strict)
    _terms(row, policy, spec)
    if old_left is None:  # new, or never paused: the whole new budget from the original start
        _arm(session, row, policy, start=row.started_at, strict=strict)
        return
    left = windows.carried(old_budget, old_left, row.budget_minutes * 60)
    if row.status is TargetStatus.paused:
        row.remaining_seconds = left  # the new budget applies from the resume
    else:
        _arm(session, row, policy, start=now, seconds=left, strict=strict)


def _terms(row: TicketTarget, policy: SlaPolicy, spec: dict[str, Any]) -> None:
    row.policy_id = policy.id
    row.business = spec.get("clock", "business") == "business"
    row.budget_minutes = spec["minutes"]


def _drop(session: Session, row: TicketTarget) -> None:
    """The ticket's policy no longer has this target: it stops, and belongs to no policy."""
    _stop(session, row, TargetStatus.cancelled)
    row.policy_id = None


def _dropped(row: TicketTarget) -> bool:
    """Dropped by a policy change (not stopped by a resolution): only `apply_policy` brings it
    back, when a policy asks for it again; the ticket's other facts leave it alone."""
    return row.status is TargetStatus.cancelled and row.policy_id is None


def _time_left(session: Session, row: TicketTarget, now: datetime, *, strict: bool) -> int | None:
    """Clock time a target that has been paused has left (None: count from its start instead)."""
    if row.status is TargetStatus.paused:
        return row.remaining_seconds or 0
    if row.id is None or row.paused_seconds == 0 or row.due_at is None:
        return None
    return windows.left(session, _policy(session, row), row, now, strict=strict)


def _due_map(session: Session, ticket_id: int) -> dict[str, str | None]:
    return {
        t.target.value: t.due_at.isoformat() if t.due_at else None
        for t in targets_of(session, ticket_id)
        if t.status in LIVE
    }


def _policy(session: Session, row: TicketTarget) -> SlaPolicy | None:
    return session.get(SlaPolicy, row.policy_id) if row.policy_id else None


def _arm(
    session: Session,
    row: TicketTarget,
    policy: SlaPolicy | None,
    *,
    start: datetime,
    seconds: float | None = None,
    strict: bool = False,
) -> None:
    """Set the due time `seconds` of clock time after `start` (None: the whole budget, a new
    window from `start`) and schedule the breach, and the warning unless it was given."""
    budget = row.budget_minutes * 60
    left = budget if seconds is None else seconds
    row.status = TargetStatus.running
    row.started_at = start if seconds is None else row.started_at
    row.due_at, row.provisional = windows.add(session, policy, row, start, left, strict=strict)
    row.paused_at = None
    row.remaining_seconds = None
    session.flush()
    payload = {"target_id": row.id, "cycle": row.cycle}
    _schedule(session, row, BREACH, row.due_at, payload)
    if row.warned_at is None:
        # The warning comes once `warn_at` of the budget is used: `left` less the last share.
        share = policy.warn_at if policy is not None else 0.75
        until_warn = left - budget + budget * share
        warn_at = (
            windows.add(session, policy, row, start, until_warn, strict=strict)[0]
            if until_warn > 0
            else start  # past that share already (a budget cut): warn at once
        )
        _schedule(session, row, WARN, warn_at, payload)


def _schedule(
    session: Session, row: TicketTarget, kind: str, due_at: datetime, payload: dict[str, Any]
) -> None:
    timers.schedule(
        session,
        workspace_id=row.workspace_id,
        kind=kind,
        key=f"target:{row.id}",
        due_at=due_at,
        payload=payload,
    )


def _disarm(session: Session, row: TicketTarget) -> None:
    timers.cancel(session, kind=BREACH, key=f"target:{row.id}")
    timers.cancel(session, kind=WARN, key=f"target:{row.id}")


def _stop(session: Session, row: TicketTarget, status: TargetStatus) -> None:
    _disarm(session, row)
    row.status = status
    row.due_at = None if status is TargetStatus.cancelled else row.due_at


def _pause(session: Session, row: TicketTarget, now: datetime, *, strict: bool = False) -> None:
    if row.status is not TargetStatus.running or row.due_at is None:
        return
    row.remaining_seconds = windows.left(session, _policy(session, row), row, now, strict=strict)
    row.paused_at = now
    row.due_at = None
    row.status = TargetStatus.paused
    _disarm(session, row)


def _resume(session: Session, row: TicketTarget, now: datetime) -> None:
    if row.status is not TargetStatus.paused or row.paused_at is None:
        return
    row.paused_seconds += int((now - row.paused_at).total_seconds())
    _arm(session, row, _policy(session, row), start=now, seconds=row.remaining_seconds or 0)


def _restart(session: Session, row: TicketTarget, now: datetime) -> None:
    """A new cycle of a recurring target (next response, update cadence) from `now`."""
    _disarm(session, row)
    row.cycle += 1
    row.warned_at = row.met_at = row.breached_at = None
    _arm(session, row, _policy(session, row), start=now)


def _meet(session: Session, row: TicketTarget, now: datetime) -> None:
    if row.met_at is None:
        row.met_at = now
        late = row.status is TargetStatus.breached
        events.record(
            session,
            actor=Actor.system(row.workspace_id),
            type="sla.met",
            ticket_id=row.ticket_id,
            payload={"target": row.target.value, "late": late, "cycle": row.cycle},
        )
    if row.status in LIVE:
        _stop(session, row, TargetStatus.met)


# --- facts that move the clocks ----------------------------------------------------------------


def on_reply(session: Session, ticket: Ticket, *, human: bool) -> None:
    """We wrote to the customer: a human reply meets response targets; any reply resets cadence."""
    now = clock.now()
    for row in targets_of(session, ticket.id):
        if row.target is Target.update_cadence and ticket.status not in (
            TicketStatus.resolved,
            TicketStatus.closed,
        ):
            if row.status is TargetStatus.paused:
                row.remaining_seconds = (
                    row.budget_minutes * 60
                )  # heard from us: the full window again
            elif row.status in (TargetStatus.running, TargetStatus.breached):
                _restart(session, row, now)
        elif human and row.target in (Target.first_response, Target.next_response):
            if row.status in LIVE or (row.status is TargetStatus.breached and row.met_at is None):
                _meet(session, row, now)


def on_customer_message(session: Session, ticket: Ticket) -> None:
    """The customer wrote: a human reply is owed again (next response), unless one already is."""
    now = clock.now()
    rows = {r.target: r for r in targets_of(session, ticket.id)}
    first = rows.get(Target.first_response)
    if first is not None and first.status in LIVE:
        return  # still waiting for the first reply: that target covers it
    row = rows.get(Target.next_response)
    if row is None:
        policy = _policy(session, first) if first else None
        spec = (policy.targets if policy else {}).get(Target.next_response.value)
        if spec is None or policy is None:
            return
        row = TicketTarget(
            workspace_id=ticket.workspace_id,
            ticket_id=ticket.id,
            target=Target.next_response,
            status=TargetStatus.met,
            started_at=now,
            budget_minutes=spec["minutes"],
            policy_id=policy.id,
            business=spec.get("clock", "business") == "business",
            cycle=0,
        )  # armed by the restart below, as cycle 1
        session.add(row)
        session.flush()
    if row.status is TargetStatus.running or _dropped(row):
        return
    _restart(session, row, now)


def on_status(session: Session, ticket: Ticket, *, previous: TicketStatus) -> None:
    """Pause while waiting on the customer; stop at resolution; start again on reopen."""
    now = clock.now()
    new = ticket.status
    for row in targets_of(session, ticket.id):
        if _dropped(row):
            continue
        if new in (TicketStatus.resolved, TicketStatus.closed):
            if row.target is Target.resolution:
                _meet(session, row, now)
            elif row.status in LIVE:
                _stop(session, row, TargetStatus.cancelled)
        elif new is TicketStatus.pending_customer and row.target in PAUSABLE:
            _pause(session, row, now)
        elif previous is TicketStatus.pending_customer:
            _resume(session, row, now)
        elif previous in (TicketStatus.resolved, TicketStatus.closed) and row.target in (
            Target.resolution,
            Target.update_cadence,
        ):
            _restart(session, row, now)
