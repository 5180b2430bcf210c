"""`kefu bench chat`: customers and agents over real WebSockets on loopback.

What one message goes through: the customer's socket → `post_message` committed with its events
(routing's reactions included) → the hub → the socket of the agent the conversation is assigned
to. Conversations are assigned before the run (round robin), so the agent is known; the routing
decision itself is `kefu bench routing`'s subject.

1. open loop at 100 and 1,000 connected customers (and one agent per 20): each customer writes a
   message every INTERVAL_S, at a random phase, for DURATION_S; latency = customer send → the
   assigned agent's socket receives it (one clock: clients and agents live in this process);
2. saturation: 100 customers each send the next message as soon as the agent got the last one —
   the most messages a second this server delivers end to end;
3. the ceiling: a bare Starlette WebSocket echo under the same 100 closed-loop clients; the
   saturation figure is also given as a ratio to it.

Each setup also reports what one message costs the database side in-process (`per_message`: CPU
ms of the thread and statements, alone and in groups as SQLite's group commit stores them), and
each run the server processes' CPU ms per delivered message: figures the machine's other load
moves far less than the latencies.

One kefu process on SQLite; with KEFU_BENCH_PG_URL (an admin URL) and Redis reachable at
KEFU_BENCH_REDIS_URL (default redis://127.0.0.1:6379/0) also two processes on PostgreSQL +
Redis, customers connected to one and agents to the other.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from dataclasses import dataclass
from typing import Any

from kefu import clock
from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.auth.secrets import sign_widget_token
from kefu.bench.chat_cost import PER_MESSAGE_N, per_message
from kefu.bench.chat_server import cpu_seconds, serve
from kefu.bench.common import machine, percentile, ratio, scratch_postgres, scratch_sqlite
from kefu.channels import service as channels
from kefu.channels.models import ChannelKind
from kefu.conversations import service as conversations
from kefu.customers import service as customers
from kefu.customers.models import IdentityKind
from kefu.db import make_engine, make_sessionmaker

LEVELS = (100, 1_000)
PER_AGENT = 20
INTERVAL_S = 5.0
DURATION_S = 20.0
SATURATION_CLIENTS = 100
SATURATION_S = 10.0
GRACE_S = 15.0
GOAL_P99_MS = 50.0
PG_ENV = "KEFU_BENCH_PG_URL"
REDIS_ENV = "KEFU_BENCH_REDIS_URL"
UNLIMITED = {
    "KEFU_IP_RATE_PER_S": "1e9",
    "KEFU_IP_BURST": "1000000000",
    "KEFU_CHAT_RATE_PER_S": "1e9",
    "KEFU_CHAT_BURST": "1000000000",
    "KEFU_WORKER_IN_PROCESS": "false",
}


@dataclass
class Shop:
    key: str
    customer_tokens: list[str]
    agent_tokens: list[str]


def seed(url: str, n_customers: int, n_agents: int) -> Shop:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            ws = auth.create_workspace(s, key="bench", name="Bench Shop")
            system = Actor.system(ws.id)
            chat = channels.create(s, actor=system, kind=ChannelKind.web_chat, name="在线客服")
            agents, tokens = [], []
            for i in range(n_agents):
                staff = auth.create_staff(
                    s, actor=system, email=f"a{i}@bench.test", name=f"客服{i}", role=Role.agent
                )
                agents.append(staff.id)
                tokens.append(auth.issue_token(s, staff=staff, name="bench")[1])
            exp = int(clock.now().timestamp()) + 6 * 3600
            cust_tokens = []
            for i in range(n_customers):
                member = f"B{i}"
                c = customers.create(
                    s,
                    actor=system,
                    display_name=f"顾客{i}",
                    identities=[(IdentityKind.member_id, member, True)],
                )
                conv = conversations.create(s, actor=system, channel_id=chat.id, customer_id=c.id)
                # Customers 0..19 to agent 0, 20..39 to agent 1 …: a run with the first n
                # customers needs only the first n / PER_AGENT agents.
                agent = agents[min(i // PER_AGENT, n_agents - 1)]
                conversations.assign(s, actor=system, conversation_id=conv.id, assignee_id=agent)
                claims = {"ws": ws.key, "sub": member, "exp": exp}
                cust_tokens.append(sign_widget_token(ws.widget_secret, claims))
            s.commit()
            return Shop(ws.key, cust_tokens, tokens)
    finally:
        engine.dispose()


class Run:
    """The sockets of one measured run and what they saw."""

    def __init__(self) -> None:
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.first = 0.0
        self.last = 0.0
        self.delivered: dict[str, asyncio.Event] = {}

    async def agent(self, base: str, token: str) -> Any:
        from websockets.asyncio.client import connect

        ws = await connect(f"ws://{base}/api/v1/ws", open_timeout=120, max_queue=None)
        await ws.send(json.dumps({"type": "hello", "token": token}))
        while json.loads(await ws.recv())["type"] != "welcome":
            pass
        asyncio.ensure_future(self._read_agent(ws))
        return ws

    async def _read_agent(self, ws: Any) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] != "message":
                    continue
                cmid = frame["message"].get("client_msg_id")
                t0 = self.sent_at.pop(cmid, None)
                if t0 is not None:
                    now = time.perf_counter()
                    self.latencies.append(now - t0)
                    self.last = now
                    event = self.delivered.pop(cmid, None)
                    if event is not None:
                        event.set()
        except Exception:  # noqa: S110 — the socket closes at the end of the run
            pass

    async def customer(self, base: str, shop: Shop, i: int) -> tuple[Any, int]:
        from websockets.asyncio.client import connect

        ws = await connect(f"ws://{base}/api/v1/widget/ws", open_timeout=120, max_queue=None)
        hello = {"type": "hello", "workspace": shop.key, "token": shop.customer_tokens[i]}
        await ws.send(json.dumps(hello))
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "welcome":
                break
        asyncio.ensure_future(_drain(ws))
        return ws, frame["conversation_id"]

    async def send(self, ws: Any, conv: int, cmid: str) -> None:
        self.sent_at[cmid] = time.perf_counter()
        frame = {"type": "message", "conversation_id": conv, "client_msg_id": cmid, "body": "在吗"}
        await ws.send(json.dumps(frame, ensure_ascii=False))


async def _drain(ws: Any) -> None:
    try:
        async for _ in ws:
            pass
    except Exception:  # noqa: S110
        pass


async def _gather_limited(coros: list[Any], limit: int = 50) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(c: Any) -> Any:
        async with gate:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


async def _connect(
    run: Run, cust_base: str, agent_base: str, shop: Shop, n: int
) -> tuple[list[Any], list[Any]]:
    n_agents = max(1, -(-n // PER_AGENT))
    agents = await _gather_limited([run.agent(agent_base, t) for t in shop.agent_tokens[:n_agents]])
    custs = await _gather_limited([run.customer(cust_base, shop, i) for i in range(n)])
    return [*agents, *(ws for ws, _ in custs)], custs


async def open_loop(
    cust_base: str, agent_base: str, shop: Shop, n: int, duration: float
) -> dict[str, Any]:
    run = Run()
    sockets, custs = await _connect(run, cust_base, agent_base, shop, n)
    rng = random.Random(n)  # noqa: S311 — phases only
    cpu0 = _server_cpu(cust_base, agent_base)
    start = time.perf_counter()

    async def writer(i: int, ws: Any, conv: int) -> int:
        await asyncio.sleep(rng.random() * INTERVAL_S)
        k = 0
        while time.perf_counter() - start < duration:
            await run.send(ws, conv, f"o{n}-{i}-{k}")
            k += 1
            await asyncio.sleep(INTERVAL_S)
        return k

    sent = sum(await asyncio.gather(*(writer(i, ws, c) for i, (ws, c) in enumerate(custs))))
    grace = time.perf_counter() + GRACE_S
    while run.sent_at and time.perf_counter() < grace:
        await asyncio.sleep(0.05)
    wall = max(run.last, start + duration) - start
    cpu = _server_cpu(cust_base, agent_base) - cpu0
    await _close(sockets)
    return _figures(run, n, sent, wall, cpu) | {
        "agents": max(1, -(-n // PER_AGENT)),
        "offered_per_s": round(n / INTERVAL_S, 1),
    }


async def closed_loop(
    cust_base: str, agent_base: str, shop: Shop, n: int, duration: float
) -> dict[str, Any]:
    run = Run()
    sockets, custs = await _connect(run, cust_base, agent_base, shop, n)
    cpu0 = _server_cpu(cust_base, agent_base)
    start = time.perf_counter()

    async def writer(i: int, ws: Any, conv: int) -> int:
        k = 0
        while time.perf_counter() - start < duration:
            cmid = f"s{n}-{i}-{k}"
            got = run.delivered[cmid] = asyncio.Event()
            await run.send(ws, conv, cmid)
            k += 1
            try:
                await asyncio.wait_for(got.wait(), GRACE_S)
            except TimeoutError:
                break
        return k

    sent = sum(await asyncio.gather(*(writer(i, ws, c) for i, (ws, c) in enumerate(custs))))
    wall = time.perf_counter() - start
    cpu = _server_cpu(cust_base, agent_base) - cpu0
    await _close(sockets)
    return _figures(run, n, sent, wall, cpu) | {"agents": max(1, -(-n // PER_AGENT))}


async def echo_loop(base: str, n: int, duration: float) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    socks = await _gather_limited(
        [connect(f"ws://{base}/echo", open_timeout=120) for _ in range(n)]
    )
    latencies: list[float] = []
    payload = json.dumps({"type": "message", "client_msg_id": "x" * 12, "body": "在吗"})
    start = time.perf_counter()

    async def one(ws: Any) -> None:
        while time.perf_counter() - start < duration:
            t0 = time.perf_counter()
            await ws.send(payload)
            await ws.recv()
            latencies.append(time.perf_counter() - t0)

    await asyncio.gather(*(one(ws) for ws in socks))
    wall = time.perf_counter() - start
    await _close(socks)
    return {
        "clients": n,
        "messages": len(latencies),
        "messages_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
    }


async def _close(sockets: list[Any]) -> None:
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


def _server_cpu(*bases: str) -> float:
    return sum(cpu_seconds(base) for base in set(bases))


def _figures(run: Run, n: int, sent: int, wall: float, cpu: float) -> dict[str, Any]:
    got = len(run.latencies)
    return {
        "customers": n,
        "sent": sent,
        "delivered": got,
        "undelivered": sent - got,
        "messages_per_s": round(got / wall, 1) if wall > 0 else 0.0,
        "p50_ms": round(percentile(run.latencies, 50) * 1000, 2),
        "p99_ms": round(percentile(run.latencies, 99) * 1000, 2),
        # The server processes' CPU time (every thread) per delivered message: their cost, which
        # the machine's other load hardly moves, unlike the latencies.
        "server_cpu_ms_per_message": round(cpu / got * 1000, 2) if got else 0.0,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _measure(
    cust_base: str, agent_base: str, shop: Shop, levels: list[int], duration: float, sat: int
) -> dict[str, Any]:
    runs = [asyncio.run(open_loop(cust_base, agent_base, shop, n, duration)) for n in levels]
    saturation = asyncio.run(closed_loop(cust_base, agent_base, shop, sat, max(1.0, duration / 2)))
    return {"open_loop": runs, "saturation": saturation}


def run(scale: float = 1.0) -> dict[str, Any]:
    levels = [max(2, round(n * scale)) for n in LEVELS]
    duration = max(2.0, DURATION_S * scale)
    sat = max(2, round(SATURATION_CLIENTS * scale))
    n_agents = max(1, -(-max(levels) // PER_AGENT))
    result: dict[str, Any] = {
        "benchmark": "chat",
        "machine": machine(),
        "workload": {
            "levels": levels,
            "customers_per_agent": PER_AGENT,
            "interval_s": INTERVAL_S,
            "duration_s": duration,
            "saturation_clients": sat,
            "transport": "websockets (client) / uvicorn (server) on 127.0.0.1",
        },
        "setups": [],
    }
    with serve("echo") as echo_base:
        echo = asyncio.run(echo_loop(echo_base, sat, max(1.0, duration / 2)))
    result["echo"] = echo
    with scratch_sqlite() as url:
        shop = seed(url, max(levels), n_agents)
        cost = per_message(url, max(40, round(PER_MESSAGE_N * scale)))
        env = {**UNLIMITED, "KEFU_DATABASE_URL": url}
        env.pop("KEFU_REDIS_URL", None)
        with serve("kefu", env) as base:
            one = _measure(base, base, shop, levels, duration, sat)
        result["setups"].append(
            {"setup": "1 process, SQLite, in-process hub", "per_message": cost, **one}
        )
    pg_admin = os.environ.get(PG_ENV)
    if pg_admin:
        redis_url = os.environ.get(REDIS_ENV, "redis://127.0.0.1:6379/0")
        with scratch_postgres(pg_admin, "kefu_bench_chat") as url:
            shop = seed(url, max(levels), n_agents)
            cost = per_message(url, max(40, round(PER_MESSAGE_N * scale)))
            env = {**UNLIMITED, "KEFU_DATABASE_URL": url, "KEFU_REDIS_URL": redis_url}
            with serve("kefu", env) as a, serve("kefu", env) as b:
                two = _measure(a, b, shop, levels, duration, sat)
            result["setups"].append(
                {
                    "setup": "2 processes, PostgreSQL + Redis (customers on one, agents on other)",
                    "per_message": cost,
                    **two,
                }
            )
    for setup in result["setups"]:
        sat_rate = setup["saturation"]["messages_per_s"]
        setup["saturation"]["ratio_to_echo"] = ratio(sat_rate, echo["messages_per_s"])
    top = result["setups"][0]["open_loop"][-1]
    result["goal"] = {
        "p99_ms_at_top_level_one_process": top["p99_ms"],
        "target_ms": GOAL_P99_MS,
        "met": top["p99_ms"] <= GOAL_P99_MS and top["undelivered"] == 0,
    }
    return result
