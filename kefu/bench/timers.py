"""`kefu bench timers`: durable timers at the scale of a busy shop's open tickets.

Per database (SQLite in a temporary directory; PostgreSQL in a scratch database when
KEFU_BENCH_PG_URL names an admin URL), on the real clock:

1. load: N armed timers due over the next 30 days (1,000,000 on PostgreSQL, 100,000 on SQLite),
   standing for open tickets' SLA timers — bulk-loaded, timed, not what is measured;
2. reference: the raw driver's `SELECT 1` round trip and its single-row commits of
   `UPDATE timers SET fired_at = … WHERE id = …`, on this machine and database;
3. empty sweep: `timers.sweep` with nothing due over those N timers (the partial index at work);
4. drain: a backlog of due timers fired by one process, one `timers.sweep` (its capacity);
5. lag: 2 worker processes loop `timers.sweep` (sleeping 100 ms between sweeps) while timers are
   scheduled 1 s ahead of their due times, 100,000 due a minute, for 60 s; afterwards the firing
   lag (due → the sweep's COMMIT) per timer, double fires and misses.

`--scale` shrinks N, the window, the backlog and the loop counts; the rate stays 100,000 a minute.
"""

from __future__ import annotations

import inspect
import math
import os
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kefu.auth import service as auth
from kefu.bench import timers_lag
from kefu.bench.common import Series, machine, measure, ratio, scratch_postgres, scratch_sqlite
from kefu.bench.timers_data import (
    Loader,
    count_fires,
    database_info,
    far_future,
    fired_state,
    reference,
    sweep_plan,
    timed,
)
from kefu.bench.timers_lag import DUE_PER_MINUTE, GOAL_P99_MS, INTERVAL_S, LEAD_S, WORKERS
from kefu.bench.timers_worker import DRAIN, LAG, SLA
from kefu.config import Settings
from kefu.runtime import Runtime, build
from kefu.timers import service as timers

# At scale 1.0.
ARMED = {"postgresql": 1_000_000, "sqlite": 100_000}
WINDOW_S = 60.0  # how long timers keep falling due at 100,000 a minute
WINDOW_MIN_S = 1.0
BACKLOG = 10_000
EMPTY_SWEEPS = 500
REFERENCE_OPS = 1_000
# Every sweep here is `timers.sweep(sessions)`, as `kefu worker` calls it: its default batch.
BATCH: int = inspect.signature(timers.sweep).parameters["batch"].default
PG_ENV = "KEFU_BENCH_PG_URL"


@dataclass(frozen=True)
class Plan:
    armed: int
    window_s: float
    lag_timers: int
    backlog: int
    empty_sweeps: int
    reference_ops: int


def plan(scale: float, database: str) -> Plan:
    window = max(WINDOW_MIN_S, WINDOW_S * scale)
    return Plan(
        armed=max(100, round(ARMED[database] * scale)),
        window_s=window,
        lag_timers=round(window * DUE_PER_MINUTE / 60),
        backlog=max(200, round(BACKLOG * scale)),
        empty_sweeps=max(50, round(EMPTY_SWEEPS * scale)),
        reference_ops=max(50, round(REFERENCE_OPS * scale)),
    )


def run(scale: float = 1.0) -> dict[str, Any]:
    """Run the timers benchmark; returns one JSON-ready dict."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    started = time.perf_counter()
    admin_url = os.environ.get(PG_ENV)
    result: dict[str, Any] = {
        "benchmark": "timers",
        "scale": scale,
        "workload": {
            "plan": {db: asdict(plan(scale, db)) for db in ARMED},
            "due_per_minute": DUE_PER_MINUTE,
            "lead_s": LEAD_S,
            "workers": WORKERS,
            "worker_interval_s": INTERVAL_S,
            "sweep_batch": BATCH,
            "worker": "a process looping timers.sweep(sessions), sleeping 100 ms after each",
            "handler": "inserts a row into bench_timer_fires in the sweep's transaction",
            "lag": "wall-clock time after the sweep transaction's COMMIT minus due_at",
            "reference": "raw driver: SELECT 1 round trip; UPDATE timers SET fired_at, 1 commit",
        },
        "machine": {**machine(), "load_average_start": _load_average()},
        "databases": {},
    }
    with scratch_sqlite() as url:
        result["databases"]["sqlite"] = _run_database(url, plan(scale, "sqlite"))
    if admin_url:
        with scratch_postgres(admin_url, f"kefu_bench_{os.getpid()}") as url:
            result["databases"]["postgresql"] = _run_database(url, plan(scale, "postgresql"))
    else:
        result["databases"]["postgresql"] = {"skipped": f"{PG_ENV} is not set"}
    result["machine"]["load_average_end"] = _load_average()
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _run_database(url: str, p: Plan) -> dict[str, Any]:
    started = time.perf_counter()
    rt = build(Settings(database_url=url, worker_in_process=False))
    try:
        with rt.sessions() as s:
            workspace_id = auth.create_workspace(s, key="bench", name="压测商城 Bench Shop").id
            s.commit()
        loader = Loader(rt.engine, workspace_id)
        try:
            out: dict[str, Any] = {"database": database_info(loader)}
            loader.create_fires_table()
            start = datetime.now(UTC) + timedelta(days=1)
            loaded, load_s = timed(
                loader.insert, SLA, far_future(p.armed, start=start, prefix="sla")
            )
            _, analyze_s = timed(loader.analyze)
            out["load"] = {
                "timers": loaded,
                "seconds": round(load_s, 2),
                "timers_per_s": round(loaded / load_s),
                "analyze_s": round(analyze_s, 2),
            }
            ref = reference(url, loader, p.reference_ops)
            out["reference"] = {name: s.summary("ops") for name, s in ref.items()}
            empty = _empty_sweeps(rt, p.empty_sweeps)
            out["empty_sweep"] = {
                "armed_timers": loaded,
                **empty.summary("sweeps"),
                "plan": (plan_ := sweep_plan(rt.engine, BATCH)),
                "uses_partial_index": any("ix_timers_armed_due" in line for line in plan_),
            }
            out["drain"] = _drain(rt, loader, p.backlog)
            lag, workers = timers_lag.run(url, loader, p.lag_timers, p.window_s)
            out["lag"] = lag
            out["exactly_once"] = _verify(loader, p, workers)
            # The same empty sweep, now that the lag run's fired timers have left dead entries
            # at the head of the partial index (until VACUUM removes them).
            after = _empty_sweeps(rt, p.empty_sweeps)
            out["empty_sweep_after_lag"] = {"fired_timers": lag["fired"], **after.summary("sweeps")}
        finally:
            loader.close()
    finally:
        rt.close()
    commit_p50 = out["reference"]["single_row_commit"]["p50_ms"]
    out["ratios"] = {
        "empty_sweep_p50_vs_select_1_p50": ratio(
            out["empty_sweep"]["p50_ms"], out["reference"]["select_1"]["p50_ms"]
        ),
        "empty_sweep_p50_vs_single_row_commit_p50": ratio(out["empty_sweep"]["p50_ms"], commit_p50),
        "drain_rate_vs_single_row_commit_rate": ratio(
            out["drain"]["timers_per_s"], out["reference"]["single_row_commit"]["ops_per_s"]
        ),
        "drain_rate_vs_due_rate": ratio(out["drain"]["timers_per_s"], DUE_PER_MINUTE / 60),
        "lag_p99_vs_goal": ratio(out["lag"]["p99_ms"], GOAL_P99_MS),
    }
    out["seconds"] = round(time.perf_counter() - started, 2)
    return out


def _empty_sweeps(rt: Runtime, n: int) -> Series:
    fired = 0

    def sweep(_i: int) -> None:
        nonlocal fired
        fired += timers.sweep(rt.sessions).fired

    for i in range(10):
        sweep(i)  # warm: pooled connections, compiled statements
    series = measure(sweep, range(n))
    if fired:
        raise RuntimeError(f"sweeps with nothing due fired {fired} timer(s)")
    return series


def _drain(rt: Runtime, loader: Loader, n: int) -> dict[str, Any]:
    """`n` timers already due, fired by one `timers.sweep` in this process."""
    past = datetime.now(UTC) - timedelta(minutes=1)
    loader.insert(DRAIN, ((f"drain:{i}", past + timedelta(microseconds=i)) for i in range(n)))
    got, seconds = timed(lambda: timers.sweep(rt.sessions))
    return {
        "timers": n,
        "fired": got.fired,
        "batches": math.ceil(n / BATCH),
        "seconds": round(seconds, 3),
        "timers_per_s": round(got.fired / seconds, 1),
        "ms_per_timer": round(seconds * 1000 / max(got.fired, 1), 4),
    }


def _verify(loader: Loader, p: Plan, workers: list[dict[str, Any]]) -> dict[str, Any]:
    """Every due timer fired exactly once, nothing else fired, and the logs agree with the rows."""
    fires = count_fires(loader)
    per_kind = fires["per_kind"]
    states = {kind: fired_state(loader, kind) for kind in (SLA, LAG, DRAIN)}
    misses = loader.armed_due(datetime.now(UTC))
    logged: dict[int, int] = {}
    for w in workers:
        for _, ids in w["commits"]:
            for timer_id in ids:
                logged[timer_id] = logged.get(timer_id, 0) + 1
    expected = {SLA: p.armed, LAG: p.lag_timers, DRAIN: p.backlog}
    problems: list[str] = []
    for kind, state in states.items():
        want_fired = 0 if kind == SLA else expected[kind]
        got = per_kind.get(kind, {"fires": 0, "timers": 0})
        if state["timers"] != expected[kind]:
            problems.append(f"{kind}: {state['timers']} timers, expected {expected[kind]}")
        if not (got["fires"] == got["timers"] == state["marked_fired"] == want_fired):
            problems.append(
                f"{kind}: {got} fires, {state['marked_fired']} marked, want {want_fired}"
            )
        if state["failed_attempts"]:
            problems.append(f"{kind}: {state['failed_attempts']} timers failed")
    if fires["double_fired_timers"] or fires["orphans"]:
        problems.append(f"{fires['double_fired_timers']} double-fired, {fires['orphans']} orphans")
    if misses:
        problems.append(f"{misses} armed timers are past due")
    if any(n != 1 for n in logged.values()) or len(logged) != per_kind.get(LAG, {}).get("timers"):
        problems.append("the workers' commit logs disagree with the fires table")
    if any(w["errors"] for w in workers):
        problems.append("a worker's sweep raised")
    return {
        "double_fires": fires["double_fired_timers"],
        "misses": misses,
        "lag_timers_fired": per_kind.get(LAG, {}).get("timers", 0),
        "backlog_fired": per_kind.get(DRAIN, {}).get("timers", 0),
        "far_future_fired": per_kind.get(SLA, {}).get("fires", 0),
        "fired_by_worker": {
            str(w["worker"]): sum(len(ids) for _, ids in w["commits"]) for w in workers
        },
        "verified": not problems,
        "problems": problems,
    }


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
