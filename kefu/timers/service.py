"""Schedule, cancel and sweep durable timers.

A timer fires exactly once: the sweep claims due rows (PostgreSQL `FOR UPDATE SKIP LOCKED`, so any
number of workers take disjoint rows; SQLite has one writer), runs the handler for its kind and
sets `fired_at` in the same transaction. A handler's database effects and the fired mark commit
together or not at all; effects outside the database go through the outbox. A timer that fell due
while every process was down is simply due at the next sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from kefu import clock
from kefu.timers.models import Timer

log = logging.getLogger(__name__)

Handler = Callable[[Session, Timer], None]
_HANDLERS: dict[str, Handler] = {}

RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)


class RetryLater(Exception):
    """An expected, passing failure (a mail relay down or not yet configured): the timer retries
    with back-off, and the log gets one line, not a stack that says nothing more."""


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that fires timers of `kind` (one per kind)."""

    def register(fn: Handler) -> Handler:
        if _HANDLERS.get(kind, fn) is not fn:
            raise ValueError(f"a handler for timer kind {kind!r} is already registered")
        _HANDLERS[kind] = fn
        return fn

    return register


def schedule(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    key: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> Timer:
    """Arm the (kind, key) timer for `due_at`; scheduling again moves it, or re-arms a fired one."""
    timer = session.scalars(select(Timer).where(Timer.kind == kind, Timer.key == key)).first()
    if timer is None:
        timer = Timer(
            workspace_id=workspace_id, kind=kind, key=key, due_at=due_at, payload=payload or {}
        )
        session.add(timer)
    else:
        timer.due_at = due_at
        timer.payload = payload if payload is not None else timer.payload
        timer.fired_at = timer.cancelled_at = None
        timer.attempts = 0
        timer.last_error = ""
    session.flush()
    return timer


def cancel(session: Session, *, kind: str, key: str) -> bool:
    """Disarm a timer; True if one was armed."""
    result = session.execute(
        update(Timer)
        .where(
            Timer.kind == kind,
            Timer.key == key,
            Timer.fired_at.is_(None),
            Timer.cancelled_at.is_(None),
        )
        .values(cancelled_at=clock.now())
    )
    return bool(getattr(result, "rowcount", 0))


def armed(session: Session, *, kind: str, key: str) -> Timer | None:
    return session.scalars(
        select(Timer).where(
            Timer.kind == kind,
            Timer.key == key,
            Timer.fired_at.is_(None),
            Timer.cancelled_at.is_(None),
        )
    ).first()


@dataclass
class SweepResult:
    fired: int = 0
    failed: int = 0


# 50 timers a transaction: a timer only counts as fired once its batch commits, SQLite's write lock
# is held for the whole batch, and PostgreSQL keeps 64 subtransactions (a savepoint per timer) per
# transaction in shared memory before every other session's snapshots slow down.
def sweep(sessions: sessionmaker[Session], *, batch: int = 50) -> SweepResult:
    """Fire every timer due now, in due order, in batches; returns what happened."""
    total = SweepResult()
    while True:
        got, taken = _sweep_batch(sessions, batch)
        total.fired += got.fired
        total.failed += got.failed
        if taken < batch:
            return total


def _sweep_batch(sessions: sessionmaker[Session], batch: int) -> tuple[SweepResult, int]:
    """One batch; returns what happened and how many due rows it took (skipped ones count)."""
    result = SweepResult()
    now = clock.now()
    with sessions() as session:
        stmt = (
            select(Timer)
            .where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at <= now)
            .order_by(Timer.due_at, Timer.id)
            .limit(batch)
        )
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        taken = session.scalars(stmt).all()
        for timer in taken:
            if _moved(timer, now):
                continue
            fn = _HANDLERS.get(timer.kind)
            fired_due = timer.due_at  # a handler may re-arm its own (kind, key): see _mark_fired
            try:
                with session.begin_nested():  # released with a flush of the handler's changes
                    if fn is None:
                        raise LookupError(f"no handler for timer kind {timer.kind!r}")
                    fn(session, timer)
            except Exception as exc:  # one bad timer must not hold up the others
                if isinstance(exc, RetryLater):
                    log.warning("timer %s (%s) will retry: %s", timer.id, timer.kind, exc)
                else:
                    log.exception("timer %s (%s) failed", timer.id, timer.kind)
                timer.attempts += 1
                timer.last_error = f"{type(exc).__name__}: {exc}"[:500]
                timer.due_at = now + min(RETRY_BASE * 2 ** (timer.attempts - 1), RETRY_MAX)
                result.failed += 1
                continue
            _mark_fired(session, timer, now, fired_due)
            result.fired += 1
        session.commit()
    return result, len(taken)


def _moved(timer: Timer, now: datetime) -> bool:
    """Whether an earlier handler of this batch re-armed, cancelled or fired this row since it was
    read (an idle escalation restarting the cadence whose breach is next in line): its new arming is
    not due yet, or not armed at all, and must not fire now with the new payload."""
    return timer.fired_at is not None or timer.cancelled_at is not None or timer.due_at > now


_timers = cast(Table, Timer.__table__)
_MARK_FIRED = (
    _timers.update()
    .where(
        _timers.c.id == bindparam("timer_id"),
        # Only the arming that fired: a handler that scheduled the same (kind, key) again moved
        # `due_at` and cleared `fired_at` on this very row, and that new arming must stay armed.
        _timers.c.fired_at.is_(None),
        _timers.c.due_at == bindparam("fired_due"),
    )
    .values(fired_at=bindparam("fired_at"))
)


def _mark_fired(session: Session, timer: Timer, now: datetime, fired_due: datetime) -> None:
    """Set `fired_at` in the batch's transaction, right after the handler's savepoint is released.

    Written by the transaction that holds the row lock rather than inside the savepoint: on
    PostgreSQL an UPDATE by a subtransaction of a row its parent locked `FOR UPDATE` needs a
    MultiXact, whose dead row versions index scans cannot mark dead — every later sweep would step
    over all of them (on the partial index, each timer fired since the last VACUUM). One cached
    Core UPDATE, not a unit-of-work flush. Should it fail, the exception leaves the batch, which
    rolls back with its handlers' effects: nothing in it has fired.

    A handler that re-armed its own timer (a cadence breach restarting the cadence, an idle
    escalation touching the ticket) left the row due again: nothing matches, and that is right.
    """
    if inspect(timer).was_deleted:
        return  # the handler deleted its timer: as before, nothing is left to mark
    conn = session.connection(bind_arguments={"mapper": Timer})
    params = {"timer_id": timer.id, "fired_at": now, "fired_due": fired_due}
    if conn.execute(_MARK_FIRED, params).rowcount != 1:
        if _rearmed(timer, fired_due):
            return
        # What the unit of work raises for a row gone behind its back.
        raise StaleDataError(
            "UPDATE statement on table 'timers' expected to update 1 row(s); 0 were matched."
        )
    set_committed_value(timer, "fired_at", now)


def _rearmed(timer: Timer, fired_due: datetime) -> bool:
    """Whether the handler's own `schedule()` re-armed the row (its flushed state says so)."""
    return timer.fired_at is None and timer.cancelled_at is None and timer.due_at != fired_due
