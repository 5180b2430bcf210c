"""Domain events: recorded in the same transaction as the change, dispatched after commit.

`record()` writes an `Event` row in the session's transaction. When that session commits, the events
it recorded are handed to the `Dispatcher`, which calls in-process subscribers and marks the rows
dispatched — on the connection that committed them, in a short transaction of its own.
Anything left undispatched — the process died after commit, a subscriber failed — is picked up
by `Dispatcher.dispatch_pending()`, which runs at start and in the worker. Delivery is therefore
at-least-once; subscribers must be idempotent (they get the event id to key on).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import BindParameter, Connection, Table, bindparam, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from kefu import clock
from kefu.timeline.models import Event

if TYPE_CHECKING:
    from kefu.auth.actor import Actor

log = logging.getLogger(__name__)

PENDING_KEY = "kefu.pending_events"
DISPATCHER_KEY = "kefu.dispatcher"
CONNECTION_KEY = "kefu.connection"

Subscriber = Callable[[Event], None]
Reaction = Callable[[Session, Event], None]

# Policies that must move with a fact in the same transaction (an SLA clock stopping when the
# reply is stored): run by record() itself, so they commit or roll back with the fact.
_REACTIONS: dict[str, list[Reaction]] = defaultdict(list)


def react(*types: str) -> Callable[[Reaction], Reaction]:
    """Run the decorated function inside the transaction of every `record()` of these types."""

    def register(fn: Reaction) -> Reaction:
        for event_type in types:
            if fn not in _REACTIONS[event_type]:
                _REACTIONS[event_type].append(fn)
        return fn

    return register


_events = cast(Table, Event.__table__)
_INSERT = _events.insert().returning(_events.c.id)


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
    values = {
        "workspace_id": actor.workspace_id,
        "type": type,
        "occurred_at": clock.now(),
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "customer_id": customer_id,
        "conversation_id": conversation_id,
        "ticket_id": ticket_id,
        "payload": payload or {},
        "dispatched_at": None,
    }
    # One INSERT now, in the session's transaction, instead of a unit-of-work flush of its own at
    # commit: the log is append-only and no other row points at it. The Event returned carries its
    # id but is not added to the session, so a rollback leaves no stale instance in its identity
    # map; queries in the session read the row back like any other.
    conn = session.connection(bind_arguments={"mapper": Event})
    ev = Event(id=conn.execute(_INSERT, values).scalar_one(), **values)
    session.info.setdefault(PENDING_KEY, []).append(ev)
    for reaction in _REACTIONS.get(type, ()):
        reaction(session, ev)
    return ev


@dataclass(frozen=True)
class Committed:
    """Events a session has just committed, and the connection it committed them on (if reusable).

    Iterating gives their ids, so it can stand wherever `Dispatcher.deliver` takes ids.
    """

    events: list[Event]
    connection: Connection | None = None

    def __iter__(self) -> Iterator[int]:
        return (ev.id for ev in self.events)


_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_ID: BindParameter[Any] = bindparam("event_id")


def _claim(which: Any, *, skip_locked: bool) -> Any:
    """Claim and mark in one statement: only rows still pending come back.

    Of two dispatchers racing for an event exactly one hands it to the subscribers. On PostgreSQL
    the claim skips rows another dispatcher holds (a worker's sweep) rather than wait, as the
    sweep itself does.
    """
    pending: tuple[Any, ...] = (which, _events.c.dispatched_at.is_(None))
    if skip_locked:
        locked = select(_events.c.id).where(*pending).with_for_update(skip_locked=True)
        pending = (_events.c.id.in_(locked.scalar_subquery()),)
    return (
        update(_events)
        .where(*pending)
        .values(dispatched_at=bindparam("now"))
        .returning(_events.c.id)
    )


# (dialect is PostgreSQL, one event) -> statement; one event per commit is the common case, and
# `id = :id` spares the per-execution rendering of an expanding IN.
_CLAIMS = {
    (postgres, one): _claim(
        _events.c.id == _ID if one else _events.c.id.in_(_IDS), skip_locked=postgres
    )
    for postgres in (False, True)
    for one in (False, True)
}
_MARK = update(_events).where(_events.c.id.in_(_IDS)).values(dispatched_at=bindparam("now"))


class Dispatcher:
    """Hands committed events to in-process subscribers, then marks them dispatched."""

    def __init__(self, sessions: sessionmaker[Session] | None = None) -> None:
        # Set after construction when the sessionmaker itself carries this dispatcher (runtime.py).
        self.sessions: sessionmaker[Session] = sessions  # type: ignore[assignment]
        self._subscribers: dict[str, list[Subscriber]] = defaultdict(list)

    def subscribe(self, event_type: str, fn: Subscriber) -> None:
        """Call `fn` for every event of `event_type` ("*" for all)."""
        self._subscribers[event_type].append(fn)

    def deliver(self, ids: Iterable[int] | Committed) -> int:
        """Dispatch the given events if still pending; returns how many this call dispatched.

        `ids` are event ids, or the `Committed` batch a session's commit hands over.
        """
        if isinstance(ids, Committed):
            return self._deliver_committed(ids)
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

    def _deliver_committed(self, batch: Committed) -> int:
        # The events are in memory already: claim and mark their rows in one statement, call the
        # subscribers, unmark the ones a subscriber failed on, then commit. A crash before that
        # commit leaves every event pending for dispatch_pending(), as before.
        if not batch.events:
            return 0
        # SQLite may give the id of an event a rolled-back SAVEPOINT took back to a later event,
        # which comes later in the list and wins.
        by_id = {ev.id: ev for ev in batch.events}
        if batch.connection is not None:
            # Same connection, a transaction of its own: no second pool checkout (nor pre-ping).
            with batch.connection.begin():
                return self._claim_and_notify(batch.connection, by_id)
        with self.sessions() as session:
            n = self._claim_and_notify(session.connection(), by_id)
            session.commit()
            return n

    def _claim_and_notify(self, conn: Connection, by_id: dict[int, Event]) -> int:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            _relax_commit(conn)
        one = len(by_id) == 1
        params = {"event_id": next(iter(by_id))} if one else {"ids": list(by_id)}
        claimed = set(
            conn.execute(_CLAIMS[postgres, one], {**params, "now": clock.now()}).scalars()
        )
        failed = [i for i, ev in by_id.items() if i in claimed and not self._notify(ev)]
        if failed:
            conn.execute(_MARK, {"ids": failed, "now": None})
        return len(claimed) - len(failed)

    def _dispatch(self, session: Session, stmt: Any) -> int:
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            # Two processes sweeping at once each take different rows.
            stmt = stmt.with_for_update(skip_locked=True)
            _relax_commit(conn)
        events = list(session.scalars(stmt))
        done: list[int] = []
        for ev in events:
            if self._notify(ev):
                done.append(ev.id)
        if done:
            conn.execute(_MARK, {"ids": done, "now": clock.now()})
        session.commit()
        return len(done)

    def _notify(self, ev: Event) -> bool:
        ok = True
        for fn in (*self._subscribers.get(ev.type, ()), *self._subscribers.get("*", ())):
            try:
                fn(ev)
            except Exception:
                # Left pending: dispatch_pending() retries it; other subscribers may see it again.
                log.exception("subscriber %r failed on event %s (%s)", fn, ev.id, ev.type)
                ok = False
        return ok


def _relax_commit(conn: Connection) -> None:
    # Only `dispatched_at` is written here. Should PostgreSQL lose this commit in a crash, the
    # events are pending again and dispatch_pending() delivers them once more — the at-least-once
    # contract already allows that — so the commit need not wait for its WAL flush.
    conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


@sa_event.listens_for(Session, "after_begin")
def _after_begin(
    session: Session, _transaction: SessionTransaction, connection: Connection
) -> None:
    if DISPATCHER_KEY in session.info:
        # Remembered for the dispatch after commit (sessions that dispatch only).
        session.info[CONNECTION_KEY] = connection


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released: nothing is committed before the outer transaction is.
    # A SAVEPOINT rolled back took its events' rows with it; the claim below skips them.
    pending: list[Event] = session.info.pop(PENDING_KEY, [])
    connection: Connection | None = session.info.pop(CONNECTION_KEY, None)
    dispatcher: Dispatcher | None = session.info.get(DISPATCHER_KEY)
    if pending and dispatcher is not None:
        if connection is not None and (connection.closed or connection.in_transaction()):
            # The session ran inside a transaction it does not own (tests join one): its commit
            # committed nothing yet, so dispatch from a connection of our own, as a worker would.
            connection = None
        try:
            dispatcher.deliver(Committed(pending, connection))
        except Exception:
            # The change is committed; its events stay pending and dispatch_pending() retries them.
            log.exception("dispatch after commit failed")


@sa_event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        # However the transaction ended — committed (and dispatched above), rolled back, or closed
        # without either — its events and its connection go with it.
        session.info.pop(PENDING_KEY, None)
        session.info.pop(CONNECTION_KEY, None)
