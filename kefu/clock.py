"""The one source of "now".

Service code calls `clock.now()`; tests and simulations move time with `FrozenClock`.
All instants are timezone-aware UTC.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = instant.astimezone(UTC)


_clock: SystemClock | FrozenClock = SystemClock()


def now() -> datetime:
    return _clock.now()


def install(clock: SystemClock | FrozenClock) -> None:
    global _clock
    _clock = clock


@contextmanager
def frozen(start: datetime) -> Iterator[FrozenClock]:
    """Freeze time for the duration of the block (tests)."""
    previous = _clock
    clock = FrozenClock(start)
    install(clock)
    try:
        yield clock
    finally:
        install(previous)
