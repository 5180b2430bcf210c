"""The timers benchmark's firing-lag run: timers falling due in real time, 2 worker processes.

The benchmark's own process is the scheduler: every quarter second it inserts the timers that
fall due a quarter second's worth later than LEAD_S from now (100,000 a minute). The workers loop
`timers.sweep` as `kefu worker` does, with a shorter sleep. When the last timer's due time has
passed and none is left armed, the workers stop and hand over their commit logs.
"""

from __future__ import annotations

import json
import math
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from kefu.bench import timers_worker as bench_worker
from kefu.bench.common import percentile
from kefu.bench.timers_data import Loader, due_times, handled_times
from kefu.bench.timers_worker import LAG

DUE_PER_MINUTE = 100_000  # the SLA issue's load; never scaled
LEAD_S = 1.0  # timers are scheduled this long before they fall due
TICK_S = 0.25  # the scheduler inserts a quarter-second's timers at a time
WORKERS = 2
INTERVAL_S = 0.1  # a worker's sleep between sweeps (`kefu worker --interval`, 0.5 by default)
GOAL_P99_MS = 1_000.0


@dataclass
class Feed:
    first_due: float
    last_due: float
    inserted: int = 0
    chunks: int = 0
    late: int = 0  # timers whose insert committed after they fell due
    min_margin_s: float = math.inf


def run(url: str, loader: Loader, n: int, window_s: float) -> tuple[dict[str, Any], list[Any]]:
    """Schedule `n` timers due over `window_s` while the workers sweep; (figures, worker logs)."""
    with tempfile.TemporaryDirectory(prefix="kefu-bench-timers-") as tmp:
        run_dir = Path(tmp)
        logs = [(run_dir / f"worker-{k}.log").open("w+") for k in range(1, WORKERS + 1)]
        procs = [
            subprocess.Popen(  # noqa: S603 — this interpreter, fixed arguments
                bench_worker.command(url, k, run_dir, INTERVAL_S),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            for k, log in enumerate(logs, start=1)
        ]
        try:
            _wait_ready(procs, run_dir, logs)
            feed = _feed(loader, n)
            until = datetime.fromtimestamp(feed.last_due, UTC)
            # Long enough for workers that fall behind to catch up: a shortfall shows as lag.
            deadline = feed.last_due + max(60.0, 3 * window_s)
            while time.time() <= feed.last_due or loader.armed_due(until) > 0:
                if time.time() > deadline:
                    break  # what is left is counted as missed
                time.sleep(0.1)
            all_fired_s = time.time() - feed.last_due
        finally:
            bench_worker.stop_file(run_dir).touch()
            for proc in procs:
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        workers = []
        for k, (proc, log) in enumerate(zip(procs, logs, strict=True), start=1):
            out = bench_worker.result_file(run_dir, k)
            if proc.returncode != 0 or not out.exists():
                raise RuntimeError(f"timer worker {k} exited {proc.returncode}: {_tail(log)}")
            workers.append(json.loads(out.read_text()))
            log.close()
    figures = _lag_figures(loader, workers)
    figures["window_s"] = window_s
    figures["scheduler"] = {
        "timers": feed.inserted,
        "inserts": feed.chunks,
        "late": feed.late,
        "min_margin_ms": round(feed.min_margin_s * 1000, 1),
    }
    figures["all_fired_after_last_due_ms"] = round(all_fired_s * 1000, 1)
    figures["workers"] = [_worker_figures(w) for w in workers]
    return figures, workers


def _feed(loader: Loader, n: int) -> Feed:
    """Schedule `n` timers a tick at a time, each LEAD_S before it falls due."""
    rate = DUE_PER_MINUTE / 60
    per_tick = rate * TICK_S
    t0 = time.time()
    feed = Feed(first_due=t0 + LEAD_S, last_due=t0 + LEAD_S + (n - 1) / rate)
    for j in range(math.ceil(n / per_tick)):
        time.sleep(max(0.0, t0 + j * TICK_S - time.time()))
        lo, hi = round(j * per_tick), min(n, round((j + 1) * per_tick))
        if lo >= hi:
            continue
        dues = [(i, feed.first_due + i / rate) for i in range(lo, hi)]
        feed.inserted += loader.insert(
            LAG, ((f"lag:{i}", datetime.fromtimestamp(due, UTC)) for i, due in dues)
        )
        done = time.time()
        feed.chunks += 1
        feed.late += sum(1 for _, due in dues if due < done)
        feed.min_margin_s = min(feed.min_margin_s, dues[0][1] - done)
    return feed


def _wait_ready(
    procs: Sequence[subprocess.Popen[bytes]], run_dir: Path, logs: Sequence[IO[str]]
) -> None:
    deadline = time.time() + 120
    for k, (proc, log) in enumerate(zip(procs, logs, strict=True), start=1):
        while not bench_worker.ready_file(run_dir, k).exists():
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"timer worker {k} did not start: {_tail(log)}")
            time.sleep(0.05)


def _tail(log: IO[str]) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-4000:]


def _lag_figures(loader: Loader, workers: list[dict[str, Any]]) -> dict[str, Any]:
    due = due_times(loader, LAG)
    committed: dict[int, float] = {}
    for w in workers:
        for wall, ids in w["commits"]:
            for timer_id in ids:
                if timer_id in due:
                    committed.setdefault(timer_id, wall)
    lags = [committed[i] - due[i] for i in due if i in committed]
    handled: dict[int, float] = {}
    for timer_id, wall in handled_times(loader):
        if timer_id in due:
            handled.setdefault(timer_id, wall)
    to_handler = [handled[i] - due[i] for i in due if i in handled]
    return {
        "scheduled": len(due),
        "fired": len(committed),
        **_ms(lags),
        "to_handler": _ms(to_handler),
        "goal_p99_ms": GOAL_P99_MS,
        "goal_met": bool(lags) and percentile(lags, 99) * 1000 <= GOAL_P99_MS,
    }


def _ms(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p90_ms": round(percentile(values, 90) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
        "max_ms": round(max(values, default=0.0) * 1000, 1),
        "min_ms": round(min(values, default=0.0) * 1000, 1),
    }


def _worker_figures(w: dict[str, Any]) -> dict[str, Any]:
    sweeps = [(float(s), int(f)) for s, f in w["sweeps"]]
    fired = sum(f for _, f in sweeps)
    working = [s for s, f in sweeps if f]
    idle = [s for s, f in sweeps if not f]
    return {
        "worker": w["worker"],
        "fired": fired,
        "sweeps": len(sweeps),
        "sweeps_that_fired": len(working),
        "errors": w["errors"],
        "busy_fraction": round(sum(s for s, _ in sweeps) / w["seconds"], 3),
        "ms_per_fired_timer": round(sum(working) * 1000 / fired, 3) if fired else 0.0,
        "sweep_that_fired_p50_ms": round(percentile(working, 50) * 1000, 2),
        "sweep_that_fired_p99_ms": round(percentile(working, 99) * 1000, 2),
        "sweep_that_fired_max_ms": round(max(working, default=0.0) * 1000, 2),
        "empty_sweep_p50_ms": round(percentile(idle, 50) * 1000, 2),
    }
