"""Group commit of the sockets' sends on SQLite: the sends waiting meanwhile, in one transaction.

SQLite has one writer, so the sockets' database work runs one call at a time anyway (the hub's
limiter). Each message in a transaction of its own paid for its BEGIN, its COMMIT and the
outbox claim after it (a second transaction); while one send is stored, the next ones queue.
Here whatever queued meanwhile goes into the next transaction together (`chat.send_many`), and
each sender is answered once that transaction has committed: nothing is acknowledged before it
is stored. A send that is refused rolls its group back and the group is sent one by one.
One send alone waits for nobody: a group is what queued while the previous one was written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from kefu.auth.actor import Actor
from kefu.realtime import chat
from kefu.realtime.protocol import SendMessage

MAX_GROUP = 50  # sends per transaction: bounds how long the first of a group waits for the rest

Pending = tuple[Actor, SendMessage, "asyncio.Future[chat.Sent]"]


class GroupedSends:
    """`send()` from the event loop; groups are stored through `db` (the hub's worker thread)."""

    def __init__(self, db: Callable[..., Awaitable[Any]]) -> None:
        self._db = db
        self._queued: list[Pending] = []
        self._writer: asyncio.Task[None] | None = None

    async def send(self, actor: Actor, frame: SendMessage) -> chat.Sent:
        """`chat.send`, grouped with the sends queued meanwhile; raises what it would raise."""
        future: asyncio.Future[chat.Sent] = asyncio.get_running_loop().create_future()
        self._queued.append((actor, frame, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
        return await future

    async def _write(self) -> None:
        try:
            while self._queued:
                group, self._queued = self._queued[:MAX_GROUP], self._queued[MAX_GROUP:]
                try:
                    outcomes = await self._db(chat.send_many, [(a, f) for a, f, _ in group])
                except BaseException as exc:  # not a send's failure: the hub's (or a shutdown)
                    waiting, self._queued = [*group, *self._queued], []
                    for *_, future in waiting:
                        if future.done():
                            continue
                        if isinstance(exc, asyncio.CancelledError):
                            future.cancel()
                        else:
                            future.set_exception(exc)
                    raise
                for (*_, future), outcome in zip(group, outcomes, strict=True):
                    if future.done():
                        continue  # its socket went away meanwhile (the message is stored)
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self._writer = None
