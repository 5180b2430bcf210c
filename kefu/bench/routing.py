"""`kefu bench routing`: how long a routing decision takes at 500 agents and 5,000 waiting.

1. core: the pure decision (kefu/routing/core.py) on an in-memory snapshot —
   `choose_agent` for an arriving conversation over every agent, `pick_next` for an agent with
   room over the whole queue (typical, and the worst case: an agent who may serve none of it, so
   every entry is looked at). Goal: p99 ≤ 5 ms.
2. reference, same run: sorting a list of as many (load, idle, id) tuples as there are agents, and
   a loop of dict look-ups as long as the queue — the cost of touching that much data in Python.
3. database (SQLite in a temporary directory; PostgreSQL when KEFU_BENCH_PG_URL is set): the same
   workload as rows, and `service.route` for a new conversation (snapshot read from rows, decision,
   lock, assignment or queue entry) and `service.pull_for` for an online agent — each in a
   transaction rolled back afterwards, so every call sees the same 5,000 waiting.

`--scale` multiplies the agents, the queue and the number of decisions.
"""

from __future__ import annotations

import gc
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text

from kefu import clock
from kefu.auth import service as auth
from kefu.bench import routing_data
from kefu.bench.common import (
    Series,
    machine,
    measure,
    percentile,
    ratio,
    scratch_postgres,
    scratch_sqlite,
)
from kefu.config import Settings
from kefu.conversations.models import Conversation
from kefu.routing import core, service, snapshot
from kefu.routing.models import AgentPresence
from kefu.runtime import build

AGENTS = 500
WAITING = 5_000
DECISIONS = 2_000
DB_DECISIONS = 200
GOAL_P99_MS = 5.0
PG_ENV = "KEFU_BENCH_PG_URL"


def run(scale: float = 1.0) -> dict[str, Any]:
    """Run the routing benchmark; returns one JSON-ready dict."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    started = time.perf_counter()
    agents = max(5, round(AGENTS * scale))
    waiting = max(20, round(WAITING * scale))
    decisions = max(20, round(DECISIONS * scale))
    db_decisions = max(10, round(DB_DECISIONS * scale))
    now = datetime.now(UTC)
    w = routing_data.generate(agents, waiting, decisions, now=now.timestamp())
    result: dict[str, Any] = {
        "benchmark": "routing",
        "scale": scale,
        "workload": {
            "agents": agents,
            "online_agents": sum(a.state == "online" for a in w.agents),
            "waiting": waiting,
            "teams": routing_data.TEAMS,
            "skills": len(routing_data.SKILLS),
            "decisions": decisions,
            "db_decisions": db_decisions,
        },
        # Other processes on the machine show in the p99s: the load average says how many.
        "machine": {**machine(), "load_average_start": list(os.getloadavg())},
        "goal_p99_ms": GOAL_P99_MS,
    }
    core_series = _core(w)
    ref = _reference(agents, waiting, decisions)
    result["core"] = {name: s.summary("decisions") for name, s in core_series.items()}
    result["reference"] = {name: s.summary("ops") for name, s in ref.items()}
    p99 = {name: s["p99_ms"] for name, s in result["core"].items()}
    result["goal_met"] = all(v <= GOAL_P99_MS for v in p99.values())
    # The same goal on CPU time: what the decision costs, without waits for a busy CPU.
    result["goal_met_cpu"] = all(s["cpu_p99_ms"] <= GOAL_P99_MS for s in result["core"].values())
    # From the raw latencies: at small scales the rounded milliseconds are zeros.
    p50 = {name: percentile(s.latencies, 50) for name, s in (*core_series.items(), *ref.items())}
    result["ratios"] = {
        "choose_agent_p50_vs_sort_agents_p50": ratio(p50["choose_agent"], p50["sort_agents"]),
        "pick_next_worst_p50_vs_scan_queue_p50": ratio(p50["pick_next_worst"], p50["scan_queue"]),
        "choose_agent_p99_vs_goal": ratio(p99["choose_agent"], GOAL_P99_MS),
        "pick_next_worst_p99_vs_goal": ratio(p99["pick_next_worst"], GOAL_P99_MS),
    }
    result["databases"] = {}
    with scratch_sqlite() as url:
        result["databases"]["sqlite"] = _database(url, w, db_decisions, now)
    admin_url = os.environ.get(PG_ENV)
    if admin_url:
        with scratch_postgres(admin_url, f"kefu_bench_routing_{os.getpid()}") as url:
            result["databases"]["postgresql"] = _database(url, w, db_decisions, now)
    else:
        result["databases"]["postgresql"] = {"skipped": f"{PG_ENV} is not set"}
    result["machine"]["load_average_end"] = list(os.getloadavg())
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _core(w: routing_data.Workload) -> dict[str, Timed]:
    agents = w.snapshot()
    rng = random.Random(7)
    online = [a for a in agents if a.state == "online"]
    pickers = [rng.choice(online) for _ in w.arrivals] if online else []
    # An online agent with room in every class but in no team and with no skill: most of the
    # queue (team or skill) is not theirs, and when nothing is, every entry is looked at.
    nobody = core.Agent(0, "online", frozenset(), {}, False, {}, {"chat": 1, "call": 1, "email": 1})
    unservable = [
        e for e in w.waiting if e.needs.team_id is not None or e.needs.skills or e.needs.senior
    ]
    with _no_gc():
        return _core_loops(agents, w, pickers, nobody, unservable)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Garbage collection off while timing, as timeit does (the core loops and the reference
    alike): a collection pause belongs to the process, not to the call it happens to interrupt."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _core_loops(
    agents: list[core.Agent],
    w: routing_data.Workload,
    pickers: list[core.Agent],
    nobody: core.Agent,
    unservable: list[core.Waiting],
) -> dict[str, Timed]:
    return {
        "choose_agent": _timed(
            lambda i: core.choose_agent(agents, w.arrivals[i]), range(len(w.arrivals))
        ),
        "pick_next": _timed(lambda i: core.pick_next(pickers[i], w.waiting), range(len(pickers))),
        "pick_next_worst": _timed(
            lambda i: core.pick_next(nobody, unservable), range(len(w.arrivals))
        ),
    }


class Timed(Series):
    """Wall-clock latencies, and the CPU time this thread spent on each call: on a shared machine
    the wall-clock tail also holds the time the process waited for a CPU."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: list[float] = []

    def extend(self, other: Series) -> None:
        super().extend(other)
        if isinstance(other, Timed):
            self.cpu += other.cpu

    def summary(self, unit: str) -> dict[str, Any]:
        return {
            **super().summary(unit),
            "cpu_p50_ms": round(percentile(self.cpu, 50) * 1000, 3),
            "cpu_p99_ms": round(percentile(self.cpu, 99) * 1000, 3),
        }


def _timed(op: Callable[[int], object], indices: range) -> Timed:
    series = Timed()
    wall, cpu = time.perf_counter, time.thread_time
    start = wall()
    for i in indices:
        t0, c0 = wall(), cpu()
        op(i)
        c1, t1 = cpu(), wall()
        series.latencies.append(t1 - t0)
        series.cpu.append(c1 - c0)
    series.wall = wall() - start
    return series


def _reference(agents: int, waiting: int, n: int) -> dict[str, Series]:
    rng = random.Random(11)
    rows = [(rng.randint(0, 8), rng.random(), i) for i in range(agents)]
    table = {i: i % 3 == 0 for i in range(64)}
    keys = [rng.randrange(64) for _ in range(waiting)]

    def scan(_: int) -> int:
        hits = 0
        for k in keys:
            if table.get(k):
                hits += 1
        return hits

    with _no_gc():
        return {
            "sort_agents": measure(lambda _: sorted(rows), range(n)),
            "scan_queue": measure(scan, range(n)),
        }


def _database(url: str, w: routing_data.Workload, n: int, now: datetime) -> dict[str, Any]:
    rt = build(Settings(database_url=url, worker_in_process=False, dispatch_in_process=False))
    try:
        with clock.frozen(now):
            with rt.sessions() as s:
                ws = auth.create_workspace(s, key="bench", name="压测商城 Bench Shop").id
                s.commit()
                t0 = time.perf_counter()
                info = routing_data.load_rows(s, ws, w, now)
                load_s = time.perf_counter() - t0
            with rt.sessions() as s:
                select_1 = measure(lambda _: s.execute(text("SELECT 1")).scalar(), range(n))
            rng = random.Random(5)
            route, pull = Timed(), Timed()
            for i in range(n):
                route.extend(_one_route(rt, ws, info, rng, i))
                pull.extend(_one_pull(rt, ws, info, rng))
        return {
            "load": {"seconds": round(load_s, 2), "assigned_open": info["assigned_open"]},
            "reference": {"select_1": select_1.summary("ops")},
            "route": route.summary("decisions"),
            "pull": pull.summary("decisions"),
            "ratios": {
                "route_p50_vs_select_1_p50": ratio(
                    percentile(route.latencies, 50), percentile(select_1.latencies, 50)
                ),
                "pull_p50_vs_select_1_p50": ratio(
                    percentile(pull.latencies, 50), percentile(select_1.latencies, 50)
                ),
            },
        }
    finally:
        rt.close()


def _one_route(rt: Any, ws: int, info: dict[str, Any], rng: random.Random, i: int) -> Timed:
    with rt.sessions() as s:
        cls = rng.choices(["chat", "call", "email"], [0.8, 0.05, 0.15])[0]
        conv = Conversation(
            workspace_id=ws,
            channel_id=info["channel_ids"][cls],
            customer_id=rng.choice(info["customer_ids"]),
        )
        s.add(conv)
        s.flush()
        series = _timed(
            lambda _: service.route(s, conversation_id=conv.id, workspace_id=ws, reason="bench"),
            range(1),
        )
        s.rollback()
    return series


def _one_pull(rt: Any, ws: int, info: dict[str, Any], rng: random.Random) -> Timed:
    with rt.sessions() as s:
        staff_id = rng.choice(info["online_staff_ids"])
        # Room for exactly one more chat, as a close would leave: one decision, one assignment.
        load = snapshot.load_by_agent(s, ws, [staff_id]).get(staff_id, {})
        presence = s.scalars(select(AgentPresence).where(AgentPresence.staff_id == staff_id)).one()
        presence.caps = {c: load.get(c, 0) + (c == "chat") for c in ("chat", "call", "email")}
        s.flush()
        series = _timed(lambda _: service.pull_for(s, workspace_id=ws, staff_id=staff_id), range(1))
        s.rollback()
    return series
