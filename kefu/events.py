"""Domain events: recorded in the same transaction as the change, dispatched after commit.

`record()` adds an `Event` row to the session. When that session commits, the events it recorded
are handed to the `Dispatcher`, which calls in-process subscribers and marks the rows dispatched.
Anything left undispatched — the process died after commit, a subscriber failed — is picked up
by `Dispatcher.dispatch_pending()`, which runs at start and in the worker. Delivery is therefore
at-least-once; subscribers must be idempotent (they get the event id to key on).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from kefu import clock
from kefu.timeline.models import Event

if TYPE_CHECKING:
    from kefu.auth.actor import Actor

log = logging.getLogger(__name__)

PENDING_KEY = "kefu.pending_events"
DISPATCHER_KEY = "kefu.dispatcher"

Subscriber = Callable[[Event], None]


def record(
    session: Session,
    *,
    actor: Actor,
    type: str,
    customer_id: int | None = None,
    conversation_id: int | None = None,
    ticket_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append an event to the timeline in the caller's transaction."""
    ev = Event(
        workspace_id=actor.workspace_id,
        type=type,
        occurred_at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        customer_id=customer_id,
        conversation_id=conversation_id,
        ticket_id=ticket_id,
        payload=payload or {},
    )
    session.add(ev)
    session.info.setdefault(PENDING_KEY, []).append(ev)
    return ev


class Dispatcher:
    """Hands committed events to in-process subscribers, then marks them dispatched."""

    def __init__(self, sessions: sessionmaker[Session] | None = None) -> None:
        # Set after construction when the sessionmaker itself carries this dispatcher (runtime.py).
        self.sessions: sessionmaker[Session] = sessions  # type: ignore[assignment]
        self._subscribers: dict[str, list[Subscriber]] = defaultdict(list)

    def subscribe(self, event_type: str, fn: Subscriber) -> None:
        """Call `fn` for every event of `event_type` ("*" for all)."""
        self._subscribers[event_type].append(fn)

    def deliver(self, ids: Iterable[int]) -> int:
        """Dispatch the given events if still pending; returns how many this call dispatched."""
        ids = list(ids)
        if not ids:
            return 0
        with self.sessions() as session:
            stmt = select(Event).where(Event.id.in_(ids), Event.dispatched_at.is_(None))
            return self._dispatch(session, stmt)

    def dispatch_pending(self, batch: int = 500) -> int:
        """Dispatch every event left undispatched (at start, in the worker); returns the count."""
        total = 0
        while True:
            with self.sessions() as session:
                stmt = (
                    select(Event)
                    .where(Event.dispatched_at.is_(None))
                    .order_by(Event.id)
                    .limit(batch)
                )
                n = self._dispatch(session, stmt)
            total += n
            if n < batch:
                return total

    def _dispatch(self, session: Session, stmt: Any) -> int:
        if session.get_bind().dialect.name == "postgresql":
            # Two processes sweeping at once each take different rows.
            stmt = stmt.with_for_update(skip_locked=True)
        events = list(session.scalars(stmt))
        done: list[int] = []
        for ev in events:
            if self._notify(ev):
                done.append(ev.id)
        if done:
            session.execute(
                update(Event).where(Event.id.in_(done)).values(dispatched_at=clock.now())
            )
        session.commit()
        return len(done)

    def _notify(self, ev: Event) -> bool:
        ok = True
        for fn in (*self._subscribers.get(ev.type, ()), *self._subscribers.get("*", ())):
            try:
                fn(ev)
            except Exception:
                # Left pending: dispatch_pending() retries it; the other subscribers may see it again.
                log.exception("subscriber %r failed on event %s (%s)", fn, ev.id, ev.type)
                ok = False
        return ok


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending: list[Event] = session.info.pop(PENDING_KEY, [])
    dispatcher: Dispatcher | None = session.info.get(DISPATCHER_KEY)
    if pending and dispatcher is not None:
        try:
            dispatcher.deliver(ev.id for ev in pending)
        except Exception:
            # The change is committed; its events stay pending and dispatch_pending() retries them.
            log.exception("dispatch after commit failed")


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
