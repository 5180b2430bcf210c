"""Background work: dispatch events left pending and fire due timers.

`kefu worker` runs it in its own process (any number of them); `kefu serve` runs it in a thread
when `KEFU_WORKER_IN_PROCESS` is on (the default for a single embedded process).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kefu.orders import effects as shop_effects
from kefu.runtime import Runtime
from kefu.timers import service as timers

log = logging.getLogger(__name__)


def run_once(rt: Runtime) -> tuple[int, int]:
    """One pass: (events dispatched, timers fired). A step that fails is logged and the others
    still run: a bad row in one must not stop the timers that keep promises (nor the worker)."""
    dispatched = _guarded("dispatching events", rt.dispatcher.dispatch_pending)
    fired = _guarded("firing timers", lambda: timers.sweep(rt.sessions).fired)
    # Effects at the shop (refunds, address changes): claimed here, called outside a transaction.
    _guarded("delivering shop effects", lambda: shop_effects.deliver_due(rt.sessions))
    return dispatched, fired


def _guarded(what: str, step: Callable[[], int]) -> int:
    try:
        return step()
    except Exception:
        log.exception("worker: %s failed", what)
        return 0


class WorkerThread(threading.Thread):
    """Sweeps every `interval` seconds until stopped; an error is logged and the loop goes on."""

    def __init__(self, rt: Runtime, interval: float = 0.5) -> None:
        super().__init__(name="kefu-worker", daemon=True)
        self.rt = rt
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                run_once(self.rt)
            except Exception:
                log.exception("worker pass failed")
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)
