"""The timers benchmark's own timer kinds, and the worker processes that sweep them.

Firing a benchmark timer inserts a row into `bench_timer_fires` (a scratch table the benchmark
creates with raw SQL, not part of kefu's schema) naming the timer, the process and the wall-clock
time the handler ran. The row commits together with the timer's `fired_at` or not at all, and the
table has no key, so a timer fired twice leaves two rows.

A worker process also keeps a commit log: for each sweep transaction that committed, the
wall-clock time just after its COMMIT returned and the timers it fired. That is when a firing took
effect, so the benchmark measures the lag (due → fired) to it.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from kefu.config import Settings
from kefu.runtime import build
from kefu.timers import service as timers
from kefu.timers.models import Timer

log = logging.getLogger(__name__)

SLA = "bench.sla"  # far in the future: the open tickets' SLA timers, never due during the run
LAG = "bench.lag"  # the firing-lag run: due in real time, 100,000 a minute
DRAIN = "bench.drain"  # a backlog due at once, fired by one process (its capacity)
REFERENCE = "bench.reference"  # rows the raw driver marks fired; no handler, never due
KINDS = (SLA, LAG, DRAIN)

FIRES_TABLE = "bench_timer_fires"
CREATE_FIRES = (
    "CREATE TABLE bench_timer_fires (timer_id BIGINT NOT NULL, worker INTEGER NOT NULL,"
    " handled_at DOUBLE PRECISION NOT NULL)"
)
_INSERT_FIRE = text(
    "INSERT INTO bench_timer_fires (timer_id, worker, handled_at)"
    " VALUES (:timer_id, :worker, :handled_at)"
)
_FIRED_KEY = "kefu.bench.fired"

# 0 in the benchmark's own process, 1, 2, … in the worker processes.
worker_id = 0


def record_fire(session: Session, timer: Timer) -> None:
    """Leave a row per firing, in the sweep's transaction, and note the timer for the commit log."""
    # A Core INSERT on the session's connection, as `events.record` writes the timeline.
    session.connection().execute(
        _INSERT_FIRE, {"timer_id": timer.id, "worker": worker_id, "handled_at": time.time()}
    )
    session.info.setdefault(_FIRED_KEY, []).append(timer.id)


for _kind in KINDS:
    timers.handler(_kind)(record_fire)


class CommitLog:
    """(wall-clock time after COMMIT, ids of the timers fired) for each committed sweep batch."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.entries: list[tuple[float, list[int]]] = []
        event.listen(sessions, "after_commit", self._committed)
        event.listen(sessions, "after_transaction_end", self._ended)

    def _committed(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a SAVEPOINT released: nothing is committed before the outer transaction is
        ids = session.info.pop(_FIRED_KEY, None)
        if ids:
            self.entries.append((time.time(), ids))

    def _ended(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            session.info.pop(_FIRED_KEY, None)  # rolled back: those firings never happened


def command(url: str, worker: int, run_dir: Path, interval: float) -> list[str]:
    """The argv that starts worker process number `worker`."""
    code = "from kefu.bench.timers_worker import main; main()"
    return [sys.executable, "-c", code, url, str(worker), str(run_dir), str(interval)]


def ready_file(run_dir: Path, worker: int) -> Path:
    return run_dir / f"ready-{worker}"


def result_file(run_dir: Path, worker: int) -> Path:
    return run_dir / f"worker-{worker}.json"


def stop_file(run_dir: Path) -> Path:
    return run_dir / "stop"


def main(argv: list[str] | None = None) -> None:
    """A worker process: sweep (as `kefu worker` does), sleep `interval`, again, until the stop
    file appears."""
    global worker_id
    url, worker, run_dir, interval = argv or sys.argv[1:]
    worker_id = int(worker)
    out = Path(run_dir)
    pause = float(interval)
    rt = build(Settings(database_url=url, worker_in_process=False))
    commits = CommitLog(rt.sessions)
    sweeps: list[tuple[float, int]] = []  # (seconds, timers fired) per sweep
    errors = 0
    timers.sweep(rt.sessions)  # warm: a pooled connection, compiled statements
    ready_file(out, worker_id).touch()
    clock = time.perf_counter
    started = clock()
    stop = stop_file(out)
    while not stop.exists():
        t0 = clock()
        try:
            fired = timers.sweep(rt.sessions).fired
        except Exception:  # as kefu's worker loop does: log, and sweep again next time
            log.exception("sweep failed")
            errors += 1
            fired = 0
        sweeps.append((clock() - t0, fired))
        time.sleep(pause)
    result: dict[str, Any] = {
        "worker": worker_id,
        "seconds": clock() - started,
        "errors": errors,
        "sweeps": sweeps,
        "commits": commits.entries,
    }
    rt.close()
    result_file(out, worker_id).write_text(json.dumps(result))
